// The built CLI as a process: exit codes, --json, --dry-run, refusals writing nothing, GitHub via
// GITHUB_API_URL pointing at the fake.
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { addGitHubDeployments } from "../helpers/fake-github-deployments.js";
import { DEFAULT_COMPONENTS, fixtureFiles, git, gitRepo, pinned, uniform } from "./fixture.js";

const files = () => fixtureFiles({ dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")) });
const REF = `us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator:1.3.0@sha256:${"c".repeat(64)}`;

function refs(dir: string): string {
  return git(dir, "for-each-ref", "--format=%(refname) %(objectname)");
}

describe("ngx-release promote / release (local forge)", () => {
  it("promote --json: opens the branch and PR; a rerun reports unchanged", async () => {
    const dir = gitRepo(files());
    const r = await runCli(["promote", "dev", "staging", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      status: "written",
      environment: "staging",
      branch: "promote/staging",
      forge: "local",
      commit: { status: "created" },
      pullRequest: {
        number: 1,
        status: "created",
        title: "Promote staging: api-gateway 1.1.0, orchestrator 1.1.0",
      },
    });
    expect(out.changes).toHaveLength(2);
    expect(out.changes[0].to).toMatch(/api-gateway:1\.1\.0@sha256:/);
    const again = JSON.parse((await runCli(["promote", "dev", "staging", "--json"], { cwd: dir })).stdout);
    expect(again).toMatchObject({
      commit: { status: "unchanged" },
      pullRequest: { number: 1, status: "unchanged" },
    });
  });

  it("promote prints the PR text for people without a token", async () => {
    const dir = gitRepo(files());
    const r = await runCli(["promote", "dev", "staging"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("pull request #1 created");
    expect(r.stdout).toContain("--- pull request text (labels: promotion, env:staging) ---");
    expect(r.stdout).toContain("### Rendered diff of staging");
  });

  it("--dry-run writes nothing and shows the PR body", async () => {
    const dir = gitRepo(files());
    const before = refs(dir);
    const r = await runCli(["promote", "dev", "staging", "--dry-run"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("--dry-run: nothing written");
    expect(r.stdout).toContain("| orchestrator | 1.0.0 | **1.1.0** |");
    expect(refs(dir)).toBe(before);
  });

  it("nothing to promote → exit 0 and no branch", async () => {
    const dir = gitRepo(fixtureFiles());
    const before = refs(dir);
    const r = await runCli(["promote", "dev", "staging"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("nothing to promote: staging already has the images of dev");
    expect(refs(dir)).toBe(before);
  });

  it.each([
    [["promote", "dev", "qa"], /unknown environment "qa" \(valid: dev, staging, production\)/],
    [["promote", "staging", "dev"], /refusing to promote backwards from staging to dev/],
    [["promote", "dev", "production"], /skips staging/],
    [
      ["release", "--image", "orchestrator=orchestrator:1.3.0"],
      /--image orchestrator: "orchestrator" does not name a registry/,
    ],
    [
      ["release", "--image", `billing=${REF}`],
      /unknown component "billing" \(valid, .*: api-gateway, orchestrator\)/,
    ],
    [["release", "--image", "no-equals-sign"], /expected <component>=<image-ref>/],
  ])("%j → exit 2, clear message, nothing written", async (args, message) => {
    const dir = gitRepo(files());
    const before = refs(dir);
    const r = await runCli(args, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(refs(dir)).toBe(before);
  });

  it("closed gates refuse with exit 1 and the reasons; --skip-gates needs --reason and writes it into the PR", async () => {
    const dir = gitRepo(
      fixtureFiles({ dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")), stagingGates: ["synced-healthy"] }),
    );
    const before = refs(dir);
    const closed = await runCli(["promote", "dev", "staging"], { cwd: dir });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/refusing to promote into staging: 1 gate\(s\) closed/);
    expect(closed.stderr).toMatch(/synced-healthy/);
    const noReason = await runCli(["promote", "dev", "staging", "--skip-gates"], { cwd: dir });
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--skip-gates needs --reason/);
    expect(refs(dir)).toBe(before);
    const skipped = await runCli(
      ["promote", "dev", "staging", "--skip-gates", "--reason", "hotfix 42", "--json"],
      {
        cwd: dir,
      },
    );
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(JSON.parse(skipped.stdout).pullRequest.number).toBe(1);
    const body = git(dir, "show", "promote/staging:environments/staging/kustomization.yaml");
    expect(body).toContain('newTag: "1.1.0"');
    const pr = await runCli(
      ["promote", "dev", "staging", "--skip-gates", "--reason", "hotfix 42", "--dry-run"],
      {
        cwd: dir,
      },
    );
    expect(pr.stdout).toMatch(/> ⚠️ Gates skipped \(--skip-gates\): hotfix 42/);
    expect(pr.stdout).toMatch(/- ❌ \*\*synced-healthy\*\*/);
  });

  it("release commits to dev directly (write: commit)", async () => {
    const dir = gitRepo(files());
    const r = await runCli(["release", "--image", `orchestrator=${REF}`, "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      branch: "main",
      commit: { status: "updated" },
      pullRequest: null,
    });
    expect(git(dir, "log", "-1", "--format=%s")).toBe("Release dev: orchestrator 1.3.0");
  });
});

/** the GitHub fake with the deployments routes the ledger (rejected versions, gates) reads */
async function startGitHub(): Promise<FakeGitHub> {
  const fake = await FakeGitHub.start();
  addGitHubDeployments(fake.server, { repository: fake.repository });
  return fake;
}

describe("ngx-release promote on GitHub (fake)", () => {
  let gh: FakeGitHub | undefined;
  afterEach(async () => {
    gh?.server.verify();
    await gh?.server.close();
  });

  it("--json returns the PR number and URL", async () => {
    gh = await startGitHub();
    gh.push("main", files());
    const r = await runCli(["promote", "dev", "staging", "--json"], {
      cwd: gitRepo(files()),
      env: gh.env(),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      forge: "github",
      pullRequest: { number: 1, url: "https://github.example.test/acme/delivery/pull/1", status: "created" },
    });
    expect(gh.openPulls()[0]?.labels).toEqual(["promotion", "env:staging"]);
  });

  it("a token without contents:write → exit 3 with the permission named; no branch", async () => {
    gh = await startGitHub();
    gh.push("main", files());
    gh.readOnly = true;
    const r = await runCli(["promote", "dev", "staging"], { cwd: gitRepo(files()), env: gh.env() });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/GitHub: creating the tree failed \(HTTP 403\): Resource not accessible/);
    expect(r.stderr).toMatch(/hint: .*contents:write/);
    expect(gh.branch("promote/staging")).toBeUndefined();
  });

  it("GITHUB_TOKEN without a repository (no GITHUB_REPOSITORY, none in promotion.yaml) → exit 2 before any request", async () => {
    gh = await startGitHub();
    const noRepository = files();
    noRepository["environments/promotion.yaml"] = (
      noRepository["environments/promotion.yaml"] as string
    ).replace("repository: acme/delivery\n", "");
    const dir = gitRepo(noRepository);
    const before = refs(dir);
    const { GITHUB_REPOSITORY: _, ...env } = gh.env();
    const r = await runCli(["promote", "dev", "staging"], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "error: GITHUB_TOKEN is set but GITHUB_REPOSITORY is not, and environments/promotion.yaml has no repository",
    );
    expect(r.stderr).toMatch(/hint: export GITHUB_REPOSITORY=<owner>\/<name>/);
    expect(gh.server.requests).toHaveLength(0);
    expect(refs(dir)).toBe(before);
  });

  it("GITHUB_REPOSITORY that is not owner/name → exit 2 before any request", async () => {
    gh = await startGitHub();
    const dir = gitRepo(files());
    const r = await runCli(["promote", "dev", "staging"], {
      cwd: dir,
      env: gh.env({ GITHUB_REPOSITORY: "delivery" }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: GITHUB_REPOSITORY "delivery" is not owner/name');
    expect(gh.server.requests).toHaveLength(0);
  });

  it("release with an invalid reference → exit 2 before any request", async () => {
    gh = await startGitHub();
    gh.push("main", files());
    const r = await runCli(
      ["release", "--image", "orchestrator=us-central1-docker.pkg.dev/ngx/orchestrator@sha256:123"],
      {
        cwd: gitRepo(files()),
        env: gh.env(),
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--image orchestrator: digest "sha256:123" is not sha256:<64 lower-case hex>/);
    expect(gh.server.requests).toHaveLength(0);
  });

  it("malformed overlay YAML on main → exit 2 and no request that writes", async () => {
    gh = await startGitHub();
    gh.push("main", { ...files(), "environments/staging/kustomization.yaml": "images:\n  - name: [\n" });
    const r = await runCli(["promote", "dev", "staging"], { cwd: gitRepo(files()), env: gh.env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/environments\/staging\/kustomization.yaml: invalid YAML/);
    expect(gh.writes()).toHaveLength(0);
  });
});
