// `ngx-release wait <env> --for rollout|gates|backup` against the Argo CD fake: done at once, done
// after the Rollout completes while waiting, an aborted Rollout ends the wait (exit 1), a paused one
// times out after timeout ÷ interval + 1 looks (counted at the fake), closed gates time out with their
// reasons, and every bad input exits 2 before anything is asked.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type GateRepo, gateRepo } from "../gates/fixture.js";
import { runCli } from "../helpers/cli.js";
import { TEST_NOW } from "../helpers/clock.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";

const APP = "ngx-agents-staging";
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

const looks = () => (argo as FakeArgoCd).server.callsTo("GET", `/api/v1/applications/${APP}`).length;
const wait = (args: string[]) =>
  runCli(["wait", "staging", ...args], { cwd: repo.root, env: { ...argo?.env(), NGX_NOW: TEST_NOW } });

describe("wait --for rollout", () => {
  it("returns 0 at once when every Rollout is complete and the app Synced and Healthy", async () => {
    argo = await FakeArgoCd.start();
    argo.withApp(APP, { revision: repo.c1 }).withResource(APP, rollout({ name: "orchestrator" }));
    const r = await wait(["--for", "rollout"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("staging: rollout ok after 1 look(s): Synced, Healthy; orchestrator: ");
    expect(looks()).toBe(1);
  });

  it("waits while the canary is paused and returns 0 once it completes", async () => {
    argo = await FakeArgoCd.start();
    argo
      .withApp(APP, { revision: repo.c1, health: "Suspended" })
      .withResource(
        APP,
        rollout({ name: "orchestrator", paused: true, currentStepIndex: 1, canaryHash: "7c9d" }),
      );
    const running = wait(["--for", "rollout", "--interval", "200ms", "--timeout", "60s"]);
    // the canary completes after the CLI has read the Rollout once
    const rolloutReads = () =>
      (argo as FakeArgoCd).server.callsTo("GET", `/api/v1/applications/${APP}/resource`).length;
    while (rolloutReads() < 1) await new Promise((r) => setTimeout(r, 20));
    argo.withApp(APP, { revision: repo.c1 }).withResource(APP, rollout({ name: "orchestrator" }));
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    expect(looks()).toBeGreaterThanOrEqual(2);
    expect(r.stderr).toContain("orchestrator: paused at step 1/4 (CanaryPauseStep)");
  });

  it("an aborted Rollout ends the wait with exit 1 after one look", async () => {
    argo = await FakeArgoCd.start();
    argo
      .withApp(APP, { revision: repo.c1, health: "Degraded" })
      .withResource(APP, rollout({ name: "orchestrator", abort: true, canaryHash: "7c9d" }));
    const r = await wait(["--for", "rollout", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      environment: "staging",
      for: "rollout",
      outcome: "failed",
      looks: 1,
    });
    expect(looks()).toBe(1);
  });

  it("times out after timeout ÷ interval + 1 looks with the last state (exit 1)", async () => {
    argo = await FakeArgoCd.start();
    argo
      .withApp(APP, { revision: repo.c1, health: "Suspended" })
      .withResource(APP, rollout({ name: "orchestrator", paused: true, currentStepIndex: 1 }));
    const r = await wait(["--for", "rollout", "--timeout", "300ms", "--interval", "100ms"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "staging: rollout not ok after 300ms (4 looks): Synced, Suspended; orchestrator: paused",
    );
    expect(looks()).toBe(4);
  });
});

describe("wait --for gates and backup", () => {
  it("gates: closed gates time out with their reasons", async () => {
    const r = await wait(["--for", "gates", "--timeout", "100ms", "--interval", "100ms"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "staging: gates not ok after 100ms (2 looks): synced-healthy: Argo CD not configured (set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN)",
    );
  });

  it("bad input exits 2 and asks nothing", async () => {
    argo = await FakeArgoCd.start();
    argo.withApp(APP);
    for (const [args, message] of [
      [["--for", "cake"], "argument 'cake' is invalid. Allowed choices are rollout, gates, backup."],
      [[], "required option '--for <condition>' not specified"],
      [["--for", "rollout", "--timeout", "0s"], 'error: --timeout "0s" must be longer than 0'],
      [["--for", "rollout", "--interval", "soon"], 'error: --interval "soon" is not a duration'],
      [["--for", "backup"], "error: staging has no backup: block in environments/promotion.yaml"],
    ] as const) {
      const r = await wait([...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const unknown = await runCli(["wait", "qa", "--for", "rollout"], { cwd: repo.root, env: argo.env() });
    expect([unknown.code, unknown.stderr.includes('unknown environment "qa"')]).toEqual([2, true]);
    const noArgo = await runCli(["wait", "staging", "--for", "rollout"], { cwd: repo.root });
    expect(noArgo.code).toBe(2);
    expect(noArgo.stderr).toContain(
      "wait --for rollout reads Argo CD: set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN",
    );
    expect(looks()).toBe(0);
  });
});
