// abortRollouts through the real Argo CD REST adapter against the Argo CD fake: which Rollouts get the
// abort action, idempotence, the v1 fallback, and the fallback to Argo CD's list when rendering failed.
import { afterEach, describe, expect, it } from "vitest";
import { RestArgoCd } from "../../pipeline/src/adapters/argocd.js";
import { abortRollouts } from "../../pipeline/src/rollback/abort.js";
import { FakeArgoCd, refOf, rollout } from "../helpers/fake-argocd.js";

const APP = "ngx-agents-staging";
let argo: FakeArgoCd;

afterEach(async () => {
  await argo.close();
});

async function start(actionsApi: "v2" | "v1-only" = "v2") {
  argo = await FakeArgoCd.start({ actionsApi });
  argo
    .withApp(APP)
    .withResource(APP, rollout({ name: "orchestrator", paused: true }))
    .withResource(APP, rollout({ name: "api-gateway", abort: true }))
    .withResource(APP, rollout({ name: "agent-services" }))
    .withResource(APP, rollout({ name: "a2a-server", phase: "Degraded" }));
  return new RestArgoCd({ server: argo.url, token: argo.token, retries: 0, retryDelayMs: 1 });
}

const names = () => argo.actions.map((a) => `${a.api}:${a.action}:${a.ref.name}`).sort();

describe("abortRollouts", () => {
  it("aborts the paused and the degraded-but-not-aborted ones; leaves aborted and healthy ones; twice is a no-op", async () => {
    const argocd = await start();
    const rendered = [
      ...argo.app(APP).resources.map(refOf),
      { ...refOf(rollout({ name: "vertex-ai-client" })) },
    ];
    const first = await abortRollouts({ argocd, app: APP, rollouts: rendered });
    expect(first.status).toBe("done");
    expect(Object.fromEntries(first.rollouts.map((r) => [r.name, r.result]))).toEqual({
      orchestrator: "aborted",
      "api-gateway": "already-aborted",
      "agent-services": "not-progressing",
      "a2a-server": "aborted",
      "vertex-ai-client": "not-live",
    });
    expect(names()).toEqual(["v2:abort:a2a-server", "v2:abort:orchestrator"]);
    const second = await abortRollouts({ argocd, app: APP, rollouts: rendered });
    expect(second.rollouts.filter((r) => r.result === "aborted")).toEqual([]);
    expect(argo.actions).toHaveLength(2);
  });

  it("uses Argo CD's Rollouts when the environment could not be rendered; older servers through v1", async () => {
    const argocd = await start("v1-only");
    const outcome = await abortRollouts({ argocd, app: APP, rollouts: undefined });
    expect(outcome.status).toBe("done");
    expect(names()).toEqual(["v1:abort:a2a-server", "v1:abort:orchestrator"]);
  });

  it("reports (never throws) when Argo CD refuses or is down", async () => {
    const argocd = await start();
    argo.forbidden.add(APP);
    const denied = await abortRollouts({ argocd, app: APP, rollouts: undefined });
    expect(denied.status).toBe("failed");
    expect(denied.error).toMatch(/403|permission denied/);
    argo.forbidden.clear();
    argo.outage = { status: 503, body: "no healthy upstream" };
    const down = await abortRollouts({
      argocd,
      app: APP,
      rollouts: [refOf(rollout({ name: "orchestrator" }))],
    });
    expect(down).toMatchObject({
      status: "failed",
      rollouts: [{ name: "orchestrator", result: "not-done" }],
    });
    expect(argo.actions).toEqual([]);
    expect(await abortRollouts({ argocd: undefined, app: APP, rollouts: [] })).toMatchObject({
      status: "not-configured",
    });
  });

  it.each([
    ["a wrong token (401)", "wrong", /HTTP 401.*ARGOCD_AUTH_TOKEN is missing, invalid or expired/],
    [
      "a token without RBAC on the app (403)",
      undefined,
      /HTTP 403.*the account of ARGOCD_AUTH_TOKEN lacks this permission/,
    ],
  ])("names ARGOCD_AUTH_TOKEN for %s", async (_what, token, expected) => {
    await start();
    if (token === undefined) argo.forbidden.add(APP);
    const argocd = new RestArgoCd({
      server: argo.url,
      token: token ?? argo.token,
      retries: 0,
      retryDelayMs: 1,
    });
    const out = await abortRollouts({ argocd, app: APP, rollouts: undefined });
    expect(out.status).toBe("failed");
    expect(out.error).toMatch(expected);
    expect(argo.actions).toEqual([]);
  });
});
