// The conventions kubectl and gh users expect: `-o json|yaml|table` with `--json` as an alias (errors in
// the format asked for), and the GitHub token taken from GITHUB_TOKEN, else GH_TOKEN, else `gh auth
// token` (a stand-in gh on PATH that prints a token, like the real one after `gh auth login`).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { resolveGitHubToken } from "../../pipeline/src/adapters/github-token.js";
import { type GateRepo, gateRepo } from "../gates/fixture.js";
import { runCli } from "../helpers/cli.js";
import { TEST_NOW } from "../helpers/clock.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { addGitHubDeployments } from "../helpers/fake-github-deployments.js";
import { DEFAULT_COMPONENTS, fixtureFiles, gitRepo, pinned, uniform } from "../promotion/fixture.js";

let repo: GateRepo;
let scratch: string;
beforeAll(() => {
  repo = gateRepo();
  scratch = mkdtempSync(join(tmpdir(), "ngx-conventions-"));
});
afterAll(() => {
  repo.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

describe("-o json|yaml|table", () => {
  const env = { NGX_NOW: TEST_NOW };
  it("-o yaml prints the same document as --json, as YAML; -o json is --json", async () => {
    const json = await runCli(["status", "--json"], { cwd: repo.root, env });
    const yaml = await runCli(["status", "-o", "yaml"], { cwd: repo.root, env });
    const o = await runCli(["status", "--output=json"], { cwd: repo.root, env });
    expect([json.code, yaml.code, o.code]).toEqual([0, 0, 0]);
    expect(yaml.stdout.trimStart().startsWith("{")).toBe(false);
    expect(parse(yaml.stdout)).toEqual(JSON.parse(json.stdout));
    expect(o.stdout).toBe(json.stdout);
    const table = await runCli(["status", "-o", "table"], { cwd: repo.root, env });
    expect(table.stdout).toContain("== dev (ngx-agents-dev)");
  });

  it("errors come in the format asked for", async () => {
    const r = await runCli(["status", "qa", "-o", "yaml"], { cwd: repo.root, env });
    expect(r.code).toBe(2);
    expect(parse(r.stdout)).toEqual({
      error: {
        type: "InputError",
        message: 'unknown environment "qa" (valid: dev, staging, production)',
        exitCode: 2,
      },
    });
    expect(r.stderr).toContain('error: unknown environment "qa"');
  });

  it("refuses an unknown format and --json with another -o (exit 2, nothing on stdout but the error)", async () => {
    let r = await runCli(["status", "-o", "xml"], { cwd: repo.root, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("argument 'xml' is invalid. Allowed choices are table, json, yaml.");
    expect(r.stdout).toBe("");
    r = await runCli(["status", "--json", "-o", "yaml"], { cwd: repo.root, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "error: --json and -o yaml disagree: --json is the same as -o json; give one of them",
    );
    expect(JSON.parse(r.stdout).error.exitCode).toBe(2);
  });
});

describe("GitHub token sources", () => {
  it("GITHUB_TOKEN first, then GH_TOKEN, then gh auth token; none: no token", () => {
    const gh = () => "from-gh";
    expect(resolveGitHubToken({ GITHUB_TOKEN: "a", GH_TOKEN: "b" }, gh)).toMatchObject({
      source: "GITHUB_TOKEN",
      env: { GITHUB_TOKEN: "a" },
    });
    expect(resolveGitHubToken({ GH_TOKEN: " b " }, gh)).toMatchObject({
      source: "GH_TOKEN",
      env: { GITHUB_TOKEN: "b" },
    });
    expect(resolveGitHubToken({}, gh)).toMatchObject({
      source: "gh auth token",
      env: { GITHUB_TOKEN: "from-gh" },
    });
    expect(resolveGitHubToken({}, () => undefined)).toEqual({ env: {} });
    expect(resolveGitHubToken({ NGX_NO_GH_AUTH: "1" }, gh).source).toBeUndefined();
  });

  let fake: FakeGitHub | undefined;
  afterEach(async () => {
    await fake?.server.close();
    fake = undefined;
  });
  const files = () => fixtureFiles({ dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")) });

  async function github(): Promise<FakeGitHub> {
    const f = await FakeGitHub.start();
    addGitHubDeployments(f.server, { repository: f.repository });
    f.push("main", files());
    return f;
  }

  it("GH_TOKEN alone reaches GitHub (the fake accepts only that token)", async () => {
    fake = await github();
    const { GITHUB_TOKEN: _unused, ...env } = fake.env();
    const r = await runCli(["promote", "dev", "staging", "--json"], {
      cwd: gitRepo(files()),
      env: { ...env, GH_TOKEN: fake.token },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ forge: "github", pullRequest: { number: 1 } });
  });

  it("`gh auth token` is asked when neither variable is set", async () => {
    fake = await github();
    const bin = join(scratch, "bin");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, "gh"),
      `#!/bin/sh\n[ "$1 $2" = "auth token" ] && { echo "${fake.token}"; exit 0; }\nexit 1\n`,
    );
    chmodSync(join(bin, "gh"), 0o755);
    const { GITHUB_TOKEN: _unused, ...env } = fake.env();
    const r = await runCli(["promote", "dev", "staging", "--json"], {
      cwd: gitRepo(files()),
      env: { ...env, PATH: `${bin}:${process.env.PATH}`, NGX_NO_GH_AUTH: "" },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ forge: "github", pullRequest: { number: 1 } });
    // the same run with gh logged out stays on the local checkout
    writeFileSync(
      join(bin, "gh"),
      "#!/bin/sh\necho 'You are not logged into any GitHub hosts.' >&2\nexit 1\n",
    );
    const local = await runCli(["promote", "dev", "staging", "--json"], {
      cwd: gitRepo(files()),
      env: { ...env, PATH: `${bin}:${process.env.PATH}`, NGX_NO_GH_AUTH: "" },
    });
    expect(local.code, local.stderr).toBe(0);
    expect(JSON.parse(local.stdout).forge).toBe("local");
  });
});
