// The canary comparison dashboard (dashboards/canary-comparison.json), every panel's query run by a
// real Prometheus over synthetic data for a healthy canary (orchestrator: canary as good as stable)
// and a failing one (api-gateway: canary at 20% 5xx and p95 3.5 s), with `component` set as Grafana
// sets it from var-component: each panel returns data for both, and the error-rate and p95 panels put
// the failing canary above the panel's threshold line and the healthy one below. The dashboard is
// the one output/links.ts points at (uid, slug, variables).
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARY_DASHBOARD } from "../../pipeline/src/output/links.js";
import { type RunningPrometheus, startPrometheus } from "../helpers/prometheus.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const FILE = join(ROOT, "environments/base/monitoring/dashboards/canary-comparison.json");
const PROMTOOL = process.env.PROMTOOL ?? "/usr/bin/promtool";
const STEP = 15;
const SPAN = 20 * 60;
// a fixed instant inside Prometheus' default out-of-order-free backfill range: the last sample
const T1 = Math.floor(Date.parse("2026-11-26T12:00:00Z") / 1000);
const T0 = T1 - SPAN;

interface Target {
  refId: string;
  expr: string;
}
interface Panel {
  title: string;
  targets: Target[];
  fieldConfig: { defaults: { thresholds?: { steps: { value: number | null }[] } } };
}
const dashboard = JSON.parse(readFileSync(FILE, "utf8")) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string }[] };
};

type Labels = Record<string, string>;
const lines: string[] = [];
const byName = new Map<string, string[]>();
function series(name: string, labels: Labels, at: (t: number) => number) {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");
  const out = byName.get(name) ?? [];
  for (let t = 0; t <= SPAN; t += STEP) out.push(`${name}{${l}} ${at(t)} ${T0 + t}`);
  byName.set(name, out);
}
const counter = (name: string, labels: Labels, perSecond: number) =>
  series(name, labels, (t) => perSecond * t);
const NS = "ngx-agents";
const pod = (app: string, hash: string): Labels => ({
  namespace: NS,
  app,
  job: app,
  rollouts_pod_template_hash: hash,
  pod: `${app}-${hash}-0`,
});
const FAST: [string, number][] = [
  ["0.5", 0.95],
  ["1", 1],
  ["2", 1],
  ["5", 1],
  ["+Inf", 1],
];
const SLOW: [string, number][] = [
  ["0.5", 0.5],
  ["1", 0.9],
  ["2", 0.9],
  ["5", 1],
  ["+Inf", 1],
];
function replicaSet(app: string, hash: string, rps: number, errorShare: number, buckets: [string, number][]) {
  counter("http_requests_total", { ...pod(app, hash), status: "200" }, rps * (1 - errorShare));
  counter("http_requests_total", { ...pod(app, hash), status: "503" }, rps * errorShare);
  for (const [le, share] of buckets)
    counter("http_request_duration_seconds_bucket", { ...pod(app, hash), le }, rps * share);
}
// healthy canary: 20% of traffic, 1% errors like the stable; failing canary: 20% 5xx, slow
replicaSet("orchestrator", "stable1", 8, 0.01, FAST);
replicaSet("orchestrator", "canary1", 2, 0.01, FAST);
replicaSet("api-gateway", "stable2", 8, 0.01, FAST);
replicaSet("api-gateway", "canary2", 2, 0.2, SLOW);
const ctl = { job: "argo-rollouts-metrics", namespace: "argo-rollouts", exported_namespace: NS };
for (const [name, metric, phase] of [
  ["orchestrator-canary1-2", "error-rate", "Successful"],
  ["api-gateway-canary2-2", "error-rate", "Failed"],
] as const)
  series(
    "analysis_run_metric_phase",
    { ...ctl, name, metric, type: "Prometheus", dry_run: "false", phase },
    () => 1,
  );
for (const [name, phase] of [
  ["orchestrator", "Progressing"],
  ["api-gateway", "Abort"],
] as const)
  series("rollout_info", { ...ctl, name, phase, strategy: "canary", traffic_router: "" }, () => 1);

let prometheus: RunningPrometheus | undefined;
beforeAll(async () => {
  prometheus = await startPrometheus([], {
    prepare: async (dataDir) => {
      const om = join(dirname(dataDir), "data.om");
      for (const [name, samples] of byName) lines.push(`# TYPE ${name} unknown`, ...samples);
      writeFileSync(om, `${lines.join("\n")}\n# EOF\n`);
      await run(PROMTOOL, ["tsdb", "create-blocks-from", "openmetrics", om, dataDir], { timeout: 120_000 });
    },
    flags: ["--storage.tsdb.retention.time=100y"],
  });
});
afterAll(async () => {
  await prometheus?.stop();
});

async function query(expr: string): Promise<{ metric: Labels; value: [number, string] }[]> {
  const res = await fetch(
    `${prometheus?.url}/api/v1/query?${new URLSearchParams({ query: expr, time: String(T1) })}`,
  );
  const body = (await res.json()) as { status: string; error?: string; data: { result: unknown } };
  if (body.status !== "success") throw new Error(`${body.error} in: ${expr}`);
  return body.data.result as { metric: Labels; value: [number, string] }[];
}

/** Grafana's interpolation for var-component=<component> (a single value, regex-escaped) */
const forComponent = (expr: string, component: string) =>
  expr
    .replace(/\$__rate_interval/g, "1m")
    .replace(/\$component/g, component.replace(/[.*+?^${}()|[\]\\-]/g, "\\\\$&"));

const threshold = (p: Panel) => p.fieldConfig.defaults.thresholds?.steps.find((s) => s.value !== null)?.value;
const panel = (title: string) => dashboard.panels.find((p) => p.title.startsWith(title)) as Panel;

describe("canary comparison dashboard", () => {
  it("is the dashboard the deep links open: uid, and the var-component / var-environment variables", () => {
    expect(dashboard.uid).toBe(CANARY_DASHBOARD.uid);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(["environment", "datasource", "component"]);
  });

  const cases = dashboard.panels.flatMap((p) =>
    ["orchestrator", "api-gateway"].flatMap((component) =>
      p.targets.map((t) => ({ where: `"${p.title}" ${t.refId} for ${component}`, expr: t.expr, component })),
    ),
  );
  it.each(cases)("$where returns data", async ({ expr, component }) => {
    const result = await query(forComponent(expr, component));
    expect(result.length).toBeGreaterThan(0);
    for (const r of result) expect(Number.isFinite(Number(r.value[1])), JSON.stringify(r.metric)).toBe(true);
  });

  it("error rate and p95: the failing canary above the panel's threshold, the healthy one and the stables below", async () => {
    for (const [title, healthy] of [
      ["Error rate", 0.01],
      ["p95 latency", 0.5],
    ] as const) {
      const p = panel(title);
      const limit = threshold(p) as number;
      expect(limit).toBeGreaterThan(0);
      const values = async (c: string) =>
        Object.fromEntries(
          (await query(forComponent(p.targets[0]?.expr as string, c))).map((r) => [
            r.metric.rollouts_pod_template_hash,
            Number(r.value[1]),
          ]),
        );
      const failing = await values("api-gateway");
      expect(failing.canary2).toBeGreaterThan(limit);
      expect(failing.stable2).toBeLessThan(limit);
      const ok = await values("orchestrator");
      expect(ok.canary1).toBeCloseTo(healthy, 2);
      expect(ok.stable1).toBeLessThan(limit);
    }
  });

  it("traffic share shows the canary's weight; analysis and rollout phases tell the two apart", async () => {
    const share = await query(
      forComponent(panel("Traffic share").targets[0]?.expr as string, "orchestrator"),
    );
    expect(
      Object.fromEntries(
        share.map((r) => [r.metric.rollouts_pod_template_hash, Math.round(Number(r.value[1]) * 100) / 100]),
      ),
    ).toEqual({ stable1: 0.8, canary1: 0.2 });
    const phases = await query(forComponent(panel("Analysis").targets[0]?.expr as string, "api-gateway"));
    expect(phases.map((r) => r.metric)).toEqual([
      { name: "api-gateway-canary2-2", metric: "error-rate", phase: "Failed" },
    ]);
    const rollout = await query(
      forComponent(panel("Rollout phase").targets[0]?.expr as string, "orchestrator"),
    );
    expect(rollout.map((r) => r.metric)).toEqual([{ name: "orchestrator", phase: "Progressing" }]);
  });
});
