import { describe, expect, it } from "vitest";
import {
  checkPromql,
  checkPromqlIn,
  substituteTemplateArgs,
  templateArgsUsed,
} from "../../pipeline/src/manifests/promql.js";

describe("checkPromql", () => {
  it.each([
    'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    'time() - kube_cronjob_status_last_successful_time{cronjob="db-backup"} > 86400',
    "container_memory_working_set_bytes / on(pod) group_left kube_pod_container_resource_limits",
  ])("accepts %s", (expr) => {
    expect(checkPromql(expr)).toEqual({ ok: true });
  });

  it("reports where an unclosed call ends", () => {
    const r = checkPromql("sum(rate(foo[5m])");
    expect(r).toEqual({
      ok: false,
      message: "PromQL syntax error at line 1, column 18: unexpected end of expression",
      position: { offset: 17, line: 1, column: 18 },
    });
  });

  it("reports the offending token and its line in a multi-line expression", () => {
    const r = checkPromql("sum(rate(foo[5m]))\n  / sum(rate(bar[5x]))");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.position.line).toBe(2);
      expect(r.message).toMatch(/line 2, column \d+: unexpected "/);
    }
  });

  it("rejects two expressions side by side and an empty one", () => {
    expect(checkPromql("foo bar").ok).toBe(false);
    expect(checkPromql("  ")).toMatchObject({ ok: false, message: "empty expression" });
  });
});

describe("analysis template queries", () => {
  it("substitutes {{args.*}} by values that keep the PromQL shape", () => {
    const q =
      'sum(rate(x{app="{{args.service}}",h="{{ args.canary-hash }}"}[{{args.window}}])) > {{args.threshold}}';
    expect(substituteTemplateArgs(q)).toBe('sum(rate(x{app="placeholder",h="placeholder"}[5m])) > 1');
    expect(checkPromql(substituteTemplateArgs(q))).toEqual({ ok: true });
    expect(templateArgsUsed(q)).toEqual(["service", "canary-hash", "window", "threshold"]);
  });

  it("finds syntax errors in PrometheusRules and analysis templates with their field path", () => {
    const rule = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "r" },
      spec: {
        groups: [
          {
            name: "g",
            rules: [
              { record: "ok", expr: "sum(x)" },
              { alert: "A", expr: "sum(x" },
            ],
          },
        ],
      },
    };
    const [f] = checkPromqlIn("dev", rule);
    expect(f).toMatchObject({
      env: "dev",
      object: "PrometheusRule/r",
      path: "spec.groups[0].rules[1].expr",
      rule: "promql/syntax",
    });
    const tpl = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "ClusterAnalysisTemplate",
      metadata: { name: "t" },
      spec: {
        metrics: [{ name: "m", provider: { prometheus: { query: 'rate(x{a="{{args.service}}"}[5m]) >' } } }],
      },
    };
    const [g] = checkPromqlIn("dev", tpl);
    expect(g?.path).toBe("spec.metrics[0].provider.prometheus.query");
    expect(g?.message).toContain("(after substituting {{args.*}})");
  });
});
