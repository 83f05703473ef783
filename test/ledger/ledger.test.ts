// The ledger contract, run against both implementations: the local file under .git/ and GitHub
// Deployments (against the protocol fake, asserting the request bodies GitHub receives).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GitHubLedger,
  LOAD_TESTS_ENVIRONMENT,
  REJECTIONS_ENVIRONMENT,
} from "../../pipeline/src/adapters/github/ledger.js";
import type { GitHubClient } from "../../pipeline/src/adapters/github/octokit.js";
import { RemoteError } from "../../pipeline/src/errors.js";
import { LocalLedger } from "../../pipeline/src/ledger/local.js";
import { rejectedVersionsFrom } from "../../pipeline/src/ledger/rejected.js";
import { type Ledger, lastKnownGood, listRejected } from "../../pipeline/src/ledger/types.js";
import { versionOf } from "../../pipeline/src/ledger/version.js";
import type { LoadTestResult } from "../../pipeline/src/loadtest/run.js";
import type { ImageEntry } from "../../pipeline/src/promotion/images.js";
import { addGitHubDeployments, type GitHubDeploymentsFake } from "../helpers/fake-github-deployments.js";
import { FakeServer } from "../helpers/fake-server.js";

const REG = "us-central1-docker.pkg.dev/ngx-agents/ngx";
const img = (c: string, hex: string): ImageEntry => ({
  name: `ngx/${c}`,
  newName: `${REG}/${c}`,
  digest: `sha256:${hex.repeat(64).slice(0, 64)}`,
});
const V1 = [img("orchestrator", "a"), img("api-gateway", "b")];
const V2 = [img("orchestrator", "c"), img("api-gateway", "b")];
const SHA1 = "1".repeat(40);
const SHA2 = "2".repeat(40);

describe("versionOf", () => {
  it("is stable under order, ignores a tag beside a digest, and changes with any image", () => {
    expect(versionOf(V1)).toMatch(/^[0-9a-f]{12}$/);
    expect(versionOf([...V1].reverse())).toBe(versionOf(V1));
    expect(versionOf(V1.map((i) => ({ ...i, newTag: "1.4.2" })))).toBe(versionOf(V1));
    expect(versionOf(V2)).not.toBe(versionOf(V1));
    expect(versionOf([{ name: "ngx/a", newTag: "1.0" }])).not.toBe(
      versionOf([{ name: "ngx/a", newTag: "1.1" }]),
    );
  });
});

function contract(name: string, open: () => Promise<Ledger>) {
  describe(`${name} ledger`, () => {
    it("records deployments and statuses, newest first, with success time and last known good", async () => {
      const ledger = await open();
      const d1 = await ledger.recordDeployment({
        environment: "staging",
        sha: SHA1,
        images: V1,
        version: versionOf(V1),
      });
      await ledger.setStatus(d1.id, { state: "in_progress", environmentUrl: "https://argo/app" });
      await ledger.setStatus(d1.id, { state: "success", description: "Synced and Healthy" });
      const d2 = await ledger.recordDeployment({
        environment: "staging",
        sha: SHA2,
        images: V2,
        version: versionOf(V2),
      });
      await ledger.setStatus(d2.id, { state: "failure", description: "Degraded" });
      await ledger.recordDeployment({ environment: "dev", sha: SHA2, images: V2, version: versionOf(V2) });

      const list = await ledger.listDeployments("staging");
      expect(list.map((d) => [d.sha, d.state])).toEqual([
        [SHA2, "failure"],
        [SHA1, "success"],
      ]);
      expect(list[1]?.images).toEqual(V1);
      expect(list[1]?.version).toBe(versionOf(V1));
      expect(list[1]?.statuses.map((s) => s.state)).toEqual(["in_progress", "success"]);
      expect(list[1]?.statuses[0]?.environmentUrl).toBe("https://argo/app");
      expect(list[1]?.succeededAt).toBe(list[1]?.statuses[1]?.createdAt);
      expect(list[0]?.succeededAt).toBeUndefined();
      expect((await lastKnownGood(ledger, "staging"))?.sha).toBe(SHA1);
      expect(await ledger.listDeployments("production")).toEqual([]);
      expect(await ledger.listDeployments("staging", { limit: 1 })).toHaveLength(1);
    });

    it("rejects and unrejects versions; the promotion lookup refuses a rejected set", async () => {
      const ledger = await open();
      const lookup = rejectedVersionsFrom(ledger);
      expect(await lookup.findRejected("production", V1)).toEqual([]);
      await ledger.reject({
        version: versionOf(V1),
        reason: "error rate 7%",
        environment: "staging",
        images: V1,
      });
      const found = await lookup.findRejected("production", [...V1].reverse());
      expect(found.map((f) => f.component).sort()).toEqual(["api-gateway", "orchestrator"]);
      expect(found[0]?.reason).toContain("error rate 7%");
      expect(found[0]?.reason).toContain("in staging");
      expect(await lookup.findRejected("production", V2)).toEqual([]);
      // promotion passes only the changed images: a subset of the rejected release is refused too
      expect(await lookup.findRejected("production", [V1[0] as ImageEntry])).toHaveLength(1);
      // an image that was not part of it is not
      expect(await lookup.findRejected("production", [V2[0] as ImageEntry])).toEqual([]);
      expect((await listRejected(ledger)).map((r) => r.version)).toEqual([versionOf(V1)]);
      await ledger.unreject({ version: versionOf(V1), reason: "false alarm: Prometheus scrape gap" });
      expect(await lookup.findRejected("production", V1)).toEqual([]);
      const all = await ledger.listRejections();
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({
        rejected: false,
        reason: "false alarm: Prometheus scrape gap",
        images: V1,
      });
    });

    it("records load tests against version and revision, lists them newest first, apart from deployments", async () => {
      const ledger = await open();
      const lt = (passed: boolean, revision: string, at: string) => ({
        environment: "staging",
        version: versionOf(V1),
        revision,
        revisionFrom: "argocd" as const,
        mode: "profile" as const,
        passed,
        at,
        summary: `${passed ? "passed" : "failed"}: 50 req/s held`,
        result: { figures: { requests: 30_000 }, heldRate: 50 } as unknown as LoadTestResult,
      });
      const first = await ledger.recordLoadTest(lt(true, SHA1, "2026-11-26T09:00:00.000Z"));
      await ledger.recordLoadTest(lt(false, SHA2, "2026-11-26T11:00:00.000Z"));
      await ledger.recordLoadTest({ ...lt(true, SHA2, "2026-11-26T10:00:00.000Z"), environment: "dev" });
      const list = await ledger.listLoadTests("staging");
      expect(list.map((r) => [r.revision, r.passed, r.at])).toEqual([
        [SHA2, false, "2026-11-26T11:00:00.000Z"],
        [SHA1, true, "2026-11-26T09:00:00.000Z"],
      ]);
      expect(list[1]).toEqual({ ...lt(true, SHA1, "2026-11-26T09:00:00.000Z"), id: first.id });
      expect(await ledger.listLoadTests("staging", { limit: 1 })).toHaveLength(1);
      // a load test is not a deployment: soak, last known good and metrics never see it
      expect(await ledger.listDeployments("staging")).toEqual([]);
    });
  });
}

// ---- local ---------------------------------------------------------------------------------------
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function gitRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "ngx-ledger-"));
  dirs.push(dir);
  execFileSync("git", ["init", "-q", dir]);
  return dir;
}

contract("local", async () => LocalLedger.open(gitRepo()));

describe("local ledger file", () => {
  it("lives in .git/, not in the working tree", async () => {
    const dir = gitRepo();
    const ledger = await LocalLedger.open(dir);
    await ledger.recordDeployment({ environment: "dev", sha: SHA1, images: V1, version: versionOf(V1) });
    expect(ledger.file).toBe(join(dir, ".git", "ngx-ledger.json"));
    expect(existsSync(ledger.file)).toBe(true);
    expect(readdirSync(dir)).toEqual([".git"]);
    expect(execFileSync("git", ["status", "--porcelain"], { cwd: dir, encoding: "utf8" })).toBe("");
  });

  it("refuses a directory that is not a git checkout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ngx-nogit-"));
    dirs.push(dir);
    await expect(LocalLedger.open(dir)).rejects.toThrow(/is not a git checkout/);
  });
});

// ---- GitHub --------------------------------------------------------------------------------------
let server: FakeServer;
let gh: GitHubDeploymentsFake;
beforeAll(async () => {
  server = await FakeServer.start();
  gh = addGitHubDeployments(server, { perPage: 2 }); // small pages: pagination is exercised
});
afterAll(async () => {
  server.verify();
  await server.close();
});
// A plain client: the factory's throttling plugin spaces writes one second apart, which only slows
// tests down; the ledger's requests and their handling are the same.
function plainOctokit(): GitHubClient {
  const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  return new Octokit({ auth: "ghs_test", baseUrl: server.url, log: quiet }) as GitHubClient;
}
function githubLedger(): GitHubLedger {
  gh.deployments.length = 0; // a fresh repository per test
  const octokit = plainOctokit();
  return new GitHubLedger(octokit, "ngx-agents/ngx-agents-delivery", "main");
}
contract("GitHub", async () => githubLedger());

describe("GitHub ledger requests", () => {
  it("reads load tests newest first and stops paging once the limit of the environment's records is met", async () => {
    const ledger = githubLedger();
    for (const [i, env] of ["staging", "staging", "dev", "staging", "staging", "staging"].entries()) {
      await ledger.recordLoadTest({
        environment: env,
        version: versionOf(V1),
        revision: SHA1,
        revisionFrom: "argocd",
        mode: "profile",
        passed: true,
        at: `2026-11-26T1${i}:00:00.000Z`,
        summary: `run ${i}`,
        result: {} as LoadTestResult,
      });
    }
    const pages = () =>
      server.requests.filter((r) => r.method === "GET" && r.path.endsWith("/deployments")).length;
    let before = pages();
    const all = await ledger.listLoadTests("staging");
    const unlimited = pages() - before;
    expect(all.map((r) => r.summary)).toEqual(["run 5", "run 4", "run 3", "run 1", "run 0"]);
    before = pages();
    const two = await ledger.listLoadTests("staging", { limit: 2 });
    expect(two.map((r) => r.summary)).toEqual(["run 5", "run 4"]);
    expect(pages() - before).toBeLessThan(unlimited);
  });

  it("keeps a load test as a closed deployment in its own environment at the tested revision", async () => {
    const ledger = githubLedger();
    await ledger.recordLoadTest({
      environment: "staging",
      version: versionOf(V1),
      revision: SHA1,
      revisionFrom: "argocd",
      mode: "profile",
      passed: false,
      at: "2026-11-26T11:00:00.000Z",
      summary: "load test staging: failed: p95 2.51 s",
      result: {} as LoadTestResult,
    });
    expect(gh.deployments).toHaveLength(1);
    expect(gh.deployments[0]).toMatchObject({
      environment: LOAD_TESTS_ENVIRONMENT,
      sha: SHA1,
      task: "ngx-release:loadtest",
      transient_environment: true,
      production_environment: false,
    });
    expect(gh.deployments[0]?.statuses.map((x) => x.state)).toEqual(["failure"]);
  });

  it("sends the deployment fields GitHub needs and ignores deployments made by others", async () => {
    const ledger = githubLedger();
    gh.seed({ sha: SHA1, environment: "staging", payload: {} }); // e.g. a workflow job's environment
    const before = server.requests.length;
    const d = await ledger.recordDeployment({
      environment: "production",
      sha: SHA1,
      images: V1,
      version: versionOf(V1),
      production: true,
      description: "promote staging → production",
    });
    await ledger.setStatus(d.id, {
      state: "success",
      environmentUrl: "https://argocd.example.com/applications/argocd/ngx-agents-production",
      description: `x${"y".repeat(200)}`,
    });
    const [create, status] = server.requests.slice(before);
    expect(create?.body).toEqual({
      ref: SHA1,
      environment: "production",
      task: "deploy",
      payload: { "ngx-release": 1, version: versionOf(V1), images: V1 },
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
      production_environment: true,
      description: "promote staging → production",
    });
    expect(status?.path).toBe(`/repos/ngx-agents/ngx-agents-delivery/deployments/${d.id}/statuses`);
    expect(status?.body).toMatchObject({
      state: "success",
      environment_url: "https://argocd.example.com/applications/argocd/ngx-agents-production",
      auto_inactive: false,
    });
    expect((status?.body as { description?: string } | undefined)?.description).toHaveLength(140);
    expect(await ledger.listDeployments("staging")).toEqual([]);
  });

  it("stops paging once the limit is reached", async () => {
    const ledger = githubLedger();
    for (let i = 0; i < 7; i++) {
      gh.seed({ sha: SHA1, environment: "big", payload: { "ngx-release": 1, version: `v${i}`, images: [] } });
    }
    const count = () => server.callsTo("GET", "/repos/ngx-agents/ngx-agents-delivery/deployments").length;
    let before = count();
    expect((await ledger.listDeployments("big")).map((d) => d.version)).toEqual([
      "v6",
      "v5",
      "v4",
      "v3",
      "v2",
      "v1",
      "v0",
    ]);
    expect(count() - before).toBe(4); // pages of 2
    before = count();
    expect((await ledger.listDeployments("big", { limit: 1 })).map((d) => d.version)).toEqual(["v6"]);
    expect(count() - before).toBe(1);
  });

  it("keeps decisions as deployments in their own environment", async () => {
    const ledger = githubLedger();
    await ledger.reject({ version: versionOf(V2), reason: "canary failed" });
    const rec = gh.deployments.find((d) => d.environment === REJECTIONS_ENVIRONMENT);
    expect(rec).toMatchObject({ ref: "main", transient_environment: true, task: "ngx-release:reject" });
    expect(rec?.statuses.map((s) => s.state)).toEqual(["inactive"]);
  });

  it("turns a 404 into a RemoteError that says what to check", async () => {
    const octokit = plainOctokit();
    const ledger = new GitHubLedger(octokit, "ngx-agents/ngx-agents-delivery");
    const e = await ledger.setStatus("999999", { state: "success" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).status).toBe(404);
    expect((e as RemoteError).hint).toContain("GITHUB_REPOSITORY");
  });

  it("with a pipeline identity, leaves out records anyone else created and reports them", async () => {
    gh.deployments.length = 0;
    const ledger = new GitHubLedger(plainOctokit(), "ngx-agents/ngx-agents-delivery", "main", "ngx-bot");
    const ours = await ledger.recordDeployment({
      environment: "prod",
      sha: SHA1,
      images: V1,
      version: versionOf(V1),
    });
    await ledger.setStatus(ours.id, { state: "success" });
    const planted = gh.seed({
      sha: SHA2,
      environment: "prod",
      payload: { "ngx-release": 1, version: versionOf(V2), images: V2 },
      statuses: [
        {
          id: 1,
          state: "success",
          description: "",
          environment_url: "",
          log_url: "",
          created_at: "2026-11-27T00:00:00Z",
        },
      ],
      creator: "mallory",
    });
    const unreject = gh.seed({
      sha: SHA2,
      environment: REJECTIONS_ENVIRONMENT,
      payload: { "ngx-release": 1, decision: "unreject", version: versionOf(V1), reason: "trust me" },
      creator: "mallory",
    });
    await ledger.reject({ version: versionOf(V1), reason: "canary failed" });

    expect((await ledger.listDeployments("prod")).map((d) => d.id)).toEqual([ours.id]);
    expect((await lastKnownGood(ledger, "prod"))?.id).toBeUndefined(); // V1 is rejected; V2 is not ours
    expect((await listRejected(ledger)).map((r) => r.version)).toEqual([versionOf(V1)]);
    expect(ledger.ignored()).toEqual([
      { id: String(planted.id), environment: "prod", creator: "mallory", createdAt: planted.created_at },
      {
        id: String(unreject.id),
        environment: REJECTIONS_ENVIRONMENT,
        creator: "mallory",
        createdAt: unreject.created_at,
      },
    ]);
    // a planted passing load test would open the load-test gate: left out and reported too
    const plantedRun = gh.seed({
      sha: SHA1,
      environment: LOAD_TESTS_ENVIRONMENT,
      payload: {
        "ngx-release": 1,
        loadTest: {
          environment: "staging",
          version: versionOf(V2),
          revision: SHA1,
          passed: true,
          at: "2026-11-27T00:00:00Z",
        },
      },
      creator: "mallory",
    });
    expect(await ledger.listLoadTests("staging", { limit: 50 })).toEqual([]);
    expect(ledger.ignored().map((r) => r.id)).toContain(String(plantedRun.id));
    // without an identity, every record counts (the previous behaviour, for repositories that set none)
    const open = new GitHubLedger(plainOctokit(), "ngx-agents/ngx-agents-delivery", "main");
    expect((await open.listDeployments("prod")).map((d) => d.id)).toEqual([String(planted.id), ours.id]);
  });
});
