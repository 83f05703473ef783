// `ngx-release analyze` against a real Prometheus scraping a synthetic workload, judged with the
// repository's own templates (rollouts/analysis, copied into a fixture repository).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { FakeArgoCd } from "../helpers/fake-argocd.js";
import { type RunningPrometheus, startPrometheus } from "../helpers/prometheus.js";
import {
  type SyntheticWorkload,
  scrapeConfigs,
  startSyntheticWorkload,
} from "../helpers/synthetic-workload.js";
import { type FixtureRepo, fixtureRepo } from "./fixture-repo.js";

const STABLE = "5c4b9d7f8";
const HASHES = { errors: "7d9f8c6b5", slow: "6b8d7c9f4", good: "84c6d9f7b", idle: "9f7b6c5d4" } as const;
// short windows for the test; everything else comes from the templates as rendered
const ARGS = ["--arg", "window=10s"];

interface Outcome {
  metric: string;
  verdict: string;
  value?: string;
  query?: string;
  successCondition?: string;
}

describe("analyze on a real Prometheus", () => {
  let workload: SyntheticWorkload;
  let prom: RunningPrometheus;
  let repo: FixtureRepo;

  beforeAll(async () => {
    repo = fixtureRepo();
    const pod = (name: string, hash: string, rps: number, errorRatio: number, latencySeconds: number) => ({
      name,
      app: "orchestrator",
      hash,
      requestsPerSecond: rps,
      errorRatio,
      latencySeconds,
    });
    workload = await startSyntheticWorkload([
      pod("orchestrator-stable-a", STABLE, 50, 0.005, 0.2),
      pod("orchestrator-stable-b", STABLE, 50, 0.005, 0.2),
      pod("orchestrator-errors", HASHES.errors, 50, 0.1, 0.2),
      pod("orchestrator-slow", HASHES.slow, 50, 0.005, 3),
      pod("orchestrator-good", HASHES.good, 50, 0.005, 0.2),
      pod("orchestrator-idle", HASHES.idle, 0, 0, 0.2),
      // another service's canary with the same hash must not leak into orchestrator's figures
      { ...pod("api-gateway-x", HASHES.good, 50, 0.5, 4), app: "api-gateway" },
    ]);
    prom = await startPrometheus(scrapeConfigs(workload));
    // enough samples in the 10s window for every canary
    await prom.waitFor(
      `min(count_over_time(http_requests_total{status="200"}[10s]))`,
      (v) => v !== undefined && v >= 5,
      60_000,
    );
  });

  afterAll(async () => {
    await prom?.stop();
    await workload?.close();
    repo?.remove();
  });

  const analyze = (hash: string, extra: string[] = []) =>
    runCli(
      ["analyze", "production", "--canary-hash", hash, "--stable-hash", STABLE, ...ARGS, "--json", ...extra],
      { cwd: repo.root, env: { PROMETHEUS_URL: prom.url } },
    );
  const metrics = (stdout: string) => {
    const doc = JSON.parse(stdout) as { verdict: string; metrics: Outcome[] };
    return { verdict: doc.verdict, byName: Object.fromEntries(doc.metrics.map((m) => [m.metric, m])) };
  };

  it("fails a canary answering 10% of requests with 5xx", async () => {
    const r = await analyze(HASHES.errors);
    expect(r.code, r.stderr).toBe(1);
    const { verdict, byName } = metrics(r.stdout);
    expect(verdict).toBe("Failed");
    expect(byName["error-rate"]?.verdict).toBe("Failed");
    const v = JSON.parse(byName["error-rate"]?.value ?? "[]") as number[];
    expect(v[0]).toBeGreaterThan(0.08);
    expect(v[0]).toBeLessThan(0.12);
    expect(byName["latency-p95"]?.verdict).toBe("Successful");
  });

  it("fails a canary whose p95 is 3 s", async () => {
    const r = await analyze(HASHES.slow);
    expect(r.code, r.stderr).toBe(1);
    const { byName } = metrics(r.stdout);
    expect(byName["latency-p95"]?.verdict).toBe("Failed");
    expect(JSON.parse(byName["latency-p95"]?.value ?? "[]")[0]).toBeGreaterThan(2);
    expect(byName["error-rate"]?.verdict).toBe("Successful");
  });

  it("passes a canary at 0.5% errors and 200 ms, measuring only its own pods", async () => {
    const r = await analyze(HASHES.good);
    expect(r.code, r.stderr).toBe(0);
    const { verdict, byName } = metrics(r.stdout);
    expect(verdict).toBe("Successful");
    const err = JSON.parse(byName["error-rate"]?.value ?? "[]")[0] as number;
    expect(err).toBeGreaterThanOrEqual(0);
    expect(err).toBeLessThan(0.02);
    const p95 = JSON.parse(byName["latency-p95"]?.value ?? "[]")[0] as number;
    expect(p95).toBeGreaterThan(0.1);
    expect(p95).toBeLessThanOrEqual(0.25);
    // the query actually sent: substituted args, the canary hash, the test window
    expect(byName["error-rate"]?.query).toContain(`rollouts_pod_template_hash="${HASHES.good}"`);
    expect(byName["error-rate"]?.query).toContain(`app="orchestrator"`);
    expect(byName["error-rate"]?.query).toContain("[10s]");
    expect(byName["error-rate"]?.query).not.toContain("{{");
    expect(byName["error-rate"]?.successCondition).toBe("result[0] >= 0 && result[0] <= 0.05");
  });

  it("prints a table with query, value and verdict for people", async () => {
    const r = await runCli(
      ["analyze", "production", "--canary-hash", HASHES.good, "--stable-hash", STABLE, ...ARGS],
      {
        cwd: repo.root,
        env: { PROMETHEUS_URL: prom.url },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ROLLOUT\s+TEMPLATE\s+METRIC\s+VALUE\s+VERDICT/);
    expect(r.stdout).toMatch(/orchestrator\s+ngx-error-rate\s+error-rate\s+\[0[.\d]*\]\s+Successful/);
    expect(r.stdout).toContain("query: ");
    expect(r.stdout).toMatch(/production: analysis Successful/);
  });

  it("does not pass a canary without traffic (inconclusive, exit 1)", async () => {
    const r = await analyze(HASHES.idle);
    expect(r.code, r.stderr).toBe(1);
    const { verdict, byName } = metrics(r.stdout);
    expect(verdict).toBe("Inconclusive");
    expect(byName["error-rate"]).toMatchObject({ verdict: "Inconclusive", value: "[-1]" });
    expect(byName["latency-p95"]).toMatchObject({ verdict: "Inconclusive", value: "[-1]" });
  });

  it("does not pass a hash Prometheus has never seen", async () => {
    const r = await analyze("0000000000");
    expect(r.code).toBe(1);
    expect(metrics(r.stdout).verdict).toBe("Inconclusive");
  });

  it("reports a query Prometheus rejects as an Error verdict (exit 1), not a pass", async () => {
    const r = await analyze(HASHES.good, ["--arg", "window=ten-seconds"]);
    expect(r.code, r.stderr).toBe(1);
    const { verdict, byName } = metrics(r.stdout);
    expect(verdict).toBe("Error");
    expect(byName["error-rate"]?.verdict).toBe("Error");
  });

  it("reads the live canary and stable hashes from Argo CD when no hash is given", async () => {
    const argocd = await FakeArgoCd.start();
    try {
      argocd.withApp("ngx-agents-production").withResource("ngx-agents-production", {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        metadata: { name: "orchestrator", namespace: "ngx-agents" },
        status: { currentPodHash: HASHES.errors, stableRS: STABLE, phase: "Paused" },
      });
      const r = await runCli(["analyze", "production", ...ARGS, "--json"], {
        cwd: repo.root,
        env: { PROMETHEUS_URL: prom.url, ...argocd.env() },
      });
      expect(r.code, r.stderr).toBe(1);
      const { byName } = metrics(r.stdout);
      expect(byName["error-rate"]?.verdict).toBe("Failed");
      expect(byName["error-rate"]?.query).toContain(`rollouts_pod_template_hash="${HASHES.errors}"`);
    } finally {
      await argocd.close();
    }
  });

  it("without hashes and without Argo CD, says how to give them (exit 2)", async () => {
    const r = await runCli(["analyze", "production", ...ARGS], {
      cwd: repo.root,
      env: { PROMETHEUS_URL: prom.url },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /canary-hash \(Latest pod-template hash: pass --canary-hash, or set ARGOCD_SERVER/,
    );
  });

  it("exits 3 when Prometheus has been stopped", async () => {
    const url = prom.url;
    await prom.stop();
    const r = await runCli(
      ["analyze", "production", "--canary-hash", HASHES.good, "--stable-hash", STABLE, ...ARGS],
      { cwd: repo.root, env: { PROMETHEUS_URL: url } },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Prometheus: .*unreachable.*ECONNREFUSED.*after 3 attempts/);
    expect(r.stdout).toBe("");
  });
});
