// The Argo CD REST adapter against the protocol fake: reads, v2 → v1 action fallback, retries,
// and the errors people see for 401/403/404 and an unreachable server.
import { afterEach, describe, expect, it } from "vitest";
import { argoCdBaseUrl, argoCdFromEnv, RestArgoCd } from "../../pipeline/src/adapters/argocd.js";
import { ConfigError, RemoteError } from "../../pipeline/src/errors.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";
import { FakeServer } from "../helpers/fake-server.js";

const ROLLOUT = { group: "argoproj.io", version: "v1alpha1", kind: "Rollout", namespace: "ngx-agents" };
let fake: FakeArgoCd | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function client(f: FakeArgoCd, token = f.token) {
  return new RestArgoCd({
    server: f.url,
    token,
    uiUrl: "https://argocd.example.com",
    retries: 2,
    retryDelayMs: 5,
    timeoutMs: 2000,
  });
}

describe("argoCdFromEnv", () => {
  it("is undefined without ARGOCD_SERVER and turns a host into https", () => {
    expect(argoCdFromEnv({}, { argocdUrl: "https://ui" })).toBeUndefined();
    expect(argoCdBaseUrl("argocd.example.com")).toBe("https://argocd.example.com");
    expect(argoCdBaseUrl("http://127.0.0.1:8080/")).toBe("http://127.0.0.1:8080");
    const a = argoCdFromEnv({ ARGOCD_SERVER: "argocd.internal:443" }, { argocdUrl: "https://ui.example/" });
    expect(a?.baseUrl).toBe("https://argocd.internal:443");
    expect(a?.applicationUrl("ngx-agents-dev")).toBe("https://ui.example/applications/argocd/ngx-agents-dev");
  });

  it("refuses an ARGOCD_SERVER that is neither a host nor a URL: ConfigError (exit 2) with the cause", () => {
    const err = (() => {
      try {
        argoCdFromEnv({ ARGOCD_SERVER: "argo cd" }, { argocdUrl: "https://ui" });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('ARGOCD_SERVER "argo cd" is neither a host[:port] nor an http(s):// URL');
    expect(err.cause).toBeInstanceOf(TypeError);
  });
});

describe("RestArgoCd", () => {
  it("reads an application and a live Rollout with the bearer token", async () => {
    fake = await FakeArgoCd.start();
    fake
      .withApp("ngx-agents-dev", { revision: "abc123", operationFinishedAt: "2026-11-26T09:00:00Z" })
      .withResource("ngx-agents-dev", rollout({ name: "orchestrator", paused: true, currentStepIndex: 1 }));
    const argo = client(fake);
    const app = await argo.getApplication("ngx-agents-dev");
    expect(app).toMatchObject({
      name: "ngx-agents-dev",
      syncStatus: "Synced",
      syncRevision: "abc123",
      health: "Healthy",
      operationPhase: "Succeeded",
      operationFinishedAt: "2026-11-26T09:00:00Z",
      url: "https://argocd.example.com/applications/argocd/ngx-agents-dev",
    });
    expect(app.resources).toEqual([
      { ...ROLLOUT, name: "orchestrator", status: "Synced", health: "Suspended" },
    ]);
    const live = await argo.getResource("ngx-agents-dev", { ...ROLLOUT, name: "orchestrator" });
    expect((live.status as { currentStepIndex: number }).currentStepIndex).toBe(1);
    const get = fake.server.callsTo("GET", "/api/v1/applications/ngx-agents-dev/resource")[0];
    expect(get?.headers.authorization).toBe(`Bearer ${fake.token}`);
    expect(Object.fromEntries(get?.query ?? [])).toEqual({
      namespace: "ngx-agents",
      resourceName: "orchestrator",
      version: "v1alpha1",
      kind: "Rollout",
      group: "argoproj.io",
    });
    fake.server.verify();
  });

  it("runs an action through v2 with the JSON body", async () => {
    fake = await FakeArgoCd.start();
    fake.withApp("ngx-agents-dev").withResource("ngx-agents-dev", rollout({ name: "api-gateway" }));
    await client(fake).runResourceAction("ngx-agents-dev", { ...ROLLOUT, name: "api-gateway" }, "abort");
    expect(fake.actions).toEqual([
      { app: "ngx-agents-dev", api: "v2", action: "abort", ref: { ...ROLLOUT, name: "api-gateway" } },
    ]);
    const [call] = fake.server.callsTo("POST", /actions\/v2$/);
    expect(call?.body).toEqual({
      name: "ngx-agents-dev",
      namespace: "ngx-agents",
      resourceName: "api-gateway",
      version: "v1alpha1",
      group: "argoproj.io",
      kind: "Rollout",
      action: "abort",
      appNamespace: "argocd",
    });
    expect(
      (fake.resource("ngx-agents-dev", "Rollout", "api-gateway")?.status as { abort?: boolean } | undefined)
        ?.abort,
    ).toBe(true);
    expect(fake.server.callsTo("POST", /resource\/actions$/)).toHaveLength(0);
  });

  it("falls back to v1 when the server has no v2 route (older than 3.1)", async () => {
    fake = await FakeArgoCd.start({ actionsApi: "v1-only" });
    fake.withApp("ngx-agents-dev").withResource("ngx-agents-dev", rollout({ name: "api-gateway" }));
    await client(fake).runResourceAction("ngx-agents-dev", { ...ROLLOUT, name: "api-gateway" }, "abort");
    expect(fake.actions.map((a) => a.api)).toEqual(["v1"]);
    const [v1] = fake.server.callsTo("POST", /resource\/actions$/);
    expect(v1?.body).toBe("abort");
    expect(v1?.query.get("resourceName")).toBe("api-gateway");
    expect(v1?.query.get("kind")).toBe("Rollout");
    expect(fake.server.callsTo("POST", /actions\/v2$/)).toHaveLength(1);
  });

  it("does not fall back when v2 says the resource is missing", async () => {
    fake = await FakeArgoCd.start();
    fake.withApp("ngx-agents-dev");
    const e = await client(fake)
      .runResourceAction("ngx-agents-dev", { ...ROLLOUT, name: "nope" }, "abort")
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).status).toBe(404);
    expect((e as RemoteError).message).toContain("not found as part of application ngx-agents-dev");
    expect((e as RemoteError).hint).toContain("argocdApplication");
    expect(fake.server.callsTo("POST", /resource\/actions$/)).toHaveLength(0);
  });

  it("falls back on 501 Unimplemented and 405 too", async () => {
    for (const status of [501, 405]) {
      const server = await FakeServer.start();
      server
        .expect("POST", "/api/v1/applications/a/resource/actions/v2", {
          status,
          body: { error: "Method Not Allowed", code: 12, message: "Method Not Allowed" },
        })
        .expect("POST", "/api/v1/applications/a/resource/actions", { body: {} });
      try {
        const argo = new RestArgoCd({ server: server.url, token: "t", retries: 1, retryDelayMs: 1 });
        await argo.runResourceAction("a", { ...ROLLOUT, name: "x" }, "resume");
        server.verify();
      } finally {
        await server.close();
      }
    }
  });

  it("retries 503 and then succeeds", async () => {
    fake = await FakeArgoCd.start();
    fake.withApp("ngx-agents-dev");
    fake.failNext = 2;
    const app = await client(fake).getApplication("ngx-agents-dev");
    expect(app.health).toBe("Healthy");
    expect(fake.server.callsTo("GET", "/api/v1/applications/ngx-agents-dev")).toHaveLength(3);
  });

  it("gives up after retries on a persistent 5xx with status 503", async () => {
    fake = await FakeArgoCd.start();
    fake.withApp("ngx-agents-dev");
    fake.outage = { status: 503, body: "no healthy upstream" };
    const e = (await client(fake)
      .getApplication("ngx-agents-dev")
      .catch((x: unknown) => x)) as RemoteError;
    expect(e).toBeInstanceOf(RemoteError);
    expect(e.status).toBe(503);
    expect(e.message).toMatch(/failed after 3 attempts/);
    expect(fake.server.requests).toHaveLength(3);
  });

  it("explains 401 and 403 and never prints the token", async () => {
    fake = await FakeArgoCd.start();
    fake.withApp("ngx-agents-dev");
    const bad = (await client(fake, "wrong-secret-token")
      .getApplication("ngx-agents-dev")
      .catch((x: unknown) => x)) as RemoteError;
    expect(bad.status).toBe(401);
    expect(bad.hint).toContain("ARGOCD_AUTH_TOKEN");
    expect(`${bad.message} ${bad.hint}`).not.toContain("wrong-secret-token");
    const denied = (await client(fake)
      .getApplication("ngx-agents-missing")
      .catch((x: unknown) => x)) as RemoteError;
    expect(denied.status).toBe(403);
    expect(denied.message).toBe(
      "Argo CD: read application ngx-agents-missing failed (HTTP 403): permission denied",
    );
    expect(denied.hint).toMatch(/RBAC/);
    expect(fake.server.requests).toHaveLength(2); // 4xx is not retried
  });

  it("reports an unreachable server as RemoteError after retries", async () => {
    const server = await FakeServer.start();
    const url = server.url;
    await server.close();
    const argo = new RestArgoCd({ server: url, token: "t", retries: 1, retryDelayMs: 1 });
    const e = (await argo.getApplication("x").catch((x: unknown) => x)) as RemoteError;
    expect(e).toBeInstanceOf(RemoteError);
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(e.hint).toContain("ARGOCD_SERVER");
  });

  it("lists the resource tree with a Job created from a CronJob, and syncs", async () => {
    fake = await FakeArgoCd.start();
    fake.withApp("ngx-agents-staging").withResource("ngx-agents-staging", {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "db-backup", namespace: "ngx-agents" },
      spec: { jobTemplate: { spec: { template: {} } } },
    });
    const argo = client(fake);
    await argo.runResourceAction(
      "ngx-agents-staging",
      { group: "batch", version: "v1", kind: "CronJob", namespace: "ngx-agents", name: "db-backup" },
      "create-job",
    );
    const tree = await argo.resourceTree("ngx-agents-staging");
    const job = tree.find((n) => n.kind === "Job");
    expect(job?.name).toBe("db-backup-00001");
    expect(job?.parentRefs[0]?.name).toBe("db-backup");
    await argo.sync("ngx-agents-staging", { revision: "def456" });
    expect(fake.syncs).toEqual([{ app: "ngx-agents-staging", revision: "def456" }]);
    expect((await argo.getApplication("ngx-agents-staging")).syncRevision).toBe("def456");
  });
});
