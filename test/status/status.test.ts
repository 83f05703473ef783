// `ngx-release status` as a process: without Argo CD, with the Argo CD fake, and with Argo CD down (exit 3).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { versionOf } from "../../pipeline/src/ledger/version.js";
import { type GateRepo, gateRepo, V1, V2 } from "../gates/fixture.js";
import { runCli } from "../helpers/cli.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";
import { FakeServer } from "../helpers/fake-server.js";

let repo: GateRepo;
beforeAll(async () => {
  repo = gateRepo();
  // something in the ledger: dev's V1 deployment, and a rejected version
  const { LocalLedger } = await import("../../pipeline/src/ledger/local.js");
  const ledger = await LocalLedger.open(repo.root);
  const d = await ledger.recordDeployment({
    environment: "dev",
    sha: repo.c1,
    images: V1,
    version: versionOf(V1),
  });
  await ledger.setStatus(d.id, { state: "success" });
  await ledger.reject({ version: "0123456789ab", reason: "canary error rate 7%", environment: "production" });
});
afterAll(() => repo.cleanup());

describe("status", () => {
  it("works without Argo CD and says so", async () => {
    const r = await runCli(["status"], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "== dev (ngx-agents-dev)  https://argocd.example.com/applications/argocd/ngx-agents-dev",
    );
    expect(r.stdout).toContain(
      `git       version ${versionOf(V2)}: api-gateway @222222222222, orchestrator @222222222222`,
    );
    expect(r.stdout).toContain("Argo CD not configured (set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN)");
    expect(r.stdout).toMatch(
      new RegExp(`deployed  ${repo.c1.slice(0, 7)} version ${versionOf(V1)}: success`),
    );
    expect(r.stdout).toContain("nothing recorded (ngx-release record staging)");
    expect(r.stdout).toContain("0123456789ab (production)");
    expect(r.stdout).toContain("canary error rate 7%");
  });

  it("shows sync, health, revision and rollouts from Argo CD, as JSON too", async () => {
    const argo = await FakeArgoCd.start();
    try {
      argo.withApp("ngx-agents-staging", { revision: repo.c1, health: "Progressing", syncStatus: "Synced" });
      argo.withResource(
        "ngx-agents-staging",
        rollout({ name: "orchestrator", paused: true, currentStepIndex: 1, canaryHash: "7c9d" }),
      );
      let r = await runCli(["status", "staging"], { cwd: repo.root, env: argo.env() });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(
        `argo cd   Synced at ${repo.c1.slice(0, 7)}, Progressing, last operation Succeeded`,
      );
      expect(r.stdout).toContain("rollout   orchestrator: paused at step 1/4 (CanaryPauseStep)");
      expect(r.stdout).not.toContain("== dev");
      r = await runCli(["status", "staging", "--json"], { cwd: repo.root, env: argo.env() });
      const json = JSON.parse(r.stdout);
      expect(json.argocd).toBe("configured");
      expect(json.environments[0]).toMatchObject({
        name: "staging",
        url: "https://argocd.example.com/applications/argocd/ngx-agents-staging",
        argocd: { state: "ok", sync: "Synced", health: "Progressing", revision: repo.c1, atHead: true },
        rollouts: [{ name: "orchestrator", paused: true, complete: false, step: { index: 1, total: 4 } }],
      });
      expect(json.rejected).toEqual([
        expect.objectContaining({ version: "0123456789ab", rejected: true, reason: "canary error rate 7%" }),
      ]);
    } finally {
      await argo.close();
    }
  });

  it("exits 3 when Argo CD is configured but unreachable, still showing Git and the ledger", async () => {
    const down = await FakeServer.start();
    const url = down.url;
    await down.close();
    const r = await runCli(["status", "dev"], {
      cwd: repo.root,
      env: { ARGOCD_SERVER: url, ARGOCD_AUTH_TOKEN: "secret-argocd-token", NGX_ARGOCD_RETRY_DELAY_MS: "1" },
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /argo cd {3}UNREACHABLE: Argo CD: read application ngx-agents-dev failed after 4 attempts/,
    );
    expect(r.stdout).toContain(`version ${versionOf(V1)}: success`);
    expect(r.stdout + r.stderr).not.toContain("secret-argocd-token");
  });

  it("reports a rejected token as unreachable Argo CD with the 401 reason (exit 3)", async () => {
    const argo = await FakeArgoCd.start({ token: "right" });
    try {
      argo.withApp("ngx-agents-dev");
      const r = await runCli(["status", "dev"], {
        cwd: repo.root,
        env: { ...argo.env(), ARGOCD_AUTH_TOKEN: "wrong" },
      });
      expect(r.code).toBe(3);
      expect(r.stdout).toContain(
        "UNREACHABLE: Argo CD: read application ngx-agents-dev failed (HTTP 401): no session information",
      );
    } finally {
      await argo.close();
    }
  });

  it("refuses an unknown environment with exit 2", async () => {
    const r = await runCli(["status", "qa"], { cwd: repo.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown environment "qa"');
  });

  it("refuses an ARGOCD_SERVER that is not a host or URL with exit 2 (configuration, not an unreachable server)", async () => {
    const r = await runCli(["status"], { cwd: repo.root, env: { ARGOCD_SERVER: "argo cd" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'error: ARGOCD_SERVER "argo cd" is neither a host[:port] nor an http(s):// URL',
    );
    expect(r.stdout).toBe("");
  });
});
