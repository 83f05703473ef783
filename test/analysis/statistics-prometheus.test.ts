// The comparative templates' PromQL on a real Prometheus equals the TypeScript statistic
// (pipeline/src/analysis/statistics.ts) computed from the counts of the same instant: both read the
// same increase() values (Prometheus extrapolates increase() to the window's edges, so the counts
// the synthetic workload served are only a sanity check), and must agree to 1e-6 relative.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findKustomize } from "../../pipeline/src/adapters/kustomize.js";
import { createPrometheus, type Prometheus } from "../../pipeline/src/adapters/prometheus.js";
import {
  type Bucket,
  errorComparison,
  latencyComparison,
  SENTINEL,
} from "../../pipeline/src/analysis/statistics.js";
import { type AnalysisTemplate, argByRole, substituteArgs } from "../../pipeline/src/analysis/templates.js";
import { parseObjects } from "../../pipeline/src/manifests/render.js";
import { runCli } from "../helpers/cli.js";
import { type RunningPrometheus, startPrometheus } from "../helpers/prometheus.js";
import {
  type SyntheticWorkload,
  scrapeConfigs,
  startSyntheticWorkload,
} from "../helpers/synthetic-workload.js";
import { type FixtureRepo, fixtureRepo, REPO_ROOT } from "./fixture-repo.js";

const STABLE = "5c4b9d7f8";
const WORSE = "7d9f8c6b5"; // 4% errors (under the 5% threshold), 10% of requests slow
const SAME = "84c6d9f7b"; // like stable
const BETTER = "6b8d7c9f4"; // 0.2% errors
const IDLE = "9f7b6c5d4";
const WINDOW = "15s";

const pod = (name: string, hash: string, rps: number, errorRatio: number, latencySeconds: number) => ({
  name,
  app: "orchestrator",
  hash,
  requestsPerSecond: rps,
  errorRatio,
  latencySeconds,
});

function rel(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

describe("comparative templates on a real Prometheus", () => {
  let workload: SyntheticWorkload;
  let prom: RunningPrometheus;
  let client: Prometheus;
  let templates: Map<string, AnalysisTemplate>;
  let repo: FixtureRepo;

  beforeAll(async () => {
    repo = fixtureRepo();
    const objects = parseObjects(
      await (await findKustomize()).build(`${REPO_ROOT}/rollouts/analysis`),
      "rollouts/analysis",
    );
    templates = new Map(
      objects
        .filter((o) => o.kind === "ClusterAnalysisTemplate")
        .map((o) => [o.metadata.name, o as AnalysisTemplate]),
    );
    workload = await startSyntheticWorkload([
      pod("stable-a", STABLE, 60, 0.01, 0.2),
      pod("stable-b", STABLE, 60, 0.01, 0.2),
      pod("worse-fast", WORSE, 45, 0.04, 0.2),
      pod("worse-slow", WORSE, 5, 0.04, 0.4),
      pod("same", SAME, 50, 0.01, 0.2),
      pod("better", BETTER, 50, 0.002, 0.2),
      pod("idle", IDLE, 0, 0, 0.2),
    ]);
    prom = await startPrometheus(scrapeConfigs(workload));
    client = createPrometheus(prom.url);
    await prom.waitFor(
      `min(count_over_time(http_requests_total{status="200"}[${WINDOW}]))`,
      (v) => v !== undefined && v >= 14,
      60_000,
    );
  });

  afterAll(async () => {
    await prom?.stop();
    await workload?.close();
    repo?.remove();
  });

  const queryOf = (template: string, canary: string, extra: Record<string, string> = {}) => {
    const t = templates.get(template);
    if (!t) throw new Error(`no template ${template}`);
    const args: Record<string, string> = {};
    for (const a of t.spec.args ?? []) if (a.value !== undefined) args[a.name] = String(a.value);
    Object.assign(args, {
      service: "orchestrator",
      namespace: "ngx-agents",
      "canary-hash": canary,
      "stable-hash": STABLE,
      window: WINDOW,
      "comparison-window": WINDOW,
      // the settings' per-side minimum is for 5-minute windows; 100 suits 15 s at 50 requests/s
      "min-requests": "100",
      "comparison-min-requests": "100",
      ...extra,
    });
    const m = t.spec.metrics?.[0];
    // the template's own arguments, as analyze gives them (names differ per template)
    const own = Object.fromEntries((t.spec.args ?? []).map((a) => [a.name, args[a.name] as string]));
    return { query: substituteArgs(m?.provider?.prometheus?.query ?? "", own, template), args: own };
  };
  const scalar = async (q: string, at: Date) => {
    const v = await client.query(q, at);
    if (v.resultType !== "vector") throw new Error("expected a vector");
    return v.samples[0]?.value ?? 0;
  };
  const sel = (hash: string) =>
    `namespace="ngx-agents", app="orchestrator", rollouts_pod_template_hash="${hash}"`;
  const errorCounts = async (hash: string, at: Date) => ({
    requests: await scalar(`sum(increase(http_requests_total{${sel(hash)}}[${WINDOW}]))`, at),
    errors: await scalar(`sum(increase(http_requests_total{${sel(hash)}, status=~"5.."}[${WINDOW}]))`, at),
  });
  const buckets = async (hash: string, at: Date): Promise<Bucket[]> => {
    const v = await client.query(
      `sum by (le) (increase(http_request_duration_seconds_bucket{${sel(hash)}}[${WINDOW}]))`,
      at,
    );
    if (v.resultType !== "vector") throw new Error("expected a vector");
    return v.samples.map((s) => ({
      le: Number(s.labels.le === "+Inf" ? Infinity : s.labels.le),
      count: s.value,
    }));
  };
  const templateValue = async (q: string, at: Date) => {
    const v = await client.query(q, at);
    if (v.resultType !== "vector") throw new Error("expected a vector");
    expect(v.samples).toHaveLength(1);
    return v.samples[0]?.value as number;
  };
  const params = (args: Record<string, string>) => ({
    criticalZ: Number(argByRole(args, "critical-z")),
    margin: Number(argByRole(args, "margin")),
    minRequests: Number(argByRole(args, "min-requests")),
    quantile: Number(argByRole(args, "quantile") ?? "0.95"),
  });

  it("error comparison: PromQL value = TypeScript z from the same instant's counts (worse canary)", async () => {
    const at = new Date(Date.now() - 1000);
    const { query, args } = queryOf("ngx-error-rate-comparison", WORSE);
    const promql = await templateValue(query, at);
    const canary = await errorCounts(WORSE, at);
    const stable = await errorCounts(STABLE, at);
    const ts = errorComparison(canary, stable, params(args));
    // sanity: the counts are what the workload served in the window (± increase() extrapolation)
    expect(canary.errors / canary.requests).toBeCloseTo(0.04, 2);
    expect(stable.errors / stable.requests).toBeCloseTo(0.01, 2);
    expect(canary.requests).toBeGreaterThan(50 * 15 * 0.7);
    expect(ts.test?.z).toBeGreaterThan(0);
    expect(ts.value).toBe(ts.test?.z);
    expect(promql).toBeGreaterThan(0);
    expect(rel(promql, ts.value)).toBeLessThan(1e-6);
  });

  it("error comparison: 0 for a canary alike or better (not worse by the margin), as in TypeScript", async () => {
    for (const hash of [SAME, BETTER]) {
      const at = new Date(Date.now() - 1000);
      const { query, args } = queryOf("ngx-error-rate-comparison", hash);
      const promql = await templateValue(query, at);
      const ts = errorComparison(await errorCounts(hash, at), await errorCounts(STABLE, at), params(args));
      expect(promql, hash).toBe(ts.value);
      expect(ts.decision).toBe("pass");
    }
    // with no margin and a low bar the raw one-sided z of the better canary is negative → clamped 0
    const at = new Date(Date.now() - 1000);
    const { query, args } = queryOf("ngx-error-rate-comparison", BETTER, { "error-margin": "-1" });
    const ts = errorComparison(await errorCounts(BETTER, at), await errorCounts(STABLE, at), params(args));
    expect(ts.test?.z).toBeLessThan(0);
    expect(await templateValue(query, at)).toBe(0);
  });

  it("latency comparison: PromQL value = TypeScript z of the canary share above the stable p95 (interpolated)", async () => {
    const at = new Date(Date.now() - 1000);
    const { query, args } = queryOf("ngx-latency-comparison", WORSE);
    const promql = await templateValue(query, at);
    const ts = latencyComparison(await buckets(WORSE, at), await buckets(STABLE, at), params(args));
    // stable at 0.2 s: every request in (0.1, 0.25], p95 interpolated at 0.1 + 0.15·0.95
    expect(ts.threshold).toBeCloseTo(0.2425, 6);
    // 5 of 50 canary requests/s take 0.4 s; of the 45 in (0.1, 0.25], the interpolation counts 5%
    // above 0.2425: share = 0.1 + 0.9·0.05
    // (± the pods' scrape timing)
    expect(ts.share).toBeGreaterThan(0.12);
    expect(ts.share).toBeLessThan(0.17);
    expect(ts.decision).toBe("fail");
    expect(rel(promql, ts.value)).toBeLessThan(1e-6);
    const same = queryOf("ngx-latency-comparison", SAME);
    const tsSame = latencyComparison(await buckets(SAME, at), await buckets(STABLE, at), params(same.args));
    expect(await templateValue(same.query, at)).toBe(tsSame.value);
    expect(tsSame.share).toBeCloseTo(0.05, 9);
    expect(tsSame).toMatchObject({ value: 0, decision: "pass" });
  });

  it("is inconclusive (sentinel -1) while either side has too few requests", async () => {
    const at = new Date(Date.now() - 1000);
    for (const template of ["ngx-error-rate-comparison", "ngx-latency-comparison"]) {
      // canary without traffic, a canary hash never seen, too small a window for min-requests
      for (const [hash, extra] of [
        [IDLE, {}],
        ["0000000000", {}],
        [WORSE, { "comparison-min-requests": "100000" }],
      ] as const) {
        const { query } = queryOf(template, hash, extra);
        expect(await templateValue(query, at), `${template} ${hash}`).toBe(SENTINEL);
      }
      // the stable side without traffic
      const { query } = queryOf(template, WORSE, { "stable-hash": IDLE });
      expect(await templateValue(query, at), `${template} idle stable`).toBe(SENTINEL);
    }
    const { args } = queryOf("ngx-error-rate-comparison", WORSE, { "comparison-min-requests": "100000" });
    const ts = errorComparison(await errorCounts(WORSE, at), await errorCounts(STABLE, at), params(args));
    expect(ts).toMatchObject({ value: SENTINEL, decision: "inconclusive" });
  });

  it("production: a canary without traffic never passes (the comparative metrics are Inconclusive)", async () => {
    const r = await runCli(
      [
        "analyze",
        "production",
        "--canary-hash",
        IDLE,
        "--stable-hash",
        STABLE,
        "--arg",
        `window=${WINDOW}`,
        "--arg",
        `comparison-window=${WINDOW}`,
        "--arg",
        "min-requests=100",
        "--arg",
        "comparison-min-requests=100",
        "--json",
      ],
      { cwd: repo.root, env: { PROMETHEUS_URL: prom.url } },
    );
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      verdict: string;
      metrics: { metric: string; verdict: string; value: string }[];
    };
    expect(doc.verdict).toBe("Inconclusive");
    const by = Object.fromEntries(doc.metrics.map((m) => [m.metric, m]));
    expect(by["error-rate-vs-stable"]).toMatchObject({ verdict: "Inconclusive", value: "[-1]" });
    expect(by["latency-vs-stable-p95"]).toMatchObject({ verdict: "Inconclusive", value: "[-1]" });
  });

  it("production: the worse canary fails the comparison although it passes the 5% threshold", async () => {
    const r = await runCli(
      [
        "analyze",
        "production",
        "--canary-hash",
        WORSE,
        "--stable-hash",
        STABLE,
        "--arg",
        `window=${WINDOW}`,
        "--arg",
        `comparison-window=${WINDOW}`,
        "--arg",
        "min-requests=100",
        "--arg",
        "comparison-min-requests=100",
        "--json",
      ],
      { cwd: repo.root, env: { PROMETHEUS_URL: prom.url } },
    );
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as { verdict: string; metrics: { metric: string; verdict: string }[] };
    const by = Object.fromEntries(doc.metrics.map((m) => [m.metric, m.verdict]));
    expect(by).toMatchObject({
      "error-rate": "Successful",
      "latency-p95": "Successful",
      "error-rate-vs-stable": "Failed",
      "latency-vs-stable-p95": "Failed",
    });
  });

  it("analyze --explain: counts on each side, the statistic, the decision and the detectable regression", async () => {
    const r = await runCli(
      [
        "analyze",
        "production",
        "--canary-hash",
        WORSE,
        "--stable-hash",
        STABLE,
        "--arg",
        `window=${WINDOW}`,
        "--arg",
        `comparison-window=${WINDOW}`,
        "--arg",
        "min-requests=100",
        "--arg",
        "comparison-min-requests=100",
        "--explain",
        "--json",
      ],
      { cwd: repo.root, env: { PROMETHEUS_URL: prom.url } },
    );
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      metrics: { metric: string; value: string }[];
      explanations: {
        metric: string;
        canary: { requests: number; bad: number; ratio: number };
        stable: { requests: number; bad?: number; ratio?: number };
        z: number;
        value: number;
        decision: string;
        criticalZ: number;
        detectable: string;
        detectableValue: number;
        threshold?: number;
      }[];
    };
    const measured = Object.fromEntries(doc.metrics.map((m) => [m.metric, JSON.parse(m.value)[0] as number]));
    const by = Object.fromEntries(doc.explanations.map((e) => [e.metric, e]));
    expect(Object.keys(by).sort()).toEqual(["error-rate-vs-stable", "latency-vs-stable-p95"]);
    const err = by["error-rate-vs-stable"];
    expect(err?.canary.ratio).toBeCloseTo(0.04, 2);
    expect(err?.stable.ratio).toBeCloseTo(0.01, 2);
    expect(err?.decision).toBe("fail");
    expect(err?.criticalZ).toBe(3.719);
    // the counts were read at the measurement's instant: the recomputed value is the measured one
    expect(rel(err?.value ?? 0, measured["error-rate-vs-stable"] ?? -1)).toBeLessThan(1e-6);
    expect(err?.detectableValue).toBeGreaterThan(err?.stable.ratio ?? 1);
    expect(err?.detectable).toMatch(/^5xx \d\.\d\d% → \d\.\d\d% \(×\d\.\d\d\)$/);
    const lat = by["latency-vs-stable-p95"];
    expect(lat?.threshold).toBeCloseTo(0.2425, 6);
    expect(lat?.decision).toBe("fail");
    expect(rel(lat?.value ?? 0, measured["latency-vs-stable-p95"] ?? -1)).toBeLessThan(1e-6);

    const human = await runCli(
      [
        "analyze",
        "production",
        "--canary-hash",
        SAME,
        "--stable-hash",
        STABLE,
        "--arg",
        `window=${WINDOW}`,
        "--arg",
        `comparison-window=${WINDOW}`,
        "--arg",
        "min-requests=100",
        "--arg",
        "comparison-min-requests=100",
        "--explain",
      ],
      { cwd: repo.root, env: { PROMETHEUS_URL: prom.url } },
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain("Comparative metrics explained:");
    expect(human.stdout).toMatch(/error-rate-vs-stable \(window 15s\): two-proportion z \(pooled\)/);
    expect(human.stdout).toMatch(/canary [\d.]+ requests, [\d.]+ 5xx \(\d\.\d\d%\) · stable [\d.]+ requests/);
    expect(human.stdout).toMatch(/→ pass/);
    expect(human.stdout).toContain("smallest regression this sample could detect (80% power): 5xx");
  });

  it("analyze --explain with a query Prometheus rejects: Error verdict, counts unavailable, no crash", async () => {
    const r = await runCli(
      [
        "analyze",
        "production",
        "--canary-hash",
        WORSE,
        "--stable-hash",
        STABLE,
        "--arg",
        "window=ten-seconds",
        "--arg",
        "comparison-window=ten-seconds",
        "--explain",
        "--json",
      ],
      { cwd: repo.root, env: { PROMETHEUS_URL: prom.url } },
    );
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      verdict: string;
      explanations: { metric: string; unavailable?: string }[];
    };
    expect(doc.verdict).toBe("Error");
    expect(doc.explanations.map((e) => e.metric).sort()).toEqual([
      "error-rate-vs-stable",
      "latency-vs-stable-p95",
    ]);
    for (const e of doc.explanations) expect(e.unavailable).toMatch(/query rejected \(HTTP 400, bad_data\)/);
  });
});
