// `ngx-release rollback` as a process against the GitHub fake (git data, pulls, deployments) and the
// Argo CD fake: the failed-canary loop end to end, duplicates, stale payloads, refusals, Argo CD down.
import { rmSync } from "node:fs";
import { micromark } from "micromark";
import { gfm, gfmHtml } from "micromark-extension-gfm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REJECTIONS_ENVIRONMENT } from "../../pipeline/src/adapters/github/ledger.js";
import { readImages } from "../../pipeline/src/promotion/images.js";
import { runCli } from "../helpers/cli.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { addGitHubDeployments, type GitHubDeploymentsFake } from "../helpers/fake-github-deployments.js";
import { gitRepo } from "../promotion/fixture.js";
import {
  BAD,
  digest,
  dispatchBody,
  files,
  GOOD,
  OVERLAY,
  removePayloads,
  seedGitHub,
  versionId,
  withFailedCanary,
  writePayload,
} from "./fixture.js";

const PROD_APP = "ngx-agents-production";
let gh: FakeGitHub;
let deployments: GitHubDeploymentsFake;
let argo: FakeArgoCd;
let root: string;

async function start(options: { good?: boolean } = {}) {
  gh = await FakeGitHub.start("acme/delivery");
  deployments = addGitHubDeployments(gh.server, { repository: "acme/delivery" });
  const seeded = seedGitHub(gh, deployments, options);
  root = gitRepo(files(BAD));
  argo = await FakeArgoCd.start();
  for (const app of ["ngx-agents-staging", PROD_APP]) {
    argo
      .withApp(app, { health: "Progressing", revision: seeded.c2 })
      .withResource(app, rollout({ name: "orchestrator", paused: true, canaryHash: "7c9d" }))
      .withResource(app, rollout({ name: "api-gateway", phase: "Progressing", canaryHash: "5b4a" }));
  }
  // the canary's analysis failed at revision 4 (the Rollout is still paused: the abort comes next)
  for (const app of ["ngx-agents-staging", PROD_APP]) withFailedCanary(argo, app);
  return seeded;
}

function env(extra: Record<string, string> = {}) {
  return { ...gh.env(), ...argo.env(), ...extra };
}

function rejections() {
  return deployments.deployments
    .filter((d) => d.environment === REJECTIONS_ENVIRONMENT)
    .map((d) => d.payload as { decision: string; version: string; environment?: string });
}

afterEach(async () => {
  await gh?.server.close();
  await argo?.close();
  removePayloads();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("rollback --from-dispatch (production, failed analysis)", () => {
  let seeded: Awaited<ReturnType<typeof start>>;
  beforeEach(async () => {
    seeded = await start();
  });

  it("aborts each moving Rollout once, merges one PR restoring the old digests, rejects the version", async () => {
    const payload = writePayload(dispatchBody("production", BAD));
    const r = await runCli(["rollback", "--from-dispatch", payload, "--json"], { cwd: root, env: env() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("rolled-back");
    expect(out.failedVersion).toBe(versionId(BAD));
    expect(out.target).toMatchObject({ version: versionId(GOOD), sha: seeded.c1, how: "last-known-good" });

    // Argo CD: one abort per Rollout (v2 actions API); no explicit sync (auto-sync applies the merge)
    expect(argo.actions.map((a) => [a.app, a.action, a.ref.name]).sort()).toEqual([
      [PROD_APP, "abort", "api-gateway"],
      [PROD_APP, "abort", "orchestrator"],
    ]);
    expect(argo.syncs).toEqual([]);
    // after the merge, one refresh (GET …?refresh=normal) so Argo CD reads Git now
    const refreshes = argo.server
      .callsTo("GET", `/api/v1/applications/${PROD_APP}`)
      .filter((q) => q.query.get("refresh") === "normal");
    expect(refreshes).toHaveLength(1);
    expect(out.refresh).toBe("requested");

    // the commit: one tree with only the production overlay, holding the GOOD digests
    const trees = gh.server.callsTo("POST", /\/git\/trees$/);
    expect(trees).toHaveLength(1);
    const entries = (trees[0]?.body as { tree: { path: string; content: string }[] } | undefined)?.tree ?? [];
    expect(entries.map((e) => e.path)).toEqual([OVERLAY("production")]);
    const written = entries[0]?.content as string;
    expect(written).toContain(digest(GOOD));
    expect(written).not.toContain(digest(BAD));
    expect(written).toContain("# Versions: written by ngx-release"); // comments kept
    expect(written).toContain(" # pinned");
    // exactly the image lines changed
    const before = (gh.fileAt(seeded.c2, OVERLAY("production")) as string).split("\n");
    expect(written.split("\n").filter((l, i) => l !== before[i])).toHaveLength(4);

    // one PR on rollback/production, merged; main now names GOOD in production, BAD still in staging
    expect(gh.pulls).toHaveLength(1);
    const pr = gh.pulls[0];
    expect(pr).toMatchObject({ head: "rollback/production", base: "main", state: "closed" });
    expect(pr?.merged_at).not.toBeNull();
    expect(pr?.labels).toEqual(["rollback", "env:production"]);
    expect(pr?.title).toBe("Roll back production: api-gateway 1.0.0, orchestrator 1.0.0");
    expect(pr?.body).toContain("Failed analysis run `orchestrator-6d8f7b9c4-4-0`");
    expect(pr?.body).toContain("| error\\-rate | Failed | \\[0\\.01\\], \\[0\\.12\\], \\[0\\.17\\] |");
    expect(pr?.body).toContain("Confirmed through Argo CD before anything was written");
    expect(out.confirmation.reported).toBe(
      'AnalysisRun orchestrator-6d8f7b9c4-4-0 of Rollout orchestrator is Failed at revision 4: Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)',
    );
    expect(pr?.body).toContain(`the overlay as it was at commit \`${seeded.c1}\``);
    expect(out.confirmation).toMatchObject({ status: "confirmed", by: "analysis-failed" });
    expect(pr?.body).toContain(`Version \`${versionId(BAD)}\` is **rejected**`);
    expect(pr?.body).toContain("https://argocd.example.test/applications/argocd/ngx-agents-production");
    expect(pr?.body).toContain("Abort through Argo CD: done (api-gateway aborted, orchestrator aborted)");
    expect(pr?.body).toContain("Merged automatically (rollback.autoMerge: on-analysis-failure)");
    const merge = gh.server.callsTo("PUT", /\/pulls\/1\/merge$/);
    expect(merge[0]?.body).toMatchObject({ sha: gh.branch("rollback/production"), merge_method: "squash" });
    const main = gh.fileAt("main", OVERLAY("production")) as string;
    expect(readImages(main, "p").map((i) => i.digest)).toEqual([digest(GOOD), digest(GOOD)]);
    expect(gh.fileAt("main", OVERLAY("staging"))).toContain(digest(BAD));

    // ledger: BAD rejected (in production, with the images the rollback removed), its deployment failed,
    // the restored deployment recorded at the merge commit
    expect(rejections()).toEqual([
      expect.objectContaining({ decision: "reject", version: versionId(BAD), environment: "production" }),
    ]);
    expect(seeded.failing.statuses.at(-1)).toMatchObject({ state: "failure" });
    expect(seeded.failing.statuses.at(-1)?.description).toContain(
      "rolled back: Argo Rollouts analysis failed on orchestrator",
    );
    const restored = deployments.deployments.find(
      (d) => d.environment === "production" && d.sha === gh.branch("main"),
    );
    expect(restored?.payload).toMatchObject({ version: versionId(GOOD) });
    expect(out.restored).toMatchObject({ state: "in_progress", sha: gh.branch("main") });

    // status shows the rejection; a later promote of the same version is refused
    const status = await runCli(["status", "production", "--json"], { cwd: root, env: env() });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).rejected).toEqual([
      expect.objectContaining({
        version: versionId(BAD),
        rejected: true,
        reason: expect.stringMatching(/^Argo Rollouts analysis failed on orchestrator/),
      }),
    ]);
    const promote = await runCli(["promote", "staging", "production"], { cwd: root, env: env() });
    expect(promote.code).toBe(1);
    expect(promote.stderr).toContain("refusing to write rejected version");
    expect(promote.stderr).toContain(`version ${versionId(BAD)} rejected in production`);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.server.unexpected).toEqual([]);
  });

  it("the same payload delivered again is stale (Git already restored): acknowledged, nothing written", async () => {
    const payload = writePayload(dispatchBody("production", BAD));
    expect((await runCli(["rollback", "--from-dispatch", payload], { cwd: root, env: env() })).code).toBe(0);
    const writes = gh.writes().length;
    const actions = argo.actions.length;
    const again = await runCli(["rollback", "--from-dispatch", payload], { cwd: root, env: env() });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /dispatch acknowledged and ignored: Git was already rolled back from [0-9a-f]{12}, the version is rejected and Argo CD reports nothing left to abort/,
    );
    expect(gh.writes()).toHaveLength(writes);
    expect(argo.actions).toHaveLength(actions);
    expect(gh.pulls).toHaveLength(1);
  });

  it("a payload for images Git no longer names is ignored with exit 0 (nothing aborted, nothing written)", async () => {
    const payload = writePayload(dispatchBody("production", "0.9.0"));
    const r = await runCli(["rollback", "--from-dispatch", payload, "--json"], { cwd: root, env: env() });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("stale");
    expect(out.message).toContain("acknowledged and ignored");
    expect(gh.writes()).toEqual([]);
    expect(argo.actions).toEqual([]);
  });

  it("Argo CD down: the dispatch cannot be confirmed, so the PR is left for review, nothing rejected (exit 3); the rerun finishes", async () => {
    argo.outage = { status: 503, body: "upstream connect error or disconnect/reset before headers" };
    const payload = writePayload(dispatchBody("production", BAD));
    const r = await runCli(["rollback", "--from-dispatch", payload, "--json"], {
      cwd: root,
      env: env({ NGX_ARGOCD_RETRIES: "0" }),
    });
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.confirmation).toMatchObject({ status: "unconfirmed", error: expect.stringMatching(/503/) });
    expect(out.error.message).toMatch(
      /the dispatch could NOT be confirmed through Argo CD .*rollback PR #1 is left for review \(not merged\); nothing rejected, nothing aborted/,
    );
    expect(out.autoMerge).toMatchObject({ wanted: false });
    expect(gh.openPulls().map((p) => p.head)).toEqual(["rollback/production"]);
    expect(gh.pulls[0]?.body).toContain("**NOT confirmed by Argo CD**");
    expect(gh.server.callsTo("PUT", /\/merge$/)).toEqual([]);
    expect(gh.fileAt("main", OVERLAY("production"))).toContain(digest(BAD));
    expect(rejections()).toEqual([]);
    expect(seeded.failing.statuses.map((s) => s.state)).toEqual(["in_progress"]);
    expect(argo.actions).toEqual([]);

    // a person merges the PR for review; Argo CD comes back; the workflow is rerun: not "stale" —
    // Git went back to a version that succeeded before the payload's, so the rerun finishes the work
    gh.push("main", { [OVERLAY("production")]: files(GOOD)[OVERLAY("production")] as string }, "merge #1");
    argo.outage = undefined;
    const again = await runCli(["rollback", "--from-dispatch", payload, "--json"], { cwd: root, env: env() });
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    const fin = JSON.parse(again.stdout);
    expect(fin.status).toBe("finished");
    expect(fin.abort.status).toBe("done");
    expect(argo.actions.map((a) => [a.action, a.ref.name]).sort()).toEqual([
      ["abort", "api-gateway"],
      ["abort", "orchestrator"],
    ]);
    expect(rejections().map((x) => x.version)).toEqual([versionId(BAD)]);
    expect(seeded.failing.statuses.at(-1)).toMatchObject({ state: "failure" });
    expect(gh.pulls).toHaveLength(1);
  });

  it("a 401 from Argo CD names ARGOCD_AUTH_TOKEN (exit 3, PR for review only)", async () => {
    const payload = writePayload(dispatchBody("production", BAD));
    const r = await runCli(["rollback", "--from-dispatch", payload], {
      cwd: root,
      env: env({ ARGOCD_AUTH_TOKEN: "wrong-token" }),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /NOT be confirmed through Argo CD .*401.*ARGOCD_AUTH_TOKEN is missing, invalid or expired/,
    );
    expect(rejections()).toEqual([]);
    expect(argo.actions).toEqual([]);
  });

  it("auto-merge refused by branch protection: PR left open, exit 1 naming it", async () => {
    // GitHub answers every attempt the same (Octokit retries a 405)
    const refusal = {
      status: 405,
      body: { message: 'Required status check "ngx-release/gate-production" is expected.', status: "405" },
    };
    gh.fail("PUT", /\/pulls\/\d+\/merge$/, refusal, refusal, refusal, refusal, refusal);
    const payload = writePayload(dispatchBody("production", BAD));
    const r = await runCli(["rollback", "--from-dispatch", payload, "--json"], { cwd: root, env: env() });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.autoMerge).toMatchObject({ wanted: true, merged: false });
    expect(out.error.message).toMatch(/rollback PR #1 was opened but NOT merged: .*Required status check/);
    expect(gh.openPulls().map((p) => p.head)).toEqual(["rollback/production"]);
    expect(gh.fileAt("main", OVERLAY("production"))).toContain(digest(BAD));
  });

  it("rejects a payload with a missing field (exit 2, names the field, nothing written)", async () => {
    const body = JSON.parse(dispatchBody("production", BAD));
    delete body.client_payload.rollout;
    const payload = writePayload(JSON.stringify(body));
    const r = await runCli(["rollback", "--from-dispatch", payload], { cwd: root, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${payload}: field client_payload.rollout is missing`);
    expect(gh.server.requests).toEqual([]);
    expect(argo.server.requests).toEqual([]);
  });

  it.each([
    [
      "an unreadable payload file",
      () => ["rollback", "--from-dispatch", "/nonexistent/payload.json"],
      /--from-dispatch \/nonexistent\/payload\.json: cannot read the file/,
    ],
    [
      "an <env> other than the payload's",
      () => ["rollback", "staging", "--from-dispatch", writePayload(dispatchBody("production", BAD))],
      /<env> staging does not match the payload's environment production/,
    ],
    [
      "--to together with a payload",
      () => [
        "rollback",
        "--from-dispatch",
        writePayload(dispatchBody("production", BAD)),
        "--to",
        versionId(GOOD),
      ],
      /--to cannot be combined with --from-dispatch/,
    ],
    [
      "neither an environment nor a payload",
      () => ["rollback", "--reason", "x"],
      /name the environment to roll back \(rollback <env>\) or pass --from-dispatch <payload\.json>/,
    ],
  ])("refuses %s (exit 2, no request to GitHub or Argo CD)", async (_what, args, message) => {
    await start();
    const r = await runCli(args(), { cwd: root, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(gh.server.requests).toEqual([]);
    expect(argo.server.requests).toEqual([]);
  });
});

describe("rollback <env> (manual)", () => {
  it("staging (autoMerge never): one open PR for review; the same request again makes no second PR", async () => {
    await start();
    // an open promotion into staging computed before the rollback gets closed with a comment
    gh.push("promote/staging", { "x.txt": "x" }, "promotion");
    gh.pulls.push({
      number: 1,
      title: "Promote staging: …",
      body: "",
      head: "promote/staging",
      base: "main",
      state: "open",
      merged_at: null,
      labels: ["promotion"],
      comments: [],
    });
    const args = ["rollback", "staging", "--reason", "error budget burn after 1.1.0"];
    const first = await runCli(args, { cwd: root, env: env() });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("review needed: rollback.autoMerge is never for staging");
    expect(first.stdout).toContain("closed promotion pull request #1");
    expect(gh.pulls[0]).toMatchObject({ state: "closed" });
    expect(gh.pulls[0]?.comments[0]).toContain("Closed by `ngx-release rollback staging`");
    const open = gh.openPulls();
    expect(open.map((p) => p.head)).toEqual(["rollback/staging"]);
    expect(open[0]?.body).toContain("reason: error budget burn after 1\\.1\\.0");
    expect(gh.server.callsTo("PUT", /\/merge$/)).toEqual([]);

    const head = gh.branch("rollback/staging");
    const second = await runCli(args, { cwd: root, env: env() });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("already rejected");
    expect(gh.openPulls()).toHaveLength(1);
    expect(gh.pulls).toHaveLength(2);
    expect(gh.branch("rollback/staging")).toBe(head);
    expect(gh.server.callsTo("POST", /\/pulls$/)).toHaveLength(1);
    expect(rejections()).toHaveLength(1);
  });

  it("a staging dispatch delivered twice before review: one PR, one rejection", async () => {
    await start();
    const payload = writePayload(dispatchBody("staging", BAD));
    const first = await runCli(["rollback", "--from-dispatch", payload], { cwd: root, env: env() });
    expect(first.code).toBe(0);
    const head = gh.branch("rollback/staging");
    const second = await runCli(["rollback", "--from-dispatch", payload], { cwd: root, env: env() });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("pull request #1 unchanged");
    expect(gh.pulls.map((p) => [p.head, p.state])).toEqual([["rollback/staging", "open"]]);
    expect(gh.server.callsTo("POST", /\/pulls$/)).toHaveLength(1);
    expect(gh.branch("rollback/staging")).toBe(head);
    expect(rejections()).toHaveLength(1);
  });

  it("no known good version: exit 1 with an alert, canaries still aborted, version rejected, no PR", async () => {
    await start({ good: false });
    const r = await runCli(["rollback", "production", "--reason", "canary failing"], {
      cwd: root,
      env: env(),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ALERT: no known good version of production to roll back to");
    expect(argo.actions.map((a) => a.ref.name).sort()).toEqual(["api-gateway", "orchestrator"]);
    expect(rejections().map((x) => x.version)).toEqual([versionId(BAD)]);
    expect(gh.pulls).toEqual([]);
    expect(gh.server.callsTo("POST", /\/git\/trees$/)).toEqual([]);
  });

  it("--to a rejected version is refused before anything is done", async () => {
    await start();
    deployments.seed({
      sha: "0".repeat(40),
      environment: REJECTIONS_ENVIRONMENT,
      payload: {
        "ngx-release": 1,
        decision: "reject",
        version: versionId(GOOD),
        reason: "leaks memory",
        environment: "staging",
      },
    });
    const writes = gh.writes().length;
    const r = await runCli(["rollback", "production", "--to", versionId(GOOD), "--reason", "x"], {
      cwd: root,
      env: env(),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `refusing to roll production back to ${versionId(GOOD)}: that version is rejected (failed in staging)`,
    );
    expect(r.stderr).toContain(`ngx-release unreject ${versionId(GOOD)}`);
    expect(gh.writes()).toHaveLength(writes);
    expect(argo.actions).toEqual([]);
  });

  it("--to a version that never succeeded there, or not a version id, is refused", async () => {
    await start();
    let r = await runCli(["rollback", "production", "--to", "abcdefabcdef", "--reason", "x"], {
      cwd: root,
      env: env(),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("it was never deployed there");
    r = await runCli(["rollback", "production", "--to", "1.0.0", "--reason", "x"], { cwd: root, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--to "1.0.0" is not a version id');
    r = await runCli(["rollback", "production"], { cwd: root, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--reason");
    expect(gh.writes()).toEqual([]);
    expect(argo.actions).toEqual([]);
  });

  it("--dry-run shows the plan and the PR text; nothing aborted or written", async () => {
    await start();
    const r = await runCli(["rollback", "production", "--reason", "x", "--dry-run", "--json"], {
      cwd: root,
      env: env(),
    });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("planned");
    expect(out.changes.map((c: { to: string }) => c.to)).toEqual([
      expect.stringContaining(digest(GOOD)),
      expect.stringContaining(digest(GOOD)),
    ]);
    expect(out.body).toContain("Review and merge");
    expect(gh.writes()).toEqual([]);
    expect(argo.actions).toEqual([]);
  });
});

describe("rollback --from-dispatch: a dispatch is a request Argo CD must confirm", () => {
  /** every Argo CD request other than a read */
  const argoWrites = () => argo.server.requests.filter((q) => q.method !== "GET");

  it("forged dispatch naming production's current images while the Rollouts are Healthy: exit 1, zero writes", async () => {
    await start();
    // Argo CD: both Rollouts fully promoted, no AnalysisRun at all
    const app = argo.app(PROD_APP);
    app.children.length = 0;
    app.resources = app.resources.map((m) =>
      m.kind === "Rollout" ? rollout({ name: m.metadata.name, canaryHash: "7c9d", stableHash: "7c9d" }) : m,
    );
    const payload = writePayload(dispatchBody("production", BAD));
    const r = await runCli(["rollback", "--from-dispatch", payload], { cwd: root, env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "dispatch for production not acted on: Argo CD reports Rollout orchestrator Healthy",
    );
    expect(r.stderr).toContain("no Failed AnalysisRun at revision 4");
    expect(r.stderr).toContain("Nothing written, nothing rejected, nothing aborted.");
    expect(gh.writes()).toEqual([]);
    expect(rejections()).toEqual([]);
    expect(argoWrites()).toEqual([]);
    expect(argo.actions).toEqual([]);
    expect(gh.pulls).toEqual([]);
  });

  it("a failed AnalysisRun at another revision does not confirm (exit 1, zero writes)", async () => {
    await start();
    const payload = writePayload(dispatchBody("production", BAD, { revision: "5" }));
    const r = await runCli(["rollback", "--from-dispatch", payload], { cwd: root, env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no Failed AnalysisRun at revision 5");
    expect(gh.writes()).toEqual([]);
    expect(argoWrites()).toEqual([]);
  });

  it("a Rollout Argo CD reports aborted confirms it, even without a revision", async () => {
    await start();
    const app = argo.app(PROD_APP);
    app.children.length = 0;
    app.resources = app.resources.map((m) =>
      m.metadata.name === "orchestrator"
        ? rollout({ name: "orchestrator", abort: true, canaryHash: "7c9d" })
        : m,
    );
    const payload = writePayload(dispatchBody("production", BAD, { revision: undefined }));
    const r = await runCli(["rollback", "--from-dispatch", payload, "--json"], { cwd: root, env: env() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).confirmation).toMatchObject({ status: "confirmed", by: "aborted" });
    expect(gh.pulls[0]?.state).toBe("closed");
  });

  it("a payload without trigger is valid but not an analysis failure: the PR is left for review", async () => {
    await start();
    const payload = writePayload(dispatchBody("production", BAD, { trigger: undefined }));
    const r = await runCli(["rollback", "--from-dispatch", payload, "--json"], { cwd: root, env: env() });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.autoMerge).toEqual({ wanted: false, setting: "on-analysis-failure" });
    expect(gh.openPulls().map((p) => p.head)).toEqual(["rollback/production"]);
    expect(gh.server.callsTo("PUT", /\/merge$/)).toEqual([]);
  });

  it.each([
    ["100 KB", 100 * 1024],
    ["10 MB", 10 * 1024 * 1024],
  ])(
    "a valid %s payload is refused before any request (exit 2, GitHub's 64 KB limit)",
    async (_what, size) => {
      await start();
      const body = JSON.parse(dispatchBody("production", BAD));
      body.client_payload.message = "x".repeat(size);
      const payload = writePayload(JSON.stringify(body));
      const r = await runCli(["rollback", "--from-dispatch", payload], { cwd: root, env: env() });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/GitHub refuses a repository_dispatch whose client_payload is 64 KB/);
      expect(gh.server.requests).toEqual([]);
      expect(argo.server.requests).toEqual([]);
    },
  );

  it("hostile payload text is inert in the PR, the commit, the rejection, the deployment status and stdout", async () => {
    const seeded = await start();
    const hostile =
      "ok\n::error::forged annotation\n::add-mask::x @octocat [click](https://evil.example) ![i](https://evil.example/p.png) <img src=x onerror=alert(1)> ` `` breakout | cell | #12\nSigned-off-by: Mallory <m@evil.example>";
    const payload = writePayload(
      dispatchBody("production", BAD, { message: hostile, rollout: "orchestrator" }),
    );
    const r = await runCli(["rollback", "--from-dispatch", payload], { cwd: root, env: env() });
    expect(r.code).toBe(0);
    const runnerCommand = (line: string) => line.trimStart().startsWith("::") || line.includes("##[");
    expect(r.stdout.split("\n").filter(runnerCommand)).toEqual([]);
    expect(r.stderr.split("\n").filter(runnerCommand)).toEqual([]);

    const body = gh.pulls[0]?.body ?? "";
    expect(body.split("\n").filter(runnerCommand)).toEqual([]);
    expect(body).toContain("\\:\\:error\\:\\:forged annotation"); // shown, as text
    expect(body).not.toContain("@octocat");
    expect(body).not.toContain("@evil");
    // rendered as GitHub would (GFM, raw HTML allowed): no image, no link, no element from the payload
    const html = micromark(body, {
      allowDangerousHtml: true,
      extensions: [gfm()],
      htmlExtensions: [gfmHtml()],
    });
    expect(html).not.toContain("<img");
    expect(html).not.toContain('href="https://evil');
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(body).not.toContain("#12");

    const commits = gh.server.callsTo("POST", /\/git\/commits$/);
    const message = (commits[0]?.body as { message?: string } | undefined)?.message ?? "";
    expect(message).not.toMatch(/^Signed-off-by:/m);
    expect(message).not.toMatch(/^::/m);
    expect(message.split("\n").filter((l) => l.startsWith("Reason:"))).toHaveLength(1);

    const reason = rejections()[0] as unknown as { reason: string };
    expect(reason.reason).not.toMatch(/[\r\n]/);
    const status = seeded.failing.statuses.at(-1);
    expect(status?.description).not.toMatch(/[\r\n]/);
  });

  it("the PR body stays within 65,536 characters with a payload at GitHub's limit", async () => {
    await start();
    const payload = writePayload(
      dispatchBody("production", BAD, { message: `${"`<@a|".repeat(12_000)}`.slice(0, 60_000) }),
    );
    const r = await runCli(["rollback", "--from-dispatch", payload], { cwd: root, env: env() });
    expect(r.code).toBe(0);
    expect((gh.pulls[0]?.body ?? "").length).toBeLessThanOrEqual(65_536);
  });
});

describe("rollback: targets from Git, records from the pipeline", () => {
  const poisoned = (version: string) => ({
    "ngx-release": 1,
    version,
    images: [
      {
        name: "us-central1-docker.pkg.dev/ngx-agents/ngx/api-gateway",
        newName: "docker.io/attacker/miner",
        newTag: "1.0",
      },
      {
        name: "us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator",
        newName: "docker.io/attacker/miner",
        newTag: "1.0",
      },
    ],
  });
  const success = [
    {
      id: 1,
      state: "success",
      description: "",
      environment_url: "",
      log_url: "",
      created_at: "2026-11-25T12:00:01Z",
    },
  ];

  it("a success record planted by someone else is ignored and reported; the overlay is restored from Git", async () => {
    const seeded = await start();
    const planted = deployments.seed({
      sha: seeded.c1,
      environment: "production",
      created_at: "2026-11-25T12:00:00Z",
      payload: poisoned("abcdefabcdef"),
      statuses: success,
      creator: "mallory",
    });
    const payload = writePayload(dispatchBody("production", BAD));
    const r = await runCli(["rollback", "--from-dispatch", payload, "--json"], { cwd: root, env: env() });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.target).toMatchObject({ version: versionId(GOOD), sha: seeded.c1 });
    expect(out.ignoredRecords).toEqual([
      { id: String(planted.id), why: "created by mallory, not the pipeline identity ngx-bot" },
    ]);
    const main = gh.fileAt("main", OVERLAY("production")) as string;
    expect(main).not.toContain("attacker");
    expect(main).toBe(gh.fileAt(seeded.c1, OVERLAY("production")));
    expect(gh.pulls[0]?.body).toContain(`the overlay as it was at commit \`${seeded.c1}\``);
    expect(gh.pulls[0]?.body).toContain(
      `- deployment \`${planted.id}\`: created by mallory, not the pipeline identity ngx\\-bot`,
    );
  });

  it("a record whose commit does not hold its version is passed over; the images always come from Git", async () => {
    const seeded = await start();
    const lying = deployments.seed({
      sha: seeded.c1,
      environment: "production",
      created_at: "2026-11-25T12:00:00Z",
      payload: poisoned("abcdefabcdef"),
      statuses: success,
    });
    const payload = writePayload(dispatchBody("production", BAD));
    const r = await runCli(["rollback", "--from-dispatch", payload, "--json"], { cwd: root, env: env() });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.target).toMatchObject({ version: versionId(GOOD), sha: seeded.c1 });
    expect(out.ignoredRecords).toEqual([
      {
        id: String(lying.id),
        why: `the record claims version abcdefabcdef but environments/production/kustomization.yaml at ${seeded.c1.slice(0, 12)} holds version ${versionId(GOOD)}`,
      },
    ]);
    expect(gh.fileAt("main", OVERLAY("production"))).not.toContain("attacker");
  });

  it("--to a planted record's version is refused (exit 1), nothing written", async () => {
    const seeded = await start();
    deployments.seed({
      sha: seeded.c1,
      environment: "production",
      created_at: "2026-11-25T12:00:00Z",
      payload: poisoned("abcdefabcdef"),
      statuses: success,
    });
    const r = await runCli(["rollback", "production", "--to", "abcdefabcdef", "--reason", "x"], {
      cwd: root,
      env: env(),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("refusing to roll production back to abcdefabcdef: the record claims version");
    expect(gh.writes()).toEqual([]);
    expect(argo.actions).toEqual([]);
  });
});
