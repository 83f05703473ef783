// promote / release against the GitHub fake through the real GitHub forge (Octokit with its retry
// and throttling plugins), with a checkout of the same tree for the rendered diff.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Forge } from "../../pipeline/src/adapters/forge.js";
import { createForge } from "../../pipeline/src/adapters/forge-factory.js";
import { loadRepo, type Repo } from "../../pipeline/src/config/load.js";
import { CheckFailedError, ConfigError, InputError, RemoteError } from "../../pipeline/src/errors.js";
import { readImages } from "../../pipeline/src/promotion/images.js";
import { listOpenPromotionPullRequests, promote } from "../../pipeline/src/promotion/promote.js";
import { release } from "../../pipeline/src/promotion/release.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { checkout, DEFAULT_COMPONENTS, fixtureFiles, overlay, pinned, uniform } from "./fixture.js";

const STAGING = "environments/staging/kustomization.yaml";
const DEV = "environments/dev/kustomization.yaml";

let gh: FakeGitHub;
let repo: Repo;
let forge: Forge;

async function setup(files = fixtureFiles({ dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")) })) {
  gh = await FakeGitHub.start();
  gh.push("main", files, "fixture");
  repo = loadRepo(checkout(files));
  forge = await createForge(gh.env(), repo);
}

function bumpDev(version: string) {
  gh.push("main", { [DEV]: overlay("dev", uniform(DEFAULT_COMPONENTS, pinned(version))) }, `dev ${version}`);
}

beforeEach(async () => {
  await setup();
});
afterEach(async () => {
  gh.server.verify();
  await gh.server.close();
});

describe("promote on GitHub", () => {
  it("first promotion: one commit on promote/staging, one PR with labels, only the images changed", async () => {
    const result = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(result.status).toBe("written");
    expect(result.changes.map((c) => c.component)).toEqual(["api-gateway", "orchestrator"]);
    const head = gh.branch("promote/staging") as string;
    const commit = gh.commits.get(head);
    expect(commit?.parents).toEqual([gh.branch("main")]);
    expect(commit?.message).toMatch(/^Promote staging: api-gateway 1\.1\.0, orchestrator 1\.1\.0/);
    const after = gh.fileAt(head, STAGING) as string;
    expect(readImages(after, STAGING).map((i) => i.newTag)).toEqual(["1.1.0", "1.1.0"]);
    // only the images lines differ (comments, order and formatting kept)
    const before = (gh.fileAt("main", STAGING) as string).split("\n");
    const changed = after.split("\n").filter((l, i) => l !== before[i]);
    expect(changed).toHaveLength(4);
    expect(changed.every((l) => /^\s+(newTag|digest):/.test(l))).toBe(true);
    const pulls = gh.openPulls();
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.title).toBe("Promote staging: api-gateway 1.1.0, orchestrator 1.1.0");
    expect(pulls[0]?.labels).toEqual(["promotion", "env:staging"]);
    expect(pulls[0]?.body).toContain("| orchestrator | 1.0.0 | **1.1.0** |");
    expect(pulls[0]?.body).toContain("https://argocd.example.test/applications/argocd/ngx-agents-staging");
    expect(pulls[0]?.body).toContain("<summary><code>Deployment/orchestrator</code> (changed)</summary>");
    // request bodies: tree on base_tree with only the overlay, commit on main, ref created (no force)
    const [tree] = gh.server.callsTo("POST", /\/git\/trees$/);
    expect(tree?.body).toMatchObject({
      base_tree: expect.any(String),
      tree: [{ path: STAGING, mode: "100644", type: "blob" }],
    });
    const [ref] = gh.server.callsTo("POST", /\/git\/refs$/);
    expect(ref?.body).toEqual({ ref: "refs/heads/promote/staging", sha: head });
    const [pr] = gh.server.callsTo("POST", /\/pulls$/);
    expect(pr?.body).toMatchObject({ head: "promote/staging", base: "main" });
    expect(gh.server.callsTo("POST", /\/issues\/1\/labels$/)[0]?.body).toEqual({
      labels: ["promotion", "env:staging"],
    });
  });

  it("rerun: no new commit, no new PR, no write at all", async () => {
    await promote({ repo, forge, from: "dev", to: "staging" });
    const head = gh.branch("promote/staging");
    const writes = gh.writes().length;
    const again = await promote({
      repo,
      forge: await createForge(gh.env(), repo),
      from: "dev",
      to: "staging",
    });
    expect(again.outcome?.commit.status).toBe("unchanged");
    expect(again.outcome?.pullRequestStatus).toBe("unchanged");
    expect(gh.branch("promote/staging")).toBe(head);
    expect(gh.writes().length).toBe(writes);
    expect(gh.pulls).toHaveLength(1);
  });

  it("a newer source version updates the same branch (fast-forward) and PR, which says what it superseded", async () => {
    await promote({ repo, forge, from: "dev", to: "staging" });
    const first = gh.branch("promote/staging") as string;
    bumpDev("1.2.0");
    const result = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(result.outcome?.commit.status).toBe("updated");
    const head = gh.branch("promote/staging") as string;
    expect(gh.isAncestor(first, head)).toBe(true);
    expect(gh.commits.get(head)?.parents).toEqual([first, gh.branch("main")]);
    expect(readImages(gh.fileAt(head, STAGING) as string, STAGING).map((i) => i.newTag)).toEqual([
      "1.2.0",
      "1.2.0",
    ]);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]?.title).toBe("Promote staging: api-gateway 1.2.0, orchestrator 1.2.0");
    expect(gh.pulls[0]?.body).toContain(`- api-gateway 1.1.0, orchestrator 1.1.0 (\`${first.slice(0, 7)}\`)`);
    const update = gh.server.callsTo("PATCH", /\/git\/refs\/heads/).at(-1);
    expect(update?.body).toEqual({ sha: head, force: false });
  });

  it("nothing to promote: no branch, no PR, no write", async () => {
    await setup(fixtureFiles());
    const result = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(result.status).toBe("nothing-to-do");
    expect(gh.writes()).toHaveLength(0);
  });

  it("concurrent promotions: one PR, the newer version on the branch, the older one in its history", async () => {
    // while this run creates the branch, another run with newer versions wins the race
    gh.beforeOnce("POST", /\/git\/refs$/, async () => {
      bumpDev("1.2.0");
      await promote({ repo, forge: await createForge(gh.env(), repo), from: "dev", to: "staging" });
    });
    const loser = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(loser.outcome?.commit.retries).toBe(1);
    expect(gh.server.callsTo("POST", /\/git\/refs$/).length).toBe(2);
    const head = gh.branch("promote/staging") as string;
    // retried from the new base: re-planned from dev@main → already carries 1.2.0, nothing lost
    expect(readImages(gh.fileAt(head, STAGING) as string, STAGING).map((i) => i.newTag)).toEqual([
      "1.2.0",
      "1.2.0",
    ]);
    expect(gh.openPulls()).toHaveLength(1);
    expect(gh.pulls[0]?.title).toContain("1.2.0");
    expect(await listOpenPromotionPullRequests(forge)).toHaveLength(1);
  });

  it("a lost race on a ref update (422 not a fast forward) is re-planned from the new base: no lost change", async () => {
    await promote({ repo, forge, from: "dev", to: "staging" });
    bumpDev("1.2.0");
    // while this run (1.2.0) moves the branch, another run with 1.3.0 moves it first
    gh.beforeOnce("PATCH", /\/git\/refs\/heads%2Fpromote%2Fstaging$/, async () => {
      bumpDev("1.3.0");
      await promote({ repo, forge: await createForge(gh.env(), repo), from: "dev", to: "staging" });
    });
    const r = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(r.outcome?.commit.retries).toBe(1);
    const head = gh.branch("promote/staging") as string;
    expect(readImages(gh.fileAt(head, STAGING) as string, STAGING).map((i) => i.newTag)).toEqual([
      "1.3.0",
      "1.3.0",
    ]);
    expect(gh.openPulls()).toHaveLength(1);
    expect(gh.pulls[0]?.title).toContain("1.3.0");
    const refUpdates = gh.server.callsTo("PATCH", /\/git\/refs\//);
    expect(refUpdates.every((u) => (u.body as { force?: boolean }).force === false)).toBe(true);
  });

  it("a 409 on the ref update is retried from the new base", async () => {
    await promote({ repo, forge, from: "dev", to: "staging" });
    bumpDev("1.2.0");
    gh.fail("PATCH", /\/git\/refs\//, {
      status: 409,
      body: { message: "Reference update failed: conflict" },
    });
    const r = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(r.outcome?.commit).toMatchObject({ status: "updated", retries: 1 });
    expect(gh.server.callsTo("PATCH", /\/git\/refs\//)).toHaveLength(2);
  });

  it("concurrent promotions of the same versions: the second run finds the PR (422 already exists) and writes no duplicate", async () => {
    gh.beforeOnce("POST", /\/pulls$/, async () => {
      await promote({ repo, forge: await createForge(gh.env(), repo), from: "dev", to: "staging" });
    });
    const result = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(result.outcome?.pullRequest?.number).toBe(1);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.server.callsTo("POST", /\/pulls$/)).toHaveLength(2);
    expect(gh.openPulls()[0]?.labels).toEqual(["promotion", "env:staging"]);
  });
});

describe("refusals write nothing", () => {
  const cases: [string, () => Promise<unknown>, unknown, RegExp][] = [
    [
      "unknown environment",
      () => promote({ repo, forge, from: "dev", to: "qa" }),
      InputError,
      /unknown environment "qa" \(valid: dev, staging, production\)/,
    ],
    [
      "backwards",
      () => promote({ repo, forge, from: "staging", to: "dev" }),
      InputError,
      /backwards from staging to dev/,
    ],
    ["skipping", () => promote({ repo, forge, from: "dev", to: "production" }), InputError, /skips staging/],
  ];
  for (const [name, run, type, message] of cases) {
    it(name, async () => {
      const e = await run().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(type as typeof Error);
      expect((e as Error).message).toMatch(message);
      expect(gh.writes()).toHaveLength(0);
    });
  }

  it("--allow-skip promotes over an environment", async () => {
    const r = await promote({ repo, forge, from: "dev", to: "production", allowSkip: true });
    expect(r.outcome?.branch).toBe("promote/production");
  });

  it("a rejected version", async () => {
    const e = await promote({
      repo,
      forge,
      from: "dev",
      to: "staging",
      rejected: {
        findRejected: async (_env, images) => [
          { component: "orchestrator", image: images[1]?.digest ?? "", reason: "canary failed" },
        ],
      },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CheckFailedError);
    expect((e as Error).message).toMatch(
      /rejected version into staging: orchestrator sha256:[0-9a-f]{64} \(canary failed\)/,
    );
    expect(gh.writes()).toHaveLength(0);
  });

  it("source not pinned by digest where staging requires digests", async () => {
    bumpDevTagsOnly();
    const e = await promote({ repo, forge, from: "dev", to: "staging" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toMatch(
      /staging requires images pinned by digest .* dev has api-gateway \(.*api-gateway:2\.0\.0\)/,
    );
    expect(gh.writes()).toHaveLength(0);
  });

  it("malformed overlay YAML and a missing images: block", async () => {
    gh.push("main", { [DEV]: "images: [\n  - name: x\n" });
    const bad = await promote({ repo, forge, from: "dev", to: "staging" }).catch((x: unknown) => x);
    expect(bad).toBeInstanceOf(ConfigError);
    expect((bad as Error).message).toMatch(/environments\/dev\/kustomization.yaml: invalid YAML/);
    gh.push("main", { [DEV]: "resources:\n  - ../base\n" });
    const none = await promote({ repo, forge, from: "dev", to: "staging" }).catch((x: unknown) => x);
    expect(none).toBeInstanceOf(ConfigError);
    expect((none as Error).message).toMatch(/dev\/kustomization.yaml: has no images: block/);
    expect(gh.writes()).toHaveLength(0);
  });
});

function bumpDevTagsOnly() {
  gh.push("main", { [DEV]: overlay("dev", uniform(DEFAULT_COMPONENTS, { tag: "2.0.0" })) });
}

describe("faults", () => {
  it("5xx and secondary rate limits are retried; the promotion completes", async () => {
    gh.fail("POST", /\/git\/commits$/, { status: 502, body: { message: "Server Error" } });
    gh.fail("POST", /\/pulls$/, {
      status: 403,
      headers: { "retry-after": "0" },
      body: {
        message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      },
    });
    const r = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(r.outcome?.pullRequestStatus).toBe("created");
    expect(gh.server.callsTo("POST", /\/git\/commits$/)).toHaveLength(2);
    expect(gh.server.callsTo("POST", /\/pulls$/)).toHaveLength(2);
    expect(gh.pulls).toHaveLength(1);
  });

  it("403 (token lacks contents:write) is not retried, says what is missing, and leaves no branch", async () => {
    gh.readOnly = true;
    const e = await promote({ repo, forge, from: "dev", to: "staging" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).status).toBe(403);
    expect((e as RemoteError).hint).toMatch(/contents:write/);
    expect(gh.server.callsTo("POST", /\/git\/trees$/)).toHaveLength(1);
    expect(gh.branch("promote/staging")).toBeUndefined();
  });

  it("401 is reported as a bad token", async () => {
    forge = await createForge({ ...gh.env(), GITHUB_TOKEN: "wrong" }, repo);
    const e = (await promote({ repo, forge, from: "dev", to: "staging" }).catch(
      (x: unknown) => x,
    )) as RemoteError;
    expect(e).toBeInstanceOf(RemoteError);
    expect(e.status).toBe(401);
    expect(e.hint).toMatch(/invalid or expired/);
    expect(gh.server.requests).toHaveLength(1);
  });

  it("a failure half-way (ref creation keeps failing) leaves no branch on a half-made commit", async () => {
    gh.fail(
      "POST",
      /\/git\/refs$/,
      ...Array.from({ length: 5 }, () => ({ status: 500, body: { message: "Server Error" } })),
    );
    const e = (await promote({ repo, forge, from: "dev", to: "staging" }).catch(
      (x: unknown) => x,
    )) as RemoteError;
    expect(e).toBeInstanceOf(RemoteError);
    expect(e.status).toBe(500);
    expect(gh.branch("promote/staging")).toBeUndefined();
    expect(gh.pulls).toHaveLength(0);
    // a later run completes normally
    await promote({ repo, forge, from: "dev", to: "staging" });
    expect(gh.openPulls()).toHaveLength(1);
  });
});

describe("release on GitHub", () => {
  const ref = `us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator:1.3.0@${`sha256:${"a".repeat(64)}`}`;

  it("writes dev directly (write: commit) with one commit on main", async () => {
    const main = gh.branch("main") as string;
    const r = await release({ repo, forge, images: [`orchestrator=${ref}`] });
    expect(r.outcome?.mode).toBe("commit");
    const head = gh.branch("main") as string;
    expect(gh.commits.get(head)?.parents).toEqual([main]);
    expect(
      readImages(gh.fileAt(head, DEV) as string, DEV).find((i) => i.name === "ngx/orchestrator"),
    ).toEqual({
      name: "ngx/orchestrator",
      newName: "us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator",
      newTag: "1.3.0",
      digest: `sha256:${"a".repeat(64)}`,
    });
    expect(gh.pulls).toHaveLength(0);
  });

  it("an unknown component lists the valid ones; a bad reference names the problem; nothing is written", async () => {
    const e = await release({ repo, forge, images: [`billing=${ref}`] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toMatch(
      /unknown component "billing" \(valid, from images: in environments\/dev\/kustomization.yaml: api-gateway, orchestrator\)/,
    );
    const bad = await release({ repo, forge, images: ["orchestrator=orchestrator:1.4.2"] }).catch(
      (x: unknown) => x,
    );
    expect((bad as Error).message).toMatch(/does not name a registry/);
    expect(gh.writes()).toHaveLength(0);
  });
});

describe("reading", () => {
  it("lists open promotion PRs across pages (Link headers) and ignores other branches", async () => {
    gh.push("promote/staging", {});
    for (let i = 0; i < 130; i++) {
      gh.pulls.push({
        number: i + 1,
        title: `t${i}`,
        body: "",
        head: i === 7 ? "promote/staging" : `feature/${i}`,
        base: "main",
        state: "open",
        merged_at: null,
        labels: [],
        comments: [],
      });
    }
    const open = await listOpenPromotionPullRequests(forge, "main");
    expect(open.map((o) => [o.branch.toString(), o.pullRequest.number])).toEqual([["promote/staging", 8]]);
    const pages = gh.server.callsTo("GET", /\/pulls$/).map((r) => r.query.get("page") ?? "1");
    expect(pages).toEqual(["1", "2"]);
  });

  it("a branch GitHub answers under another name (a renamed branch: the API redirects) is not that branch", async () => {
    const main = gh.branch("main") as string;
    gh.fail("GET", /\/branches\/promote%2Fstaging$/, {
      status: 200,
      body: {
        name: "promote/renamed",
        commit: { sha: main, commit: { tree: { sha: "0".repeat(40) } }, parents: [] },
        protected: false,
      },
    });
    const r = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(r.status).toBe("written");
    expect(r.outcome?.commit.status).toBe("created");
    expect(gh.branch("promote/staging")).toBeDefined();
    expect(gh.server.callsTo("PATCH", /\/git\/refs\//)).toHaveLength(0);
  });

  it("waits out a primary rate limit (x-ratelimit-remaining: 0 until x-ratelimit-reset) and continues", async () => {
    gh.fail("GET", /\/branches\/main$/, {
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000)) },
      body: { message: "API rate limit exceeded for installation ID 1." },
    });
    const r = await promote({ repo, forge, from: "dev", to: "staging", dryRun: true });
    expect(r.status).toBe("planned");
    expect(gh.server.callsTo("GET", /\/branches\/main$/)).toHaveLength(2);
  });

  it("a repository the token cannot see: base branch not found, with the hint", async () => {
    gh.server.allow("GET", /^\/repos\/acme\/other\//, { status: 404, body: { message: "Not Found" } });
    forge = await createForge({ ...gh.env(), GITHUB_REPOSITORY: "acme/other" }, repo);
    const e = (await promote({ repo, forge, from: "dev", to: "staging" }).catch(
      (x: unknown) => x,
    )) as ConfigError;
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/base branch main not found in acme\/other/);
    expect(e.hint).toMatch(/GITHUB_REPOSITORY/);
  });
});
