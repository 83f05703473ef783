// Bad input, as the built CLI sees it: each case exits with the documented code, names the culprit
// and writes nothing (git refs, work tree, local ledger file, requests to the GitHub fake).
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { TEST_NOW } from "../helpers/clock.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { addGitHubDeployments } from "../helpers/fake-github-deployments.js";
import { DEFAULT_COMPONENTS, fixtureFiles, git, gitRepo, pinned, uniform } from "../promotion/fixture.js";

const REGISTRY = "us-central1-docker.pkg.dev/ngx-agents/ngx";
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function repoWith(edit: (files: Record<string, string>) => void = () => {}): string {
  const files = fixtureFiles({ dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")) });
  edit(files);
  const dir = gitRepo(files);
  made.push(dir);
  return dir;
}

/** everything a command could write locally: refs, the work tree, the local ledger */
function written(dir: string): string {
  const ledger = join(dir, ".git/ngx-ledger.json");
  return [
    git(dir, "for-each-ref", "--format=%(refname) %(objectname)"),
    git(dir, "status", "--porcelain"),
    existsSync(ledger) ? readFileSync(ledger, "utf8") : "(no ledger)",
  ].join("\n--\n");
}

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

describe("release --image with :latest", () => {
  it("exit 2 naming latest; nothing committed", async () => {
    const dir = repoWith();
    const before = written(dir);
    const r = await runCli(["release", "--image", `api-gateway=${REGISTRY}/api-gateway:latest`], {
      cwd: dir,
      env: { NGX_NOW: TEST_NOW },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--image api-gateway: tag "latest" names no version/);
    expect(written(dir)).toBe(before);
  });
});

describe("freezeWindows checked when the configuration loads", () => {
  const withFreeze = (window: string) =>
    repoWith((files) => {
      files["environments/promotion.yaml"] += `    freezeWindows:\n${window}`;
    });
  const cases: [string, string, RegExp][] = [
    [
      "a cron field out of range",
      '      - start: "99 18 * * 5"\n        duration: 62h\n',
      /environments\/promotion\.yaml: field environments\.2\.freezeWindows\.0\.start: "99 18 \* \* 5": minute "99": 99 is above the maximum 59/,
    ],
    [
      "an unknown time zone",
      '      - start: "0 18 * * 5"\n        duration: 62h\n        timezone: Europe/Atlantis\n',
      /field environments\.2\.freezeWindows\.0\.timezone: unknown time zone "Europe\/Atlantis"/,
    ],
    [
      "day-of-week 7",
      '      - start: "0 18 * * 7"\n        duration: 62h\n',
      /freezeWindows\.0\.start: "0 18 \* \* 7": day-of-week "7": 7 is above the maximum 6/,
    ],
  ];
  for (const [what, window, message] of cases) {
    it(`${what}: validate, plan and gate exit 2 naming the field`, async () => {
      const dir = withFreeze(window);
      const before = written(dir);
      for (const args of [["validate"], ["plan"], ["gate", "production"]]) {
        const r = await runCli(args, { cwd: dir, env: { NGX_NOW: TEST_NOW } });
        expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(message);
      }
      expect(written(dir)).toBe(before);
    });
  }

  it("a valid window still loads (names and ? as Kubernetes reads them)", async () => {
    const dir = withFreeze(
      '      - start: "0 18 ? * fri"\n        duration: 62h\n        timezone: Europe/Madrid\n',
    );
    const r = await runCli(["gate", "production", "--json"], { cwd: dir, env: { NGX_NOW: TEST_NOW } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/freezeWindows/);
  });
});

describe("NGX_NOW that is not ISO-8601", () => {
  const REF = `${REGISTRY}/orchestrator:1.3.0@sha256:${"c".repeat(64)}`;
  const commands: string[][] = [
    ["plan"],
    ["validate"],
    ["render", "dev"],
    ["diff", "dev"],
    ["gate", "staging"],
    ["status"],
    ["promote", "dev", "staging"],
    ["release", "--image", `orchestrator=${REF}`],
    ["record", "dev"],
    ["rollback", "staging", "--reason", "test"],
    ["unreject", "0123456789ab", "--reason", "test"],
    ["backup", "status", "production"],
    ["backup", "run", "production"],
    ["backup", "schedule", "production", "--cron", "0 2 * * *"],
    ["metrics"],
    ["analyze", "dev"],
    ["judge", "simulate", "--runs", "10"],
  ];
  it("every command exits 2 naming NGX_NOW before doing anything", async () => {
    const dir = repoWith();
    const before = written(dir);
    for (const args of commands) {
      const r = await runCli(args, { cwd: dir, env: { NGX_NOW: "12" } });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('error: NGX_NOW "12" is not an ISO-8601 time with a zone');
      expect(r.stdout).toBe("");
    }
    expect(written(dir)).toBe(before);
  });
});

describe("GITHUB_API_URL that is not a URL", () => {
  it("exit 2 at once, before any request", async () => {
    const dir = repoWith();
    const before = written(dir);
    for (const args of [
      ["promote", "dev", "staging"],
      ["status", "--json"],
    ]) {
      const r = await runCli(args, {
        cwd: dir,
        env: {
          NGX_NOW: TEST_NOW,
          GITHUB_TOKEN: "t",
          GITHUB_REPOSITORY: "acme/delivery",
          GITHUB_API_URL: "not a url",
        },
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('error: GITHUB_API_URL "not a url" is not an http(s) URL');
    }
    expect(written(dir)).toBe(before);
  });
});

describe("metrics --until with a date that does not exist", () => {
  it("exit 2 naming --until", async () => {
    const dir = repoWith();
    const before = written(dir);
    const r = await runCli(["metrics", "--until", "2026-02-30T00:00:00Z"], {
      cwd: dir,
      env: { NGX_NOW: TEST_NOW },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --until "2026-02-30T00:00:00Z" is not an ISO-8601 time');
    expect(written(dir)).toBe(before);
  });
});

describe("setWeight outside 0-100", () => {
  it("is a validate finding (rollout/set-weight) on the step", async () => {
    const dir = repoWith((files) => {
      files["environments/base/orchestrator.yaml"] = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: orchestrator
spec:
  selector:
    matchLabels:
      app: orchestrator
  template:
    metadata:
      labels:
        app: orchestrator
    spec:
      containers:
        - name: orchestrator
          image: ngx/orchestrator
  strategy:
    canary:
      steps:
        - setWeight: 20
        - pause: {duration: 30m}
        - setWeight: 150
`;
    });
    const r = await runCli(["validate", "dev", "--json"], { cwd: dir });
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).findings.filter(
      (f: { rule: string }) => f.rule === "rollout/set-weight",
    );
    expect(findings).toEqual([
      expect.objectContaining({
        object: "Rollout/orchestrator",
        path: "spec.strategy.canary.steps[2].setWeight",
        message: expect.stringContaining("setWeight 150 is outside 0-100"),
      }),
    ]);
  });
});

describe("a command group without its subcommand", () => {
  for (const args of [[], ["judge"], ["backup"]]) {
    it(`ngx-release ${args.join(" ")}: usage on stderr, exit 2`, async () => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^Usage: ngx-release/m);
      expect(r.stdout).toBe("");
    });
  }
  it("asking for help is still exit 0", async () => {
    for (const args of [["help"], ["--help"], ["backup", "--help"], ["help", "backup"]]) {
      const r = await runCli(args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/^Usage: ngx-release/m);
    }
  });
});

describe("a YAML alias bomb in an overlay", () => {
  const BOMB = [
    "x0: &a0 [x, x, x, x, x, x, x, x, x]",
    ...Array.from({ length: 6 }, (_, i) => `x${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(", ")}]`),
  ].join("\n");
  it("exit 2 naming the file, no stack trace, nothing written", async () => {
    const dir = repoWith((files) => {
      files["environments/dev/kustomization.yaml"] += `${BOMB}\n`;
    });
    const before = written(dir);
    for (const args of [
      ["status"],
      ["gate", "staging"],
      ["record", "dev"],
      ["release", "--image", `orchestrator=${REGISTRY}/orchestrator:1.3.0`],
      ["promote", "dev", "staging", "--skip-gates", "--reason", "test"],
    ]) {
      const r = await runCli(args, { cwd: dir, env: { NGX_NOW: TEST_NOW } });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/environments\/dev\/kustomization\.yaml.*: its YAML aliases expand too far/);
      noStackTrace(r.stderr);
    }
    // plan and validate report kustomize's refusal as a render finding of dev (exit 1), no crash
    const plan = await runCli(["plan"], { cwd: dir, env: { NGX_NOW: TEST_NOW } });
    expect(plan.code).toBe(1);
    expect(plan.stdout).toMatch(/dev .*render\/failed .*excessive aliasing/);
    noStackTrace(plan.stderr);
    expect(written(dir)).toBe(before);
  });
});

describe("status --json when GitHub refuses the token", () => {
  let gh: FakeGitHub | undefined;
  afterEach(async () => {
    await gh?.server.close();
  });
  it("exit 3 with GitHub's answer, not exit 0", async () => {
    gh = await FakeGitHub.start();
    addGitHubDeployments(gh.server, { repository: gh.repository });
    const dir = repoWith();
    gh.push("main", fixtureFiles({ dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")) }));
    const before = written(dir);
    const r = await runCli(["status", "--json"], {
      cwd: dir,
      env: gh.env({ GITHUB_TOKEN: "revoked", NGX_NOW: TEST_NOW }),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/error: GitHub: .*\(HTTP 401\): Bad credentials/);
    expect(JSON.parse(r.stdout).remoteFailure).toMatch(/HTTP 401/);
    expect(gh.writes()).toHaveLength(0);
    expect(written(dir)).toBe(before);
  });

  it("a token that is plainly not one (blank, or words) is exit 2 before any request", async () => {
    gh = await FakeGitHub.start();
    const dir = repoWith();
    for (const token of ["   ", "paste token here"]) {
      const r = await runCli(["status", "--json"], {
        cwd: dir,
        env: gh.env({ GITHUB_TOKEN: token, NGX_NOW: TEST_NOW }),
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("GITHUB_TOKEN is set but is not a token");
    }
    expect(gh.server.requests).toHaveLength(0);
  });
});
