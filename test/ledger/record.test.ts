// `ngx-release record <env>` as a process: idempotent against the local ledger and GitHub
// Deployments, with the state taken from the Argo CD fake.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { versionOf } from "../../pipeline/src/ledger/version.js";
import { type GateRepo, gateRepo, V1, V2 } from "../gates/fixture.js";
import { runCli } from "../helpers/cli.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";
import { addGitHubDeployments } from "../helpers/fake-github-deployments.js";
import { FakeServer } from "../helpers/fake-server.js";

let repo: GateRepo;
let argo: FakeArgoCd | undefined;
beforeAll(() => {
  repo = gateRepo();
});
afterAll(() => repo.cleanup());
afterEach(async () => {
  await argo?.close();
  argo = undefined;
});

const ledgerFile = () =>
  JSON.parse(readFileSync(join(repo.root, ".git", "ngx-ledger.json"), "utf8")) as {
    deployments: {
      id: string;
      sha: string;
      version: string;
      statuses: { state: string; description?: string }[];
    }[];
  };

describe("record (local ledger)", () => {
  it("records once, adds statuses only when the state changes, and inactivates the earlier success", async () => {
    argo = await FakeArgoCd.start();
    argo.withApp("ngx-agents-dev", { revision: repo.c1, health: "Progressing" });
    argo.withResource("ngx-agents-dev", rollout({ name: "orchestrator" }));
    const env = { ...argo.env() };

    // c1 landed and became healthy
    let r = await runCli(["record", "dev", "--ref", repo.c1, "--json"], { cwd: repo.root, env });
    expect(r.code, r.stderr).toBe(0);
    let out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ledger: "local", created: true, state: "in_progress", statusChanged: true });
    argo.app("ngx-agents-dev").health = "Healthy";
    r = await runCli(["record", "dev", "--ref", repo.c1, "--json"], { cwd: repo.root, env });
    out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      created: false,
      previousState: "in_progress",
      state: "success",
      statusChanged: true,
    });

    // HEAD (c3) carries V2; Argo CD has not synced it yet
    r = await runCli(["record", "dev", "--json"], { cwd: repo.root, env });
    out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ created: true, sha: repo.c3, version: versionOf(V2), state: "in_progress" });
    expect(out.description).toBe(
      `waiting for Argo CD to sync ${repo.c3.slice(0, 7)} (now Synced at ${repo.c1.slice(0, 7)})`,
    );
    // a rerun changes nothing
    const before = JSON.stringify(ledgerFile());
    r = await runCli(["record", "dev", "--json"], { cwd: repo.root, env });
    expect(JSON.parse(r.stdout)).toMatchObject({
      created: false,
      statusChanged: false,
      state: "in_progress",
    });
    expect(JSON.stringify(ledgerFile())).toBe(before);

    // Argo CD syncs c3: success, and the c1 deployment becomes inactive
    argo.app("ngx-agents-dev").revision = repo.c3;
    r = await runCli(["record", "dev"], { cwd: repo.root, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`in_progress → success`);
    expect(r.stdout).toContain("marked inactive: local-1");
    const file = ledgerFile();
    expect(
      file.deployments.map((d) => [d.sha.slice(0, 7), d.statuses.map((s) => s.state).join(",")]),
    ).toEqual([
      [repo.c1.slice(0, 7), "in_progress,success,inactive"],
      [repo.c3.slice(0, 7), "in_progress,success"],
    ]);
    // the working tree is untouched
    r = await runCli(["record", "dev", "--json"], { cwd: repo.root, env });
    expect(JSON.parse(r.stdout)).toMatchObject({ created: false, statusChanged: false, state: "success" });
  });

  it("marks a Degraded application failure", async () => {
    argo = await FakeArgoCd.start();
    argo.withApp("ngx-agents-staging", {
      revision: repo.c3,
      health: "Degraded",
      healthMessage: "Rollout aborted",
    });
    const r = await runCli(["record", "staging", "--json"], { cwd: repo.root, env: argo.env() });
    expect(JSON.parse(r.stdout)).toMatchObject({
      state: "failure",
      description: `Degraded at ${repo.c3.slice(0, 7)}: Rollout aborted`,
    });
  });

  it("records without Argo CD as in_progress, and --dry-run writes nothing", async () => {
    const before = readFileSync(join(repo.root, ".git", "ngx-ledger.json"), "utf8");
    let r = await runCli(["record", "production", "--dry-run", "--json"], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, created: true, argocd: "not configured" });
    expect(readFileSync(join(repo.root, ".git", "ngx-ledger.json"), "utf8")).toBe(before);
    r = await runCli(["record", "production"], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Argo CD not configured");
    const prod = ledgerFile().deployments.filter((d) => d.sha === repo.c3 && d.version === versionOf(V1));
    expect(prod.map((d) => d.statuses.map((s) => s.state))).toContainEqual(["in_progress"]);
  });

  it("refuses an unknown environment or commit with exit 2 and writes nothing", async () => {
    const before = readFileSync(join(repo.root, ".git", "ngx-ledger.json"), "utf8");
    let r = await runCli(["record", "qa"], { cwd: repo.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown environment "qa" (valid: dev, staging, production)');
    r = await runCli(["record", "dev", "--ref", "no-such-ref"], { cwd: repo.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--ref no-such-ref: no such commit");
    expect(readFileSync(join(repo.root, ".git", "ngx-ledger.json"), "utf8")).toBe(before);
  });

  it("exits 3 when Argo CD is configured but unreachable", async () => {
    const down = await FakeServer.start();
    const url = down.url;
    await down.close();
    const r = await runCli(["record", "dev"], {
      cwd: repo.root,
      env: { ARGOCD_SERVER: url, ARGOCD_AUTH_TOKEN: "t", NGX_ARGOCD_RETRY_DELAY_MS: "1" },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Argo CD: read application ngx-agents-dev failed after 4 attempts/);
  });
});

describe("record (GitHub Deployments)", () => {
  it("creates one deployment and one status per state change", async () => {
    const server = await FakeServer.start();
    const gh = addGitHubDeployments(server);
    argo = await FakeArgoCd.start();
    argo.withApp("ngx-agents-production", { revision: repo.c3, health: "Progressing" });
    const env = {
      ...argo.env(),
      GITHUB_TOKEN: "ghs_secret_test_token",
      GITHUB_REPOSITORY: "ngx-agents/ngx-agents-delivery",
      GITHUB_API_URL: server.url,
    };
    try {
      let r = await runCli(["record", "production", "--json"], { cwd: repo.root, env });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ledger: "github", created: true, state: "in_progress" });
      r = await runCli(["record", "production", "--json"], { cwd: repo.root, env });
      expect(JSON.parse(r.stdout)).toMatchObject({ created: false, statusChanged: false });
      argo.app("ngx-agents-production").health = "Healthy";
      r = await runCli(["record", "production", "--json"], { cwd: repo.root, env });
      expect(JSON.parse(r.stdout)).toMatchObject({ created: false, state: "success", statusChanged: true });

      expect(gh.deployments).toHaveLength(1);
      const [d] = gh.deployments;
      expect(d).toMatchObject({ sha: repo.c3, environment: "production", production_environment: true });
      expect(d?.statuses.map((s) => s.state)).toEqual(["in_progress", "success"]);
      expect(d?.statuses[1]?.environment_url).toBe(
        "https://argocd.example.com/applications/argocd/ngx-agents-production",
      );
      expect(server.callsTo("POST", /\/deployments$/)).toHaveLength(1);
      expect(server.requests.every((q) => q.headers.authorization === "token ghs_secret_test_token")).toBe(
        true,
      );
      expect(r.stdout + r.stderr).not.toContain("ghs_secret_test_token");
      server.verify();
    } finally {
      await server.close();
    }
  });
});
