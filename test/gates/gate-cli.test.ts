// `ngx-release gate <env>` as a process: table and JSON, exit codes, and --report publishing a commit
// status on the promotion PR's head (GitHub fake).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalLedger } from "../../pipeline/src/ledger/local.js";
import { versionOf } from "../../pipeline/src/ledger/version.js";
import { runCli } from "../helpers/cli.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";
import { addGitHubDeployments } from "../helpers/fake-github-deployments.js";
import { FakeServer } from "../helpers/fake-server.js";
import { type GateRepo, gateRepo, V2 } from "./fixture.js";

const NOW = "2026-11-25T12:00:00Z";
let repo: GateRepo;
let argo: FakeArgoCd;
beforeAll(async () => {
  repo = gateRepo();
  let clock = new Date("2026-11-25T10:00:00Z");
  const ledger = new LocalLedger((await LocalLedger.open(repo.root)).file, () => clock);
  const d = await ledger.recordDeployment({
    environment: "dev",
    sha: repo.c2,
    images: V2,
    version: versionOf(V2),
  });
  clock = new Date("2026-11-25T11:00:00Z");
  await ledger.setStatus(d.id, { state: "success" });
  argo = await FakeArgoCd.start();
  argo
    .withApp("ngx-agents-dev", { revision: repo.c3 })
    .withResource("ngx-agents-dev", rollout({ name: "orchestrator" }));
});
afterAll(async () => {
  await argo.close();
  repo.cleanup();
});

describe("gate", () => {
  it("exits 0 with a table when every gate is open", async () => {
    const r = await runCli(["gate", "staging"], { cwd: repo.root, env: { ...argo.env(), NGX_NOW: NOW } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`gates for promoting dev → staging (version ${versionOf(V2)})`);
    expect(r.stdout).toMatch(/synced-healthy\s+open\s+ngx-agents-dev Synced and Healthy/);
    expect(r.stdout).toMatch(/soak\s+open\s+dev healthy for 1h \(≥ 30m\)/);
    expect(r.stdout).toContain("all 4 gates open");
  });

  it("exits 1 with the reasons when a gate is closed, as JSON too", async () => {
    const env = { ...argo.env(), NGX_NOW: "2026-11-25T11:10:00Z" };
    let r = await runCli(["gate", "staging"], { cwd: repo.root, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/soak\s+CLOSED\s+dev has soaked 10m of 30m: 20m remaining/);
    expect(r.stderr).toContain("gates closed: soak\n");
    r = await runCli(["gate", "staging", "--json"], { cwd: repo.root, env });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ environment: "staging", from: "dev", open: false, version: versionOf(V2) });
    expect(json.gates.find((g: { name: string }) => g.name === "soak")).toMatchObject({ open: false });
  });

  it("closes the Argo CD gates (exit 1) when Argo CD is not configured", async () => {
    const r = await runCli(["gate", "staging"], { cwd: repo.root, env: { NGX_NOW: NOW } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/synced-healthy\s+CLOSED\s+Argo CD not configured/);
  });

  it("refuses the first environment and a bad NGX_NOW with exit 2", async () => {
    let r = await runCli(["gate", "dev"], { cwd: repo.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("dev is the first environment");
    r = await runCli(["gate", "staging"], { cwd: repo.root, env: { NGX_NOW: "yesterday" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('NGX_NOW "yesterday" is not an ISO-8601 time');
  });

  it("--report publishes the result as a commit status on the promotion PR's head", async () => {
    const server = await FakeServer.start();
    const gh = addGitHubDeployments(server);
    // the same history as the local ledger, on GitHub (the ledger used when GITHUB_TOKEN is set)
    gh.seed({
      sha: repo.c2,
      environment: "dev",
      created_at: "2026-11-25T10:00:00Z",
      payload: { "ngx-release": 1, version: versionOf(V2), images: V2 },
      statuses: [
        {
          id: 1,
          state: "success",
          description: "",
          environment_url: "",
          log_url: "",
          created_at: "2026-11-25T11:00:00Z",
        },
      ],
    });
    const headSha = "a".repeat(40);
    server.expect("GET", "/repos/ngx-agents/ngx-agents-delivery/pulls", (req) => ({
      body:
        req.query.get("head") === "ngx-agents:promote/staging"
          ? [
              {
                number: 42,
                html_url: "https://github.com/ngx-agents/ngx-agents-delivery/pull/42",
                title: "Promote dev → staging",
                body: "",
                state: "open",
                merged_at: null,
                labels: [],
                head: { ref: "promote/staging", sha: headSha },
                base: { ref: "main" },
              },
            ]
          : [],
    }));
    try {
      const env = {
        ...argo.env(),
        NGX_NOW: "2026-11-25T11:10:00Z",
        GITHUB_TOKEN: "ghs_test",
        GITHUB_REPOSITORY: "ngx-agents/ngx-agents-delivery",
        GITHUB_API_URL: server.url,
        // set by GitHub Actions: the status links to the run that evaluated the gates
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_RUN_ID: "7001",
      };
      const r = await runCli(["gate", "staging", "--report"], { cwd: repo.root, env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`published ngx-release/gate-staging=failure on aaaaaaa (PR #42)`);
      expect(gh.commitStatuses).toEqual([
        {
          sha: headSha,
          state: "failure",
          context: "ngx-release/gate-staging",
          description: "1 closed: soak: dev has soaked 10m of 30m: 20m remaining",
          target_url: "https://github.com/ngx-agents/ngx-agents-delivery/actions/runs/7001",
        },
      ]);
      server.verify();
    } finally {
      await server.close();
    }
  });

  it("--report without a token prints what it would publish", async () => {
    const r = await runCli(["gate", "staging", "--report", "--sha", repo.c3], {
      cwd: repo.root,
      env: { ...argo.env(), NGX_NOW: NOW },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `no GITHUB_TOKEN: would publish ngx-release/gate-staging=success on ${repo.c3.slice(0, 7)}`,
    );
  });
});
