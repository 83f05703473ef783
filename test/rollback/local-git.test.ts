// Without GITHUB_TOKEN: the rollback branch and commit are made in a real local git repository (the
// working tree untouched), the ledger is .git/ngx-ledger.json; then unreject.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalLedger } from "../../pipeline/src/ledger/local.js";
import { readImages } from "../../pipeline/src/promotion/images.js";
import { runCli } from "../helpers/cli.js";
import { commitFiles } from "../helpers/git.js";
import { git, gitRepo } from "../promotion/fixture.js";
import { BAD, digest, files, GOOD, imagesAt, OVERLAY, versionId } from "./fixture.js";

let root: string;
let c1: string;
let c2: string;

beforeAll(async () => {
  root = gitRepo(files(GOOD));
  c1 = git(root, "rev-parse", "HEAD");
  const bad = files(BAD);
  writeFileSync(join(root, OVERLAY("staging")), bad[OVERLAY("staging")] as string);
  git(root, "commit", "-q", "-am", "staging 1.1.0");
  c2 = git(root, "rev-parse", "HEAD");
  const ledger = await LocalLedger.open(root);
  const good = await ledger.recordDeployment({
    environment: "staging",
    sha: c1,
    images: imagesAt("staging", GOOD),
    version: versionId(GOOD),
  });
  await ledger.setStatus(good.id, { state: "success", description: "Synced and Healthy" });
  const failing = await ledger.recordDeployment({
    environment: "staging",
    sha: c2,
    images: imagesAt("staging", BAD),
    version: versionId(BAD),
  });
  await ledger.setStatus(failing.id, { state: "in_progress" });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("rollback with the local forge and ledger", () => {
  it("commits the old images on rollback/staging, rejects the version, says the abort was not done", async () => {
    const r = await runCli(["rollback", "staging", "--reason", "5xx spike after 1.1.0"], { cwd: root });
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`staging rolled back from ${versionId(BAD)} to ${versionId(GOOD)}`);
    expect(r.stdout).toContain("abort: NOT done: ARGOCD_SERVER is not set");
    expect(r.stdout).toContain("--- pull request text ---");
    const onBranch = git(root, "show", `rollback/staging:${OVERLAY("staging")}`);
    expect(readImages(onBranch, "s").map((i) => i.digest)).toEqual([digest(GOOD), digest(GOOD)]);
    expect(git(root, "rev-parse", "rollback/staging^")).toBe(c2);
    // main and the working tree are untouched
    expect(git(root, "rev-parse", "main")).toBe(c2);
    expect(git(root, "status", "--porcelain")).toBe("");
    const stored = JSON.parse(readFileSync(join(root, ".git", "ngx-ledger.json"), "utf8"));
    expect(stored.rejections).toEqual([
      expect.objectContaining({
        version: versionId(BAD),
        rejected: true,
        environment: "staging",
        reason: "5xx spike after 1.1.0",
      }),
    ]);
    const failing = stored.deployments.find((d: { sha: string }) => d.sha === c2);
    expect(failing.statuses.at(-1)).toMatchObject({
      state: "failure",
      description: "rolled back: 5xx spike after 1.1.0",
    });

    // status lists the version as rejected, with the reason
    const status = await runCli(["status", "staging", "--json"], { cwd: root });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).rejected).toEqual([
      expect.objectContaining({ version: versionId(BAD), rejected: true, reason: "5xx spike after 1.1.0" }),
    ]);
  });

  it("unreject: allows the version again; a second unreject and a bad id are refused (exit 2)", async () => {
    let r = await runCli(["unreject", versionId(BAD), "--reason", "root cause was upstream"], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`unrejected ${versionId(BAD)} (rejected in staging`);
    const stored = JSON.parse(readFileSync(join(root, ".git", "ngx-ledger.json"), "utf8"));
    expect(stored.rejections.at(-1)).toMatchObject({
      version: versionId(BAD),
      rejected: false,
      reason: "root cause was upstream",
    });
    r = await runCli(["unreject", versionId(BAD), "--reason", "again"], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`version ${versionId(BAD)} is not rejected`);
    r = await runCli(["unreject", "1.1.0", "--reason", "x"], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"1.1.0" is not a version id');
    r = await runCli(["unreject", versionId(BAD)], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--reason");
  });
});

describe("last known good beyond the newest deployments", () => {
  it("looks further back when none of the 10 newest succeeded (library call, local forge and ledger)", async () => {
    const { LocalGitForge } = await import("../../pipeline/src/adapters/local-git.js");
    const { loadRepo } = await import("../../pipeline/src/config/load.js");
    const { rollback } = await import("../../pipeline/src/rollback/rollback.js");
    // main: GOOD (deployed, succeeded), then BAD; the rollback reads GOOD's overlay from Git there
    const dir = gitRepo(files(GOOD));
    try {
      const goodSha = git(dir, "rev-parse", "HEAD");
      const head = commitFiles(
        dir,
        { [OVERLAY("staging")]: files(BAD)[OVERLAY("staging")] as string },
        "BAD",
      );
      const ledger = await LocalLedger.open(dir);
      const good = await ledger.recordDeployment({
        environment: "staging",
        sha: goodSha,
        images: imagesAt("staging", GOOD),
        version: versionId(GOOD),
      });
      await ledger.setStatus(good.id, { state: "success" });
      for (let i = 0; i < 12; i++) {
        const v = `1.0.${i + 1}`;
        const d = await ledger.recordDeployment({
          environment: "staging",
          sha: head,
          images: imagesAt("staging", v),
          version: versionId(v),
        });
        await ledger.setStatus(d.id, { state: "failure" });
      }
      const repo = loadRepo(dir);
      const outcome = await rollback({
        repo,
        forge: new LocalGitForge(dir),
        ledger,
        env: "staging",
        reason: "deep history",
      });
      expect(outcome.status).toBe("rolled-back");
      expect(outcome.target).toMatchObject({ version: versionId(GOOD), how: "last-known-good" });
      expect(outcome.abort?.status).toBe("not-configured");
      expect(readImages(git(dir, "show", `rollback/staging:${OVERLAY("staging")}`), "s")[0]?.digest).toBe(
        digest(GOOD),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
