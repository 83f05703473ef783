// The analysis gate on a copy of the real repository (real kustomize render, the real analysis
// templates), with live pod-template hashes from the Argo CD fake and a Prometheus HTTP API fake.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRepo } from "../../pipeline/src/config/load.js";
import type { GateReport } from "../../pipeline/src/gates/index.js";
import { gateReportFor } from "../../pipeline/src/gates/run.js";
import { LocalLedger } from "../../pipeline/src/ledger/local.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";
import { FakeServer } from "../helpers/fake-server.js";
import { commitFiles, git } from "../helpers/git.js";

const MAIN = resolve(import.meta.dirname, "../..");
const SERVICES = ["api-gateway", "orchestrator", "agent-services", "a2a-server", "vertex-ai-client"];
let root: string;
let head: string;
let argo: FakeArgoCd;
let prometheus: FakeServer;
/** error ratio the fake Prometheus answers for the orchestrator */
let orchestratorErrorRatio = "0.001";

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "ngx-analysis-gate-"));
  for (const dir of ["environments", "rollouts"])
    cpSync(join(MAIN, dir), join(root, dir), { recursive: true });
  git(root, "init", "-q", "-b", "main");
  head = commitFiles(root, {}, "copy");
  argo = await FakeArgoCd.start();
  argo.withApp("ngx-agents-dev", { revision: head });
  for (const s of SERVICES)
    argo.withResource("ngx-agents-dev", rollout({ name: s, stableHash: `${s.length}f7c9d` }));
  prometheus = await FakeServer.start();
  prometheus.allow("POST", "/api/v1/query", (req) => {
    const query = new URLSearchParams(String(req.body ?? "")).get("query") ?? "";
    const isErrorRatio = /status=~?"5/.test(query) || /5\.\./.test(query);
    const value = isErrorRatio && query.includes('app="orchestrator"') ? orchestratorErrorRatio : "0.001";
    return {
      body: {
        status: "success",
        data: { resultType: "vector", result: [{ metric: {}, value: [1764064800, value] }] },
      },
    };
  });
});
// an empty local ledger per evaluation, all in one folder removed afterwards
const ledgers = mkdtempSync(join(tmpdir(), "ngx-analysis-gate-ledgers-"));
let ledgerCount = 0;

afterAll(async () => {
  await argo.close();
  await prometheus.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(ledgers, { recursive: true, force: true });
});

async function analysisGate(env: Record<string, string>): Promise<GateReport["gates"][number] | undefined> {
  ledgerCount += 1;
  const ledger = new LocalLedger(join(ledgers, `ledger-${ledgerCount}.json`));
  const report = await gateReportFor(
    loadRepo(root),
    "staging",
    { NGX_NOW: "2026-11-25T12:00:00Z", ...env },
    {
      ledger,
      head,
    },
  );
  return report.gates.find((g) => g.name === "analysis");
}

describe("analysis gate", () => {
  it("is open when every metric of every Rollout passes, queried with the live hashes", async () => {
    orchestratorErrorRatio = "0.001";
    const before = prometheus.requests.length;
    const g = await analysisGate({ ...argo.env(), PROMETHEUS_URL: prometheus.url });
    expect(g?.open, g?.reason).toBe(true);
    expect(g?.reason).toMatch(/^dev: analysis Successful \(\d+ metrics\)$/);
    const queries = prometheus.requests
      .slice(before)
      .map((r) => new URLSearchParams(String(r.body)).get("query") ?? "");
    expect(queries.length).toBeGreaterThanOrEqual(SERVICES.length * 2);
    expect(queries.some((q) => q.includes('rollouts_pod_template_hash="12f7c9d"'))).toBe(true); // orchestrator's hash
  });

  it("is closed with the failing metric and its value", async () => {
    orchestratorErrorRatio = "0.25";
    const g = await analysisGate({ ...argo.env(), PROMETHEUS_URL: prometheus.url });
    expect(g?.open).toBe(false);
    expect(g?.reason).toMatch(/^dev: analysis Failed: orchestrator ngx-error-rate\/\S+ = \[0\.25\]/);
  });

  it("is closed when Prometheus is not configured or unreachable", async () => {
    let g = await analysisGate({ ...argo.env() });
    expect(g).toMatchObject({ open: false, reason: "Prometheus not configured (set PROMETHEUS_URL)" });
    const down = await FakeServer.start();
    const url = down.url;
    await down.close();
    g = await analysisGate({ ...argo.env(), PROMETHEUS_URL: url });
    expect(g?.open).toBe(false);
    expect(g?.reason).toMatch(/^could not be evaluated: Prometheus/);
  });

  it("is closed when Argo CD is not configured (no live hashes)", async () => {
    const g = await analysisGate({ PROMETHEUS_URL: prometheus.url });
    expect(g).toMatchObject({
      open: false,
      reason: "Argo CD not configured (set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN)",
    });
  });
});
