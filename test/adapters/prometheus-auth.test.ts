// Prometheus behind authentication: a bearer token (PROMETHEUS_BEARER_TOKEN) and Google Cloud Managed
// Service for Prometheus through Application Default Credentials. Prometheus is a local HTTP server
// speaking its query API that refuses requests without the expected Authorization header; Google's
// token exchange is a local STS endpoint named by a Workload Identity Federation credentials file (the
// shape google-github-actions/auth writes), and a metadata-server guard fails the test if anything
// probes the GCE metadata server.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { prometheusFromEnv } from "../../pipeline/src/adapters/prometheus.js";
import { ConfigError, RemoteError } from "../../pipeline/src/errors.js";
import { runCli } from "../helpers/cli.js";
import { type FakeRequest, FakeServer } from "../helpers/fake-server.js";
import { type MetadataGuard, startMetadataGuard } from "../helpers/metadata-guard.js";

const ROOT = join(import.meta.dirname, "..", "..");
const TOKEN = "prom-secret-7f3a9c";
const scratch = mkdtempSync(join(tmpdir(), "ngx-prom-auth-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const vector = {
  status: "success",
  data: { resultType: "vector", result: [{ metric: {}, value: [0, "0.25"] }] },
};

/** a Prometheus query API that answers only requests carrying `expected` as Authorization */
async function protectedPrometheus(expected: string): Promise<FakeServer> {
  const server = await FakeServer.start();
  server.allow("POST", /\/api\/v1\/query$/, (req: FakeRequest) =>
    req.headers.authorization === expected
      ? { body: vector }
      : {
          status: 401,
          body: { status: "error", errorType: "unauthorized", error: "missing or bad credentials" },
        },
  );
  return server;
}

let prom: FakeServer | undefined;
let sts: FakeServer | undefined;
let guard: MetadataGuard | undefined;
beforeEach(async () => {
  guard = await startMetadataGuard();
});
afterEach(async () => {
  await prom?.close();
  await sts?.close();
  prom = sts = undefined;
  // nothing may have asked the GCE metadata server
  expect(await guard?.stop()).toEqual([]);
});

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("bearer token", () => {
  it("sends Authorization: Bearer <PROMETHEUS_BEARER_TOKEN> on every query", async () => {
    prom = await protectedPrometheus(`Bearer ${TOKEN}`);
    const client = prometheusFromEnv({ PROMETHEUS_URL: prom.url, PROMETHEUS_BEARER_TOKEN: TOKEN });
    expect(await client?.query("up", new Date(0))).toEqual({
      resultType: "vector",
      samples: [{ labels: {}, value: 0.25 }],
    });
    expect(prom.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`]);
  });

  it("without it (or with a wrong one) Prometheus answers 401: a RemoteError whose hint names the setting, never the token", async () => {
    prom = await protectedPrometheus(`Bearer ${TOKEN}`);
    const none = await prometheusFromEnv({ PROMETHEUS_URL: prom.url })
      ?.query("up")
      .catch((e: unknown) => e);
    expect(none).toBeInstanceOf(RemoteError);
    expect((none as RemoteError).status).toBe(401);
    expect((none as RemoteError).hint).toMatch(/set PROMETHEUS_BEARER_TOKEN, or PROMETHEUS_AUTH=google/);
    const wrong = await prometheusFromEnv({ PROMETHEUS_URL: prom.url, PROMETHEUS_BEARER_TOKEN: "nope-123" })
      ?.query("up")
      .catch((e: unknown) => e);
    expect((wrong as RemoteError).hint).toBe(
      "PROMETHEUS_BEARER_TOKEN was refused: check the token and its access to this Prometheus",
    );
    expect(JSON.stringify({ m: (wrong as Error).message, h: (wrong as RemoteError).hint })).not.toContain(
      "nope-123",
    );
  });

  it("a redirect never carries the token to another server", async () => {
    const other = await protectedPrometheus(`Bearer ${TOKEN}`);
    prom = await FakeServer.start();
    prom.allow("POST", /\/api\/v1\/query$/, {
      status: 307,
      headers: { location: `${other.url}/api/v1/query` },
    });
    const r = await prometheusFromEnv(
      { PROMETHEUS_URL: prom.url, PROMETHEUS_BEARER_TOKEN: TOKEN },
      undefined,
      {
        attempts: 1,
      },
    )
      ?.query("up")
      .catch((e: unknown) => e);
    expect(r).toBeInstanceOf(RemoteError);
    expect(other.requests).toEqual([]);
    await other.close();
  });

  it("contradictory or unknown settings are configuration errors (exit 2) before any request", () => {
    const url = "http://127.0.0.1:1";
    expect(thrown(() => prometheusFromEnv({ PROMETHEUS_URL: url, PROMETHEUS_AUTH: "basic" }))).toMatchObject({
      message: 'PROMETHEUS_AUTH="basic" is not one of none, bearer, google',
    });
    expect(
      thrown(() => prometheusFromEnv({ PROMETHEUS_URL: url, PROMETHEUS_AUTH: "bearer" })),
    ).toBeInstanceOf(ConfigError);
    expect(
      thrown(() =>
        prometheusFromEnv({ PROMETHEUS_URL: url, PROMETHEUS_AUTH: "google", PROMETHEUS_BEARER_TOKEN: TOKEN }),
      ).message,
    ).toBe("PROMETHEUS_BEARER_TOKEN and PROMETHEUS_AUTH=google are both set: choose one");
    expect(prometheusFromEnv({})).toBeUndefined();
  });
});

describe("Google Managed Prometheus with Application Default Credentials", () => {
  function federationFile(tokenUrl: string): string {
    const dir = mkdtempSync(join(scratch, "adc-"));
    writeFileSync(join(dir, "oidc-token"), "github-oidc-jwt");
    const file = join(dir, "credentials.json");
    writeFileSync(
      file,
      JSON.stringify({
        type: "external_account",
        audience:
          "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/providers/ngx",
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        token_url: tokenUrl,
        credential_source: { file: join(dir, "oidc-token") },
      }),
    );
    return file;
  }

  it("exchanges the federation token for an access token (monitoring.read scope) and sends it as Bearer", async () => {
    sts = await FakeServer.start();
    sts.expect("POST", "/v1/token", {
      body: {
        access_token: "ya29.gmp-access",
        issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
        token_type: "Bearer",
        expires_in: 3600,
      },
    });
    prom = await protectedPrometheus("Bearer ya29.gmp-access");
    const client = prometheusFromEnv({
      PROMETHEUS_URL: `${prom.url}/v1/projects/ngx-agents-prod/location/global/prometheus`,
      PROMETHEUS_AUTH: "google",
      GOOGLE_APPLICATION_CREDENTIALS: federationFile(`${sts.url}/v1/token`),
    });
    expect((await client?.query("up"))?.resultType).toBe("vector");
    expect(await client?.query("up")).toBeDefined();
    expect(prom.requests.map((r) => r.path)).toEqual([
      "/v1/projects/ngx-agents-prod/location/global/prometheus/api/v1/query",
      "/v1/projects/ngx-agents-prod/location/global/prometheus/api/v1/query",
    ]);
    // one exchange, cached for the second query
    expect(sts.requests).toHaveLength(1);
    const form = new URLSearchParams(String(sts.requests[0]?.body));
    expect(form.get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:token-exchange");
    expect(form.get("subject_token")).toBe("github-oidc-jwt");
    expect(form.get("scope")).toBe("https://www.googleapis.com/auth/monitoring.read");
    sts.verify();
  });

  it("a monitoring.googleapis.com URL implies Google credentials; without any: exit 2, nothing probed", () => {
    const err = thrown(() =>
      prometheusFromEnv({
        PROMETHEUS_URL:
          "https://monitoring.googleapis.com/v1/projects/ngx-agents-prod/location/global/prometheus",
        HOME: scratch,
      }),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/needs Google Application Default Credentials/);
    expect((err as ConfigError).hint).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
  });

  it("an exchange Google refuses is a RemoteError (exit 3) and Prometheus is not called", async () => {
    sts = await FakeServer.start();
    sts.allow("POST", "/v1/token", {
      status: 400,
      body: { error: "invalid_grant", error_description: "bad jwt" },
    });
    prom = await protectedPrometheus("Bearer x");
    const r = await prometheusFromEnv({
      PROMETHEUS_URL: prom.url,
      PROMETHEUS_AUTH: "google",
      GOOGLE_APPLICATION_CREDENTIALS: federationFile(`${sts.url}/v1/token`),
    })
      ?.query("up")
      .catch((e: unknown) => e);
    expect(r).toBeInstanceOf(RemoteError);
    expect((r as RemoteError).message).toMatch(/^Google credentials: no access token for Prometheus: /);
    expect(prom.requests).toEqual([]);
  });
});

describe("ngx-release analyze against a Prometheus that needs a token", () => {
  const args = ["analyze", "staging", "--rollout", "orchestrator", "--canary-hash", "7d9f8c6b5"];
  const withStable = [...args, "--stable-hash", "5c4b9d7f8", "--repo", ROOT];

  it("every query carries the token; the token is never printed", async () => {
    prom = await protectedPrometheus(`Bearer ${TOKEN}`);
    const r = await runCli(withStable, { env: { PROMETHEUS_URL: prom.url, PROMETHEUS_BEARER_TOKEN: TOKEN } });
    expect([0, 1], r.stderr).toContain(r.code);
    expect(prom.requests.length).toBeGreaterThan(0);
    expect(new Set(prom.requests.map((q) => q.headers.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]));
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it("a wrong token: exit 3 with the hint, the token never printed", async () => {
    prom = await protectedPrometheus(`Bearer ${TOKEN}`);
    const r = await runCli(withStable, {
      env: { PROMETHEUS_URL: prom.url, PROMETHEUS_BEARER_TOKEN: "wrong-456" },
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain("PROMETHEUS_BEARER_TOKEN was refused");
    expect(r.stdout + r.stderr).not.toContain("wrong-456");
  });
});
