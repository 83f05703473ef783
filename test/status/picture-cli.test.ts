// `ngx-release status --format mermaid`: the picture of the chain, parsed by Mermaid's own parser, with
// each promotion's gates evaluated (read-only) and a rejected version marked; `--gates` shows the same
// gates in the table and in JSON.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { versionOf } from "../../pipeline/src/ledger/version.js";
import { type GateRepo, gateRepo, V1 } from "../gates/fixture.js";
import { runCli } from "../helpers/cli.js";
import { TEST_NOW } from "../helpers/clock.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";
import { flowchartGraph, parseMermaid } from "../helpers/mermaid.js";

let repo: GateRepo;
beforeAll(async () => {
  repo = gateRepo();
  const { LocalLedger } = await import("../../pipeline/src/ledger/local.js");
  const ledger = await LocalLedger.open(repo.root);
  // production runs V1; V1 is rejected there
  await ledger.reject({
    version: versionOf(V1),
    reason: 'canary "error" rate 7%',
    environment: "production",
  });
});
afterAll(() => repo.cleanup());

describe("status --format mermaid", () => {
  it("prints a flowchart Mermaid parses: versions, the gates of each promotion with reasons, rejections", async () => {
    const r = await runCli(["status", "--format", "mermaid"], { cwd: repo.root, env: { NGX_NOW: TEST_NOW } });
    expect(r.code, r.stderr).toBe(0);
    expect(await parseMermaid(r.stdout)).toBe("flowchart-v2");
    expect(await flowchartGraph(r.stdout)).toEqual({
      nodes: [
        "env_dev",
        "env_production",
        "env_staging",
        "promote_production",
        "promote_staging",
        "rejected_0",
      ],
      edges: 5,
    });
    const v1 = versionOf(V1);
    expect(r.stdout).toContain(`env_dev["dev<br/>222222222222<br/>version `);
    expect(r.stdout).toContain(
      `env_production["production<br/>111111111111<br/>version ${v1}<br/>⛔ rejected"]`,
    );
    expect(r.stdout).toContain(
      'promote_staging{{"promote dev → staging<br/>carries 222222222222<br/>❌ 3 of 4 gates closed<br/>synced-healthy: Argo CD not configured',
    );
    expect(r.stdout).toContain(`rejected_0["⛔ rejected ${v1}<br/>canary #quot;error#quot; rate 7#37;"]`);
    expect(r.stdout).toContain("rejected_0 -.- env_production");
    expect(r.stdout).toContain(
      'click env_staging href "https://argocd.example.com/applications/argocd/ngx-agents-staging"',
    );
  });

  it("--gates adds each promotion's gates to the table and to JSON", async () => {
    let r = await runCli(["status", "staging", "--gates"], { cwd: repo.root, env: { NGX_NOW: TEST_NOW } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "gates     from dev: CLOSED: synced-healthy: Argo CD not configured (set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN);",
    );
    r = await runCli(["status", "staging", "--gates", "--json"], {
      cwd: repo.root,
      env: { NGX_NOW: TEST_NOW },
    });
    const json = JSON.parse(r.stdout);
    expect(json.environments[0].promotion).toMatchObject({
      from: "dev",
      open: false,
      gates: [
        { name: "synced-healthy", open: false },
        { name: "rollout-complete", open: false },
        { name: "soak", open: false },
        { name: "not-rejected", open: true },
      ],
    });
    // without --gates nothing is evaluated
    r = await runCli(["status", "staging", "--json"], { cwd: repo.root, env: { NGX_NOW: TEST_NOW } });
    expect(JSON.parse(r.stdout).environments[0].promotion).toBeUndefined();
  });

  it("refuses an unknown format with exit 2 and prints nothing on stdout", async () => {
    const r = await runCli(["status", "--format", "svg"], { cwd: repo.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("argument 'svg' is invalid. Allowed choices are table, mermaid.");
    expect(r.stdout).toBe("");
  });

  it("links each live Rollout to its Argo CD node (table and JSON)", async () => {
    const argo = await FakeArgoCd.start();
    try {
      argo.withApp("ngx-agents-staging", { revision: repo.c1 });
      argo.withResource("ngx-agents-staging", rollout({ name: "orchestrator", canaryHash: "7c9d" }));
      const url =
        "https://argocd.example.com/applications/argocd/ngx-agents-staging?resource=&node=argoproj.io%2FRollout%2Fngx-agents%2Forchestrator%2F0";
      let r = await runCli(["status", "staging"], {
        cwd: repo.root,
        env: { ...argo.env(), NGX_NOW: TEST_NOW },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`  link      Argo CD: Rollout orchestrator: ${url}`);
      r = await runCli(["status", "staging", "--json"], {
        cwd: repo.root,
        env: { ...argo.env(), NGX_NOW: TEST_NOW },
      });
      expect(JSON.parse(r.stdout).environments[0].links).toEqual([
        { label: "Argo CD: Rollout orchestrator", url },
      ]);
    } finally {
      await argo.close();
    }
  });

  it("--watch refreshes every --interval, --times of them, with a heading each (no terminal)", async () => {
    const r = await runCli(["status", "staging", "--watch", "--interval", "100ms", "--times", "3"], {
      cwd: repo.root,
      env: { NGX_NOW: TEST_NOW },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^--- refresh \d at 2026-11-26T12:00:00\.000Z ---$/gm)).toEqual([
      "--- refresh 1 at 2026-11-26T12:00:00.000Z ---",
      "--- refresh 2 at 2026-11-26T12:00:00.000Z ---",
      "--- refresh 3 at 2026-11-26T12:00:00.000Z ---",
    ]);
    expect(r.stdout.match(/^== staging /gm)).toHaveLength(3);
  });

  it("--watch refuses a bad --interval or --times with exit 2 before printing anything", async () => {
    for (const [args, message] of [
      [["--interval", "soon"], '--interval "soon" is not a duration'],
      [["--interval", "0s"], '--interval "0s" must be longer than 0'],
      [["--times", "0"], '--times "0" must be at least 1'],
      [["--times", "two"], '--times "two" is not a whole number of refreshes'],
    ] as const) {
      const r = await runCli(["status", "--watch", ...args], { cwd: repo.root, env: { NGX_NOW: TEST_NOW } });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe("");
    }
  });
});
