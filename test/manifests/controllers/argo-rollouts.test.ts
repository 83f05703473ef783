// Argo Rollouts as its controller consumes a Rollout with its templates: args of every referenced
// template merged (flattenArgs), one name with two values refused. The trees as they were before
// issue 15 (fixture) are refused in staging and production; the repository is not.
import { describe, expect, it } from "vitest";
import {
  type AnalysisTemplate,
  analysisUses,
  checkRolloutAnalysis,
  flattenTemplateArgs,
  indexTemplates,
  resolveArgs,
} from "../../../pipeline/src/analysis/templates.js";
import { ConfigError } from "../../../pipeline/src/errors.js";
import { checkArgoRollouts } from "../../../pipeline/src/manifests/controllers/argo-rollouts.js";
import type { K8sObject } from "../../../pipeline/src/manifests/render.js";
import { ROOT, syntheticView, TODAY, viewOf } from "./view.js";

function template(name: string, args: { name: string; value?: string }[], metric = name): AnalysisTemplate {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ClusterAnalysisTemplate",
    metadata: { name },
    spec: { args, metrics: [{ name: metric, successCondition: "result[0] < 1" }] },
  } as AnalysisTemplate;
}

function rollout(
  templates: string[],
  args: Record<string, unknown>[] = [{ name: "service", value: "api" }],
): K8sObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "api", namespace: "shop" },
    spec: {
      template: { metadata: { labels: { app: "api" } } },
      strategy: {
        canary: {
          analysis: { templates: templates.map((t) => ({ templateName: t, clusterScope: true })), args },
        },
      },
    },
  };
}

describe("rollouts/args-conflict (flattenArgs)", () => {
  it.each(["staging", "production"])(
    "finds every conflict of the trees before the fix in %s",
    async (env) => {
      const { findings } = checkArgoRollouts(await viewOf(TODAY, env));
      const conflicts = findings.filter((f) => f.rule === "rollouts/args-conflict");
      const said = (object: string, text: string) =>
        conflicts.some((f) => f.object === object && f.message.includes(text));
      for (const app of ["api-gateway", "orchestrator", "agent-services", "a2a-server", "vertex-ai-client"]) {
        expect(
          said(`Rollout/${app}`, 'argument "window" is 5m in ClusterAnalysisTemplate/ngx-error-rate and 10m'),
        ).toBe(true);
        expect(
          said(
            `Rollout/${app}`,
            'argument "min-requests" is 50 in ClusterAnalysisTemplate/ngx-error-rate and 200',
          ),
        ).toBe(true);
        expect(
          said(
            `Rollout/${app}`,
            'argument "margin" is 0.002 in ClusterAnalysisTemplate/ngx-error-rate-comparison and 0.01',
          ),
        ).toBe(true);
      }
      expect(
        said(
          "Rollout/a2a-server",
          'argument "max-p95-seconds" is 2 in ClusterAnalysisTemplate/ngx-latency-p95 and 1 in ClusterAnalysisTemplate/ngx-a2a-latency-p95',
        ),
      ).toBe(true);
      expect(
        said(
          "Rollout/vertex-ai-client",
          'argument "max-error-ratio" is 0.05 in ClusterAnalysisTemplate/ngx-error-rate and 0.10 in ClusterAnalysisTemplate/ngx-vertex-ai-error-rate',
        ),
      ).toBe(true);
      for (const f of conflicts) {
        expect(f.path).toBe("spec.strategy.canary.analysis.templates");
        expect(f.file).toMatch(/^environments\/base\/[a-z0-9-]+\/rollout\.yaml$/);
      }
    },
  );

  it("dev before the fix and every environment of the repository have none", async () => {
    expect(checkArgoRollouts(await viewOf(TODAY, "dev")).findings).toEqual([]);
    for (const env of ["dev", "staging", "production"])
      expect(checkArgoRollouts(await viewOf(ROOT, env)).findings).toEqual([]);
  });

  it("a new template with a conflicting argument is a finding with file and field", () => {
    const objects = [
      template("error-rate", [{ name: "window", value: "5m" }, { name: "service" }]),
      template("saturation", [{ name: "window", value: "1m" }]),
      rollout(["error-rate", "saturation"]),
    ];
    const { findings } = checkArgoRollouts(
      syntheticView(objects, { "Rollout/api": "environments/base/api/rollout.yaml" }),
    );
    expect(findings).toEqual([
      expect.objectContaining({
        object: "Rollout/api",
        file: "environments/base/api/rollout.yaml",
        path: "spec.strategy.canary.analysis.templates",
        rule: "rollouts/args-conflict",
        message: expect.stringContaining(
          'argument "window" is 5m in ClusterAnalysisTemplate/error-rate and 1m in ClusterAnalysisTemplate/saturation',
        ),
      }),
    ]);
  });

  it("the same value twice, or a value filling an arg another template leaves open, is accepted (as upstream)", () => {
    const merged = flattenTemplateArgs([
      template("a", [{ name: "window" }, { name: "limit", value: "1" }]),
      template("b", [
        { name: "window", value: "5m" },
        { name: "limit", value: "1" },
      ]),
    ]);
    expect(merged.conflicts).toEqual([]);
    expect(merged.args).toEqual([
      { name: "window", value: "5m" },
      { name: "limit", value: "1" },
    ]);
  });
});

describe("the other Rollout rules", () => {
  it("rollouts/metric-duplicate, rollouts/arg-without-value, rollouts/arg-unused", () => {
    const objects = [
      template("a", [{ name: "service" }], "error-rate"),
      template("b", [], "error-rate"),
      rollout(["a", "b"], [{ name: "service" }, { name: "servcie", value: "api" }]),
    ];
    const rules = checkArgoRollouts(syntheticView(objects)).findings.map((f) => [f.rule, f.path]);
    expect(rules).toEqual([
      ["rollouts/metric-duplicate", "spec.strategy.canary.analysis.templates"],
      ["rollouts/arg-without-value", "spec.strategy.canary.analysis.args[0]"],
      ["rollouts/arg-unused", "spec.strategy.canary.analysis.args[1]"],
    ]);
  });

  it("rollouts/service-selector: the canary Service selects a label the pod template lacks", () => {
    const r = rollout(["a"]);
    (r.spec as { strategy: { canary: Record<string, unknown> } }).strategy.canary.canaryService =
      "api-canary";
    const svc: K8sObject = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api-canary", namespace: "shop" },
      spec: { selector: { app: "api", tier: "web", "rollouts-pod-template-hash": "x" } },
    };
    const { findings } = checkArgoRollouts(syntheticView([template("a", [{ name: "service" }]), r, svc]));
    expect(findings.map((f) => [f.rule, f.path, f.message.slice(0, 46)])).toEqual([
      [
        "rollouts/service-selector",
        "spec.strategy.canary.canaryService",
        "Service api-canary selects tier=web, which the",
      ],
    ]);
  });
});

function must<T>(v: T | undefined): T {
  if (v === undefined) throw new Error("missing");
  return v;
}

describe("analyze and the analysis gate use the controller's merged view", () => {
  const objects = [
    template("error-rate", [{ name: "service" }, { name: "window", value: "5m" }]),
    template("comparison", [{ name: "service" }, { name: "window", value: "10m" }]),
  ];
  const index = indexTemplates(objects);

  it("checkRolloutAnalysis (run by planAnalysis before any query) reports the conflict", () => {
    const findings = checkRolloutAnalysis(rollout(["error-rate", "comparison"]), index);
    expect(findings).toEqual([
      {
        object: "Rollout/api",
        field: "spec.strategy.canary.analysis.templates",
        message: expect.stringContaining(
          'InvalidSpec): argument "window" is 5m in ClusterAnalysisTemplate/error-rate and 10m',
        ),
      },
    ]);
  });

  it("resolveArgs refuses a conflicting use and fills an open arg from another template", () => {
    const r = rollout(["error-rate", "comparison"]);
    const [use] = analysisUses(r);
    expect(() => resolveArgs(r, must(use), must(objects[0]), {}, index)).toThrow(ConfigError);
    const open = indexTemplates([
      template("a", [{ name: "service" }, { name: "window" }]),
      template("b", [{ name: "window", value: "2m" }]),
    ]);
    const r2 = rollout(["a", "b"]);
    const [use2] = analysisUses(r2);
    expect(resolveArgs(r2, must(use2), must(open.get("ClusterAnalysisTemplate/a")), {}, open)).toEqual({
      service: "api",
      window: "2m",
    });
  });
});
