// promote / release through the local-git forge on real git repositories: branches and commits via
// plumbing, the user's working tree and index untouched, pull request records in the git dir.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createForge } from "../../pipeline/src/adapters/forge-factory.js";
import { LocalGitForge } from "../../pipeline/src/adapters/local-git.js";
import { loadRepo } from "../../pipeline/src/config/load.js";
import { InputError } from "../../pipeline/src/errors.js";
import { readImages } from "../../pipeline/src/promotion/images.js";
import { listOpenPromotionPullRequests, promote } from "../../pipeline/src/promotion/promote.js";
import { release } from "../../pipeline/src/promotion/release.js";
import { DEFAULT_COMPONENTS, fixtureFiles, git, gitRepo, overlay, pinned, uniform } from "./fixture.js";

const STAGING = "environments/staging/kustomization.yaml";
const DEV = "environments/dev/kustomization.yaml";

function setup() {
  const dir = gitRepo(fixtureFiles({ dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")) }));
  return { dir, repo: loadRepo(dir) };
}

describe("local git forge", () => {
  it("is chosen without GITHUB_TOKEN", async () => {
    const { repo } = setup();
    expect((await createForge({}, repo)).kind).toBe("local");
  });

  it("first promotion, rerun and superseding version, with the working tree and index untouched", async () => {
    const { dir, repo } = setup();
    const forge = new LocalGitForge(dir);
    // a local edit elsewhere and a staged file must survive
    writeFile(dir, "notes.txt", "mine\n");
    git(dir, "add", "notes.txt");
    const statusBefore = git(dir, "status", "--porcelain");
    const main = git(dir, "rev-parse", "main");

    const first = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(first.outcome?.commit.status).toBe("created");
    const head = git(dir, "rev-parse", "promote/staging");
    expect(git(dir, "rev-parse", "promote/staging^@")).toBe(main);
    expect(git(dir, "diff", "--name-only", "main", "promote/staging")).toBe(STAGING);
    const after = git(dir, "show", `promote/staging:${STAGING}`);
    expect(readImages(after, STAGING).map((i) => i.newTag)).toEqual(["1.1.0", "1.1.0"]);
    // only the four image lines differ
    expect(git(dir, "diff", "--numstat", "main", "promote/staging")).toBe(`4\t4\t${STAGING}`);
    expect(git(dir, "status", "--porcelain")).toBe(statusBefore);
    expect(git(dir, "rev-parse", "HEAD")).toBe(main);
    expect(readFileSync(join(dir, STAGING), "utf8")).toContain('newTag: "1.0.0"');
    expect(first.outcome?.pullRequest).toMatchObject({ number: 1, labels: ["promotion", "env:staging"] });

    const rerun = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(rerun.outcome?.commit.status).toBe("unchanged");
    expect(rerun.outcome?.pullRequestStatus).toBe("unchanged");
    expect(git(dir, "rev-parse", "promote/staging")).toBe(head);

    // dev moves on (a commit on main), the same branch and PR are updated
    writeFile(dir, DEV, overlay("dev", uniform(DEFAULT_COMPONENTS, pinned("1.2.0"))));
    git(dir, "commit", "-q", "-m", "dev 1.2.0", "--", DEV);
    const newMain = git(dir, "rev-parse", "main");
    const sup = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(sup.outcome?.commit.status).toBe("updated");
    expect(git(dir, "rev-parse", "promote/staging^@").split("\n")).toEqual([head, newMain]);
    expect(sup.outcome?.pullRequest?.number).toBe(1);
    expect(sup.outcome?.pullRequest?.body).toContain(
      `- api-gateway 1.1.0, orchestrator 1.1.0 (\`${head.slice(0, 7)}\`)`,
    );
    expect(await listOpenPromotionPullRequests(forge)).toHaveLength(1);
  });

  it("two promotions at once: one branch with one commit, one PR", async () => {
    const { dir, repo } = setup();
    const results = await Promise.all([
      promote({ repo, forge: new LocalGitForge(dir), from: "dev", to: "staging" }),
      promote({ repo, forge: new LocalGitForge(dir), from: "dev", to: "staging" }),
    ]);
    expect(results.map((r) => r.outcome?.commit.sha)).toEqual([
      git(dir, "rev-parse", "promote/staging"),
      git(dir, "rev-parse", "promote/staging"),
    ]);
    expect(git(dir, "rev-list", "--count", "main..promote/staging")).toBe("1");
    expect(await new LocalGitForge(dir).listOpenPullRequests()).toHaveLength(1);
  });

  it("release into dev (write: commit) on the checked-out main: one commit, checkout in step", async () => {
    const { dir, repo } = setup();
    const ref = `us-central1-docker.pkg.dev/ngx-agents/ngx/api-gateway:1.5.0@sha256:${"b".repeat(64)}`;
    const r = await release({ repo, forge: new LocalGitForge(dir), images: [`api-gateway=${ref}`] });
    expect(r.outcome?.mode).toBe("commit");
    expect(git(dir, "rev-list", "--count", "main")).toBe("2");
    expect(git(dir, "status", "--porcelain")).toBe("");
    expect(readFileSync(join(dir, DEV), "utf8")).toContain('newTag: "1.5.0"');
  });

  it("release into an environment with write: pull-request opens release/<env>; a newer image supersedes", async () => {
    const dir = gitRepo(fixtureFiles({ devWrite: "pull-request" }));
    const repo = loadRepo(dir);
    const forge = new LocalGitForge(dir);
    const ref = (v: string) =>
      `us-central1-docker.pkg.dev/ngx-agents/ngx/api-gateway:${v}@sha256:${v[0]?.repeat(64)}`;
    const first = await release({ repo, forge, images: [`api-gateway=${ref("2.0.0")}`] });
    expect(first.outcome).toMatchObject({
      mode: "pull-request",
      branch: "release/dev",
      pullRequestStatus: "created",
    });
    expect(first.outcome?.pullRequest?.labels).toEqual(["release", "env:dev"]);
    expect(git(dir, "rev-list", "--count", "main")).toBe("1");
    const second = await release({ repo, forge, images: [`api-gateway=${ref("3.0.0")}`] });
    expect(second.outcome).toMatchObject({ pullRequestStatus: "updated", commit: { status: "updated" } });
    expect(second.outcome?.pullRequest?.title).toBe("Release dev: api-gateway 3.0.0");
    expect(second.outcome?.superseded).toEqual([
      { sha: first.outcome?.commit.sha, summary: "api-gateway 2.0.0" },
    ]);
  });

  it("release refuses to commit over local edits of the overlay, writing nothing", async () => {
    const { dir, repo } = setup();
    writeFile(dir, DEV, `${readFileSync(join(dir, DEV), "utf8")}# my edit\n`);
    const ref = `us-central1-docker.pkg.dev/ngx-agents/ngx/api-gateway:1.5.0@sha256:${"b".repeat(64)}`;
    const e = await release({ repo, forge: new LocalGitForge(dir), images: [`api-gateway=${ref}`] }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toMatch(/environments\/dev\/kustomization.yaml has local changes/);
    expect(git(dir, "rev-list", "--count", "main")).toBe("1");
  });

  it("a branch merged or deleted by hand no longer counts as an open pull request; the next promotion opens a new one", async () => {
    const { dir, repo } = setup();
    const forge = new LocalGitForge(dir);
    await promote({ repo, forge, from: "dev", to: "staging" });
    git(dir, "merge", "-q", "--ff-only", "promote/staging");
    expect(await forge.listOpenPullRequests()).toHaveLength(0);
    git(dir, "branch", "-q", "-D", "promote/staging");
    writeFile(dir, DEV, overlay("dev", uniform(DEFAULT_COMPONENTS, pinned("1.2.0"))));
    git(dir, "commit", "-q", "-m", "dev 1.2.0", "--", DEV);
    const next = await promote({ repo, forge, from: "dev", to: "staging" });
    expect(next.outcome).toMatchObject({ pullRequestStatus: "created", pullRequest: { number: 2 } });
  });

  it("merges a promotion branch by fast-forward when main is not checked out", async () => {
    const { dir, repo } = setup();
    git(dir, "checkout", "-q", "--detach");
    const forge = new LocalGitForge(dir);
    const r = await promote({ repo, forge, from: "dev", to: "staging" });
    const merged = await forge.mergePullRequest(r.outcome?.pullRequest?.number ?? 0, {
      sha: r.outcome?.commit.sha,
    });
    expect(merged).toEqual({ merged: true, sha: r.outcome?.commit.sha });
    expect(git(dir, "rev-parse", "main")).toBe(r.outcome?.commit.sha);
    expect(await forge.listOpenPullRequests()).toHaveLength(0);
  });
});

function writeFile(dir: string, path: string, content: string) {
  writeFileSync(join(dir, path), content);
}
