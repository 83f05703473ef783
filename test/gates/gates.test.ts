// Each gate open and closed, evaluated against a real git history, the local ledger and the Argo CD
// protocol fake (through the real REST adapter).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadRepo } from "../../pipeline/src/config/load.js";
import type { GateReport } from "../../pipeline/src/gates/index.js";
import { gateReportFor } from "../../pipeline/src/gates/run.js";
import { LocalLedger } from "../../pipeline/src/ledger/local.js";
import { versionOf } from "../../pipeline/src/ledger/version.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";
import { FakeServer } from "../helpers/fake-server.js";
import { type GateRepo, gateRepo, V1, V2 } from "./fixture.js";

const NOW = "2026-11-25T12:00:00Z"; // a Wednesday
const at = (minutesBefore: number) => new Date(Date.parse(NOW) - minutesBefore * 60_000);

let repo: GateRepo;
let argo: FakeArgoCd;
beforeAll(() => {
  repo = gateRepo();
});
afterAll(() => repo.cleanup());
afterEach(async () => {
  await argo?.close();
});

/** a ledger with dev's V2 deployed at c2 and successful `successMinutesAgo` before NOW */
async function ledgerWith(successMinutesAgo: number | undefined): Promise<LocalLedger> {
  // a fresh file per test (the fixture repository is shared)
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  let clock = at(300);
  const ledger = new LocalLedger(join(mkdtempSync(join(tmpdir(), "ngx-l-")), "ledger.json"), () => clock);
  const old = await ledger.recordDeployment({
    environment: "dev",
    sha: repo.c1,
    images: V1,
    version: versionOf(V1),
  });
  await ledger.setStatus(old.id, { state: "success" });
  clock = at(120);
  const d = await ledger.recordDeployment({
    environment: "dev",
    sha: repo.c2,
    images: V2,
    version: versionOf(V2),
  });
  await ledger.setStatus(d.id, { state: "in_progress" });
  if (successMinutesAgo !== undefined) {
    clock = at(successMinutesAgo);
    await ledger.setStatus(d.id, { state: "success" });
  }
  return ledger;
}

async function devArgo(
  state: { revision?: string; health?: string; sync?: string } = {},
): Promise<FakeArgoCd> {
  argo = await FakeArgoCd.start();
  argo.withApp("ngx-agents-dev", {
    revision: state.revision ?? repo.c3,
    health: state.health ?? "Healthy",
    syncStatus: state.sync ?? "Synced",
  });
  argo.withResource("ngx-agents-dev", rollout({ name: "api-gateway", steps: 4 }));
  argo.withResource("ngx-agents-dev", rollout({ name: "orchestrator", steps: 4 }));
  return argo;
}

async function gatesFor(
  target: string,
  ledger: LocalLedger,
  env: Record<string, string> = {},
): Promise<GateReport> {
  return gateReportFor(loadRepo(repo.root), target, { NGX_NOW: NOW, ...env }, { ledger, head: repo.c3 });
}
const gate = (r: GateReport, name: string) => r.gates.find((g) => g.name === name);

describe("gates for promoting dev → staging", () => {
  it("are all open when dev is Synced and Healthy at a descendant carrying V2, rolled out, soaked", async () => {
    const a = await devArgo();
    const r = await gatesFor("staging", await ledgerWith(45), a.env());
    expect(r.gates.map((g) => [g.name, g.open])).toEqual([
      ["synced-healthy", true],
      ["rollout-complete", true],
      ["soak", true],
      ["not-rejected", true],
    ]);
    expect(r.open).toBe(true);
    expect(r.version).toBe(versionOf(V2));
    expect(gate(r, "synced-healthy")?.reason).toBe(
      `ngx-agents-dev Synced and Healthy at ${repo.c3.slice(0, 7)} (version ${versionOf(V2)})`,
    );
    expect(gate(r, "soak")?.reason).toBe("dev healthy for 45m (≥ 30m)");
    expect(gate(r, "rollout-complete")?.reason).toBe("2 Rollouts of ngx-agents-dev completed");
  });

  it("closes synced-healthy when dev is Synced and Healthy at an older revision", async () => {
    const a = await devArgo({ revision: repo.c1 });
    const r = await gatesFor("staging", await ledgerWith(45), a.env());
    expect(gate(r, "synced-healthy")).toMatchObject({
      open: false,
      reason: `ngx-agents-dev is synced at ${repo.c1.slice(0, 7)}, which does not carry version ${versionOf(V2)} (commit ${repo.c2.slice(0, 7)})`,
    });
    expect(r.open).toBe(false);
  });

  it("closes synced-healthy when dev is Degraded or OutOfSync", async () => {
    let a = await devArgo({ health: "Degraded" });
    let r = await gatesFor("staging", await ledgerWith(45), a.env());
    expect(gate(r, "synced-healthy")).toMatchObject({
      open: false,
      reason: `ngx-agents-dev is Degraded at ${repo.c3.slice(0, 7)}`,
    });
    await a.close();
    a = await devArgo({ sync: "OutOfSync" });
    r = await gatesFor("staging", await ledgerWith(45), a.env());
    expect(gate(r, "synced-healthy")?.reason).toMatch(/^ngx-agents-dev is OutOfSync/);
  });

  it("uses the commit that last changed the overlay when the ledger has no deployment", async () => {
    const a = await devArgo({ revision: repo.c2 });
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const empty = new LocalLedger(join(mkdtempSync(join(tmpdir(), "ngx-l-")), "ledger.json"));
    const r = await gatesFor("staging", empty, a.env());
    expect(gate(r, "synced-healthy")?.open).toBe(true);
    expect(gate(r, "synced-healthy")?.details?.carryingCommitFrom).toBe("git");
    expect(gate(r, "soak")).toMatchObject({
      open: false,
      reason: `no deployment of version ${versionOf(V2)} recorded in dev (run: ngx-release record dev)`,
    });
  });

  it("closes rollout-complete when a Rollout is paused or aborted", async () => {
    const a = await devArgo();
    a.withResource(
      "ngx-agents-dev",
      rollout({ name: "orchestrator", paused: true, currentStepIndex: 1, canaryHash: "7c9d" }),
    );
    let r = await gatesFor("staging", await ledgerWith(45), a.env());
    expect(gate(r, "rollout-complete")).toMatchObject({
      open: false,
      reason: "orchestrator paused at step 1/4 (CanaryPauseStep)",
    });
    a.withResource(
      "ngx-agents-dev",
      rollout({ name: "orchestrator", abort: true, currentStepIndex: 0, canaryHash: "7c9d" }),
    );
    r = await gatesFor("staging", await ledgerWith(45), a.env());
    expect(gate(r, "rollout-complete")?.open).toBe(false);
    expect(gate(r, "rollout-complete")?.reason).toMatch(/^orchestrator aborted at step 0\/4: RolloutAborted/);
    // all steps done but the canary is not yet the stable
    a.withResource(
      "ngx-agents-dev",
      rollout({ name: "orchestrator", phase: "Progressing", canaryHash: "7c9d" }),
    );
    r = await gatesFor("staging", await ledgerWith(45), a.env());
    expect(gate(r, "rollout-complete")?.reason).toBe(
      "orchestrator Progressing: canary 7c9d is not yet the stable 6d8f7b9c4",
    );
  });

  it("closes soak with the remaining time, and when the deployment never succeeded", async () => {
    const a = await devArgo();
    let r = await gatesFor("staging", await ledgerWith(10), a.env());
    expect(gate(r, "soak")).toMatchObject({
      open: false,
      reason: "dev has soaked 10m of 30m: 20m remaining",
    });
    expect(gate(r, "soak")?.details?.remainingMs).toBe(20 * 60_000);
    r = await gatesFor("staging", await ledgerWith(undefined), a.env());
    expect(gate(r, "soak")).toMatchObject({
      open: false,
      reason: `the deployment of ${versionOf(V2)} in dev has not succeeded yet (in_progress)`,
    });
  });

  it("closes not-rejected for a rejected version and opens it again after unreject", async () => {
    const a = await devArgo();
    const ledger = await ledgerWith(45);
    await ledger.reject({
      version: versionOf(V2),
      reason: "error rate 7% in canary",
      environment: "staging",
    });
    let r = await gatesFor("staging", ledger, a.env());
    expect(gate(r, "not-rejected")?.open).toBe(false);
    expect(gate(r, "not-rejected")?.reason).toMatch(
      new RegExp(`^version ${versionOf(V2)} was rejected in staging at .*: error rate 7% in canary$`),
    );
    await ledger.unreject({ version: versionOf(V2), reason: "fixed upstream" });
    r = await gatesFor("staging", ledger, a.env());
    expect(gate(r, "not-rejected")?.open).toBe(true);
  });

  it("closes every Argo CD gate when Argo CD is not configured or unreachable", async () => {
    let r = await gatesFor("staging", await ledgerWith(45));
    expect(gate(r, "synced-healthy")).toMatchObject({
      open: false,
      reason: "Argo CD not configured (set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN)",
    });
    expect(gate(r, "rollout-complete")?.open).toBe(false);
    expect(r.remoteFailure).toBe(false);
    const down = await FakeServer.start();
    const url = down.url;
    await down.close();
    r = await gatesFor("staging", await ledgerWith(45), {
      ARGOCD_SERVER: url,
      ARGOCD_AUTH_TOKEN: "t",
      NGX_ARGOCD_RETRIES: "1",
      NGX_ARGOCD_RETRY_DELAY_MS: "1",
    });
    expect(gate(r, "synced-healthy")?.open).toBe(false);
    expect(gate(r, "synced-healthy")?.reason).toMatch(
      /^could not be evaluated: Argo CD: read application ngx-agents-dev failed after 2 attempts .*ECONNREFUSED/,
    );
    expect(gate(r, "rollout-complete")?.open).toBe(false);
    expect(gate(r, "not-rejected")?.open).toBe(true); // the ledger still answers
    expect(r.open).toBe(false);
    expect(r.remoteFailure).toBe(true);
  });

  it("refuses gates for the first environment", async () => {
    await expect(gatesFor("dev", await ledgerWith(45))).rejects.toThrow(/dev is the first environment/);
  });
});

describe("gates for promoting staging → production", () => {
  async function productionArgo(lastSuccessfulTime: string): Promise<FakeArgoCd> {
    argo = await FakeArgoCd.start();
    argo.withApp("ngx-agents-production").withResource("ngx-agents-production", {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "db-backup", namespace: "ngx-agents" },
      spec: { schedule: "0 2 * * *", jobTemplate: { spec: {} } },
      status: { lastSuccessfulTime, lastScheduleTime: lastSuccessfulTime },
    });
    return argo;
  }

  it("opens freeze on a Wednesday and closes it on a Saturday inside the weekend window", async () => {
    const a = await productionArgo(at(60).toISOString());
    let r = await gatesFor("production", await ledgerWith(45), a.env());
    expect(gate(r, "freeze")).toMatchObject({ open: true, reason: "no freeze window active (1 configured)" });
    r = await gateReportFor(
      loadRepo(repo.root),
      "production",
      { ...a.env(), NGX_NOW: "2026-11-28T10:00:00Z" },
      { ledger: await ledgerWith(45), head: repo.c3 },
    );
    // Friday 27 Nov 18:00 Madrid (17:00 UTC) + 62h = Monday 30 Nov 07:00 UTC
    expect(gate(r, "freeze")).toMatchObject({
      open: false,
      reason: "weekend change freeze until 2026-11-30 07:00 UTC",
    });
  });

  it("opens backup-fresh for a backup within the RPO and closes it for an older one", async () => {
    let a = await productionArgo(at(60).toISOString());
    let r = await gatesFor("production", await ledgerWith(45), a.env());
    expect(gate(r, "backup-fresh")?.open).toBe(true);
    expect(gate(r, "backup-fresh")?.reason).toMatch(/within the RPO of 24h/);
    await a.close();
    a = await productionArgo(at(25 * 60).toISOString());
    r = await gatesFor("production", await ledgerWith(45), a.env());
    expect(gate(r, "backup-fresh")?.open).toBe(false);
    expect(gate(r, "backup-fresh")?.reason).toMatch(/older than the RPO of 24h/);
  });

  it("closes backup-fresh when Argo CD is not configured", async () => {
    const r = await gatesFor("production", await ledgerWith(45));
    expect(gate(r, "backup-fresh")).toMatchObject({
      open: false,
      reason: "backup status unknown: Argo CD not configured (set ARGOCD_SERVER)",
    });
  });
});
