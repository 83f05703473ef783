// Bad Rollouts, bad templates and bad input are rejected before any query (exit 2), and the
// Prometheus adapter retries what is worth retrying — both against a protocol fake.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createPrometheus, PrometheusQueryError } from "../../pipeline/src/adapters/prometheus.js";
import { canarySteps, formatCanarySteps } from "../../pipeline/src/analysis/templates.js";
import { RemoteError } from "../../pipeline/src/errors.js";
import { parseObjects } from "../../pipeline/src/manifests/render.js";
import { runCli } from "../helpers/cli.js";
import { FakeServer } from "../helpers/fake-server.js";
import { CONTRACT_ARGS, contractRollout, type FixtureRepo, fixtureRepo } from "./fixture-repo.js";

const vector = (v: string) => ({
  status: "success",
  data: { resultType: "vector", result: [{ metric: {}, value: [1, v] }] },
});

describe("analyze rejects what Argo Rollouts could not run", () => {
  let repo: FixtureRepo | undefined;
  let fake: FakeServer | undefined;
  afterEach(async () => {
    repo?.remove();
    repo = undefined;
    if (fake) {
      fake.verify(); // no query may have been sent
      await fake.close();
      fake = undefined;
    }
  });
  const run = async (args: string[]) => {
    fake = await FakeServer.start();
    return runCli(["analyze", "production", "--canary-hash", "abc123", "--stable-hash", "def456", ...args], {
      cwd: repo?.root,
      env: { PROMETHEUS_URL: fake.url },
    });
  };

  it("a Rollout that does not pass an argument the template needs", async () => {
    repo = fixtureRepo([contractRollout({ args: CONTRACT_ARGS.filter((a) => a.name !== "canary-hash") })]);
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'Rollout/orchestrator spec.strategy.canary.analysis.args: ClusterAnalysisTemplate/ngx-error-rate needs argument "canary-hash" that the Rollout does not pass',
    );
  });

  it("a Rollout referencing a template that does not exist", async () => {
    repo = fixtureRepo([contractRollout({ templates: ["ngx-error-rate", "ngx-error-rates"] })]);
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ClusterAnalysisTemplate\/ngx-error-rates not found \(known: .*ngx-error-rate/);
  });

  it("a template whose condition uses an unsupported construct", async () => {
    repo = fixtureRepo();
    const file = join(repo.root, "rollouts/analysis/analysis-template-error-rate.yaml");
    const text = readFileSync(file, "utf8").replace(
      "successCondition: result[0] >= 0 && result[0] <= {{args.max-error-ratio}}",
      "successCondition: result[0] >= 0 and result[0] <= {{args.max-error-ratio}}",
    );
    repo.write("rollouts/analysis/analysis-template-error-rate.yaml", text);
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /ClusterAnalysisTemplate\/ngx-error-rate spec\.metrics\[0\] \(error-rate\)\.successCondition: unsupported construct: several expressions side by side/,
    );
  });

  it("hashes without --rollout when the environment has several Rollouts", async () => {
    repo = fixtureRepo([contractRollout(), contractRollout({ name: "api-gateway" })]);
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /add --rollout <name> \((api-gateway, orchestrator|orchestrator, api-gateway)\)/,
    );
  });

  it("an unknown --rollout, a malformed --arg or hash, a missing PROMETHEUS_URL", async () => {
    repo = fixtureRepo();
    expect((await run(["--rollout", "nope"])).stderr).toMatch(
      /--rollout nope: no such Rollout in production \(there are: orchestrator\)/,
    );
    await fake?.close();
    expect((await run(["--arg", "window"])).stderr).toMatch(/--arg "window": expected name=value/);
    await fake?.close();
    const bad = await run(["--canary-hash", "NOT A HASH"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--canary-hash "NOT A HASH" is not a pod-template hash/);
    const noUrl = await runCli(["analyze", "production"], { cwd: repo.root });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/set PROMETHEUS_URL or pass --prometheus-url/);
  });
});

describe("Prometheus adapter", () => {
  let fake: FakeServer;
  afterEach(async () => {
    await fake.close();
  });

  it("retries a 503 and decodes the vector, sending query and time as a form", async () => {
    fake = await FakeServer.start();
    fake.expect(
      "POST",
      "/api/v1/query",
      { status: 503, body: { status: "error", errorType: "unavailable", error: "overloaded" } },
      1,
    );
    fake.expect("POST", "/api/v1/query", { body: vector("+Inf") }, 1);
    const prom = createPrometheus(fake.url, { backoffMs: 1 });
    const v = await prom.query("up", new Date(1_700_000_000_000));
    expect(v).toEqual({ resultType: "vector", samples: [{ labels: {}, value: Number.POSITIVE_INFINITY }] });
    const sent = new URLSearchParams(fake.callsTo("POST", "/api/v1/query")[1]?.body as string);
    expect(sent.get("query")).toBe("up");
    expect(sent.get("time")).toBe("1700000000.000");
    fake.verify();
  });

  it("does not retry a rejected query", async () => {
    fake = await FakeServer.start();
    fake.expect(
      "POST",
      "/api/v1/query",
      { status: 400, body: { status: "error", errorType: "bad_data", error: 'parse error: unexpected "}"' } },
      1,
    );
    const err = await createPrometheus(fake.url, { backoffMs: 1 })
      .query("up{")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusQueryError);
    expect((err as Error).message).toMatch(/HTTP 400, bad_data\): parse error/);
    fake.verify();
  });

  it("gives up after the attempts with a RemoteError carrying the status", async () => {
    fake = await FakeServer.start();
    fake.expect("POST", "/api/v1/query", { status: 502, body: "<html>bad gateway</html>" });
    const err = await createPrometheus(fake.url, { backoffMs: 1, attempts: 3 })
      .query("up")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ status: 502, service: "Prometheus" });
    expect((err as Error).message).toMatch(/HTTP 502.*after 3 attempts/);
    expect(fake.callsTo("POST", "/api/v1/query")).toHaveLength(3);
  });

  it("times out a Prometheus that does not answer", async () => {
    fake = await FakeServer.start();
    fake.allow("POST", "/api/v1/query", { body: vector("1"), delayMs: 2000 });
    const err = await createPrometheus(fake.url, { backoffMs: 1, attempts: 2, timeoutMs: 100 })
      .query("up")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as Error).message).toMatch(/no answer within 100 ms.*after 2 attempts/);
  });
});

describe("canarySteps", () => {
  it("describes each environment's canary from the rendered Rollout", () => {
    const [rollout] = parseObjects(
      `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: orchestrator}
spec:
  strategy:
    canary:
      steps:
        - setWeight: 20
        - pause: {duration: 30m}
        - setWeight: 50
        - pause: {duration: 1h}
        - pause: {}
`,
      "test",
    );
    const steps = canarySteps(rollout as never);
    expect(steps[0]).toEqual({ kind: "setWeight", weight: 20 });
    expect(formatCanarySteps(steps)).toBe("20% → pause 30m → 50% → pause 1h → pause until promoted → 100%");
  });
});
