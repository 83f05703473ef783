// The workflows' own shell steps, run here with bash as GitHub runs them (`bash --noprofile --norc
// -eo pipefail`): which environments a push changed, whether production has something to promote,
// the gate statuses published with the pipeline identity, and the one rendered-diff comment. GitHub is a fake `gh` that
// answers `gh api` from fixtures and logs every call.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commitFiles, git, initRepo, writeFiles } from "../helpers/git.js";
import { digestOf, fixtureFiles } from "../promotion/fixture.js";
import { readWorkflows, type Step } from "./workflow-checks.js";

const root = join(import.meta.dirname, "..", "..");
const workflows = readWorkflows(join(root, ".github", "workflows"));
const scratch = mkdtempSync(join(tmpdir(), "ngx-workflow-scripts-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function step(file: string, job: string, pick: (s: Step) => boolean): string {
  const wf = workflows.find((w) => w.file === file);
  const found = wf?.doc.jobs[job]?.steps?.find(pick);
  if (typeof found?.run !== "string") throw new Error(`${file} job ${job}: step not found`);
  return found.run;
}

let counter = 0;
function fresh(name: string): string {
  counter += 1;
  const dir = join(scratch, `${counter}-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly output: Record<string, string>;
  readonly gh: { method: string; endpoint: string; headers: string[]; fields: Record<string, string> }[];
  readonly npx: { args: string[]; files: Record<string, string> }[];
}

type NpxRoutes = Record<string, { stdout?: string; stderr?: string; code?: number }>;

function fakeCommand(bin: string, name: string, script: string): void {
  const path = join(bin, name);
  writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${join(import.meta.dirname, script)}" "$@"\n`);
  chmodSync(path, 0o755);
}

function jsonLines<T>(file: string): T[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/**
 * Runs one step's script in `cwd` with the given environment; `routes` answer the fake gh,
 * `npxRoutes` the fake npx (that is, ngx-release).
 */
function run(
  script: string,
  cwd: string,
  env: Record<string, string>,
  routes: Record<string, unknown> = {},
  npxRoutes: NpxRoutes = {},
): Ran {
  const dir = fresh("run");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  fakeCommand(bin, "gh", "fake-gh.mjs");
  fakeCommand(bin, "npx", "fake-npx.mjs");
  const files = {
    script: join(dir, "step.sh"),
    output: join(dir, "github_output"),
    log: join(dir, "gh.log"),
    routes: join(dir, "routes.json"),
    npxLog: join(dir, "npx.log"),
    npxRoutes: join(dir, "npx-routes.json"),
  };
  writeFileSync(files.script, script);
  writeFileSync(files.output, "");
  writeFileSync(files.log, "");
  writeFileSync(files.routes, JSON.stringify(routes));
  writeFileSync(files.npxLog, "");
  writeFileSync(files.npxRoutes, JSON.stringify(npxRoutes));
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", files.script], {
    cwd,
    encoding: "utf8",
    env: {
      PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
      HOME: dir,
      RUNNER_TEMP: dir,
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
      GH_FAKE_LOG: files.log,
      GH_FAKE_ROUTES: files.routes,
      NPX_FAKE_LOG: files.npxLog,
      NPX_FAKE_ROUTES: files.npxRoutes,
      ...env,
    },
  });
  const output = Object.fromEntries(
    readFileSync(files.output, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    output,
    gh: jsonLines(files.log),
    npx: jsonLines(files.npxLog),
  };
}

const overlay = (digest: string, extra = "") =>
  `resources:\n  - ../base\nnamespace: ngx-agents\n${extra}images:\n  - name: ngx/orchestrator\n    newName: us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator\n    digest: sha256:${digest.repeat(64)}\npatches:\n  - path: resources.patch.yaml\n`;

describe("promote.yaml: which environments a push changed", () => {
  const script = step("promote.yaml", "changes", (s) => s.id === "changed");
  const repo = fresh("repo");
  const first = initRepo(
    repo,
    {
      "environments/promotion.yaml": "environments: []\n",
      "environments/base/orchestrator/rollout.yaml": "a: 1\n",
      "environments/dev/kustomization.yaml": "a: 1\n",
      "environments/staging/kustomization.yaml": "a: 1\n",
      "environments/production/kustomization.yaml": "a: 1\n",
      "README.md": "x\n",
    },
    "one",
  );

  const commit = (files: Record<string, string>): [string, string] => {
    const before = git(repo, "rev-parse", "HEAD");
    return [before, commitFiles(repo, files, "change")];
  };
  const changed = (event: string, before: string, sha: string) =>
    run(script, repo, { EVENT: event, BEFORE: before, GITHUB_SHA: sha });

  it("a merge of a staging overlay records staging only", () => {
    const [before, sha] = commit({ "environments/staging/kustomization.yaml": "a: 2\n" });
    const r = changed("push", before, sha);
    expect(r.status, r.stderr).toBe(0);
    expect(r.output.environments).toBe('["staging"]');
  });

  it("a change to the base (or rollouts/) records every environment", () => {
    const [before, sha] = commit({ "environments/base/orchestrator/rollout.yaml": "a: 2\n" });
    expect(changed("push", before, sha).output.environments).toBe('["dev","staging","production"]');
    const [b2, s2] = commit({ "rollouts/canary/production/steps.yaml": "x: 1\n" });
    expect(changed("push", b2, s2).output.environments).toBe('["dev","staging","production"]');
  });

  it("a change outside environments/ and rollouts/ records nothing", () => {
    const [before, sha] = commit({ "README.md": "y\n" });
    expect(changed("push", before, sha).output.environments).toBe("[]");
  });

  it("the schedule, a first push (before = 000…) or an unknown before commit record everything", () => {
    const head = git(repo, "rev-parse", "HEAD");
    const all = '["dev","staging","production"]';
    expect(changed("schedule", "", head).output.environments).toBe(all);
    expect(changed("push", "0".repeat(40), head).output.environments).toBe(all);
    expect(changed("push", "f".repeat(40), head).output.environments).toBe(all);
    expect(changed("push", first, head).output.environments).toBe(all);
  });
});

describe("promote.yaml: is there anything to promote into production?", () => {
  const script = step("promote.yaml", "check-production", (s) => s.id === "pending");
  const repoWith = (staging: string, production: string, maxAge = "12h") => {
    const dir = fresh("pending");
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    writeFiles(dir, {
      "environments/promotion.yaml": `environments:\n  - name: dev\n  - name: staging\n  - name: production\n    backup:\n      cronJob: db-backup\n      maxAgeBeforeRelease: ${maxAge}\n`,
      "environments/staging/kustomization.yaml": staging,
      "environments/production/kustomization.yaml": production,
    });
    return dir;
  };

  it("equal images blocks: nothing pending (other differences do not count)", () => {
    const r = run(script, repoWith(overlay("a"), overlay("a", "labels:\n  - pairs: {tier: prod}\n")), {});
    expect(r.status, r.stderr).toBe(0);
    expect(r.output).toMatchObject({ pending: "false", "max-backup-age-ms": String(12 * 3600_000) });
  });

  it("different digests: pending, with the configured maximum backup age", () => {
    const r = run(script, repoWith(overlay("b"), overlay("a"), "30m"), {});
    expect(r.output).toMatchObject({ pending: "true", "max-backup-age-ms": String(30 * 60_000) });
  });

  it("an unreadable maxAgeBeforeRelease fails the step with the value", () => {
    const r = run(script, repoWith(overlay("b"), overlay("a"), "12 hours"), {});
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("backup.maxAgeBeforeRelease 12 hours is not a duration like 12h");
  });
});

describe("gate-status.yaml: gate statuses from the pipeline identity, on the rendered images", () => {
  // the step as GitHub runs it, with the real (built) ngx-release rendering a real repository at the
  // pull request's base and head with kustomize; GitHub is the fake gh
  const script = step(
    "gate-status.yaml",
    "gate-statuses",
    (s) => s.name === "Publish ngx-release/gate-<env>",
  );
  const BOT = "ngx-release[bot]";
  const repo = fresh("pr-repo");
  const base = initRepo(repo, fixtureFiles(), "base");
  const head = (files: Record<string, string>): string => {
    git(repo, "checkout", "-q", "--detach", base);
    return commitFiles(repo, files, "pull request");
  };
  const env = (headRef: string, headSha: string) => ({
    REPO: "ngx/delivery",
    PR: "7",
    BOT,
    HEAD_REF: headRef,
    HEAD_SHA: headSha,
    BASE_SHA: base,
    GH_TOKEN: "t",
    CLI: join(root, "dist", "cli.js"),
    PR_DIR: repo,
    NO_COLOR: "1",
  });
  const commit = (login: string, verified = true) => ({
    sha: "d".repeat(40),
    committer: { login },
    commit: { verification: { verified } },
  });
  const routes = (headSha: string, author = "someone", commits = [commit("someone", false)]) => ({
    "GET repos/ngx/delivery/pulls/7": { number: 7, user: { login: author } },
    "GET repos/ngx/delivery/pulls/7/commits": commits,
    [`POST repos/ngx/delivery/statuses/${headSha}`]: { id: 1 },
  });
  const statuses = (r: Ran) =>
    r.gh
      .filter((c) => c.method === "POST")
      .map((c) => [c.fields.context, c.fields.state, c.fields.description]);
  const publish = (
    headRef: string,
    files: Record<string, string>,
    who?: [string, ReturnType<typeof commit>[]],
  ) => {
    const sha = head(files);
    const r = run(script, scratch, env(headRef, sha), who ? routes(sha, who[0], who[1]) : routes(sha));
    expect(r.status, r.stderr).toBe(0);
    return statuses(r);
  };
  const stagingOverlay = "environments/staging/kustomization.yaml";
  const ok = (e: string) => [`ngx-release/gate-${e}`, "success", `no change to ${e}'s rendered images`];
  const changes = (e: string) => [
    `ngx-release/gate-${e}`,
    "failure",
    `changes ${e}'s rendered images outside a promotion: use ngx-release promote`,
  ];

  it("a change that renders the same images (docs, a label): success for staging and production", () => {
    const overlay = readFileSync(join(repo, stagingOverlay), "utf8");
    expect(
      publish("feature/docs", {
        "README.md": "docs\n",
        [stagingOverlay]: `${overlay}commonAnnotations:\n  team: ai\n`,
      }),
    ).toEqual([ok("staging"), ok("production")]);
  });

  it("images: of production changed outside a promotion: failure for production only", () => {
    const file = "environments/production/kustomization.yaml";
    const text = readFileSync(join(repo, file), "utf8").replaceAll(digestOf("1.0.0"), digestOf("6.6.6"));
    expect(publish("feature/sneaky", { [file]: text })).toEqual([ok("staging"), changes("production")]);
  });

  it("an image set by a patch of the staging overlay: failure for staging", () => {
    const overlay = readFileSync(join(repo, stagingOverlay), "utf8");
    expect(
      publish("feature/patch", {
        [stagingOverlay]: `${overlay}patches:\n  - path: image.patch.yaml\n`,
        "environments/staging/image.patch.yaml":
          "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orchestrator\nspec:\n  template:\n    spec:\n      containers:\n        - name: orchestrator\n          image: docker.io/attacker/miner:1.0\n",
      }),
    ).toEqual([changes("staging"), ok("production")]);
  });

  it("an image changed in the base (no overlay touched): failure for every environment", () => {
    const file = "environments/base/orchestrator.yaml";
    const text = readFileSync(join(repo, file), "utf8").replace(
      "image: ngx/orchestrator",
      "image: docker.io/attacker/miner:1.0",
    );
    expect(publish("feature/base", { [file]: text })).toEqual([changes("staging"), changes("production")]);
  });

  it("an overlay that no longer builds: failure naming the exit code, never success", () => {
    expect(publish("feature/broken", { [stagingOverlay]: "resources:\n  - ../missing\n" })).toEqual([
      [
        "ngx-release/gate-staging",
        "failure",
        "staging's rendered images could not be compared (ngx-release diff exit 2)",
      ],
      ok("production"),
    ]);
  });

  it("rollback/<env> gets success only when the pipeline made it (author and every commit, signed)", () => {
    const file = "environments/staging/kustomization.yaml";
    const text = readFileSync(join(repo, file), "utf8").replaceAll(digestOf("1.0.0"), digestOf("0.9.0"));
    const rollback = "ngx-release/gate-staging";
    expect(publish("rollback/staging", { [file]: text }, [BOT, [commit(BOT)]])).toEqual([
      [rollback, "success", `rollback made by the pipeline (${BOT})`],
      ok("production"),
    ]);
    const notMade = [rollback, "failure", `rollback/staging was not made by the pipeline identity (${BOT})`];
    // someone else's branch named rollback/staging
    expect(publish("rollback/staging", { [file]: text }, ["mallory", [commit("mallory")]])[0]).toEqual(
      notMade,
    );
    // the pipeline's PR with a pushed commit on top, or a commit that only claims the App's e-mail
    expect(publish("rollback/staging", { [file]: text }, [BOT, [commit(BOT), commit("mallory")]])[0]).toEqual(
      notMade,
    );
    expect(publish("rollback/staging", { [file]: text }, [BOT, [commit(BOT, false)]])[0]).toEqual(notMade);
  });

  it("promote/<env>: the pipeline's own PR is left to the Promote workflow; anyone else's fails", () => {
    const file = "environments/production/kustomization.yaml";
    const text = readFileSync(join(repo, file), "utf8").replaceAll(digestOf("1.0.0"), digestOf("1.1.0"));
    expect(publish("promote/production", { [file]: text }, [BOT, [commit(BOT)]])).toEqual([ok("staging")]);
    expect(publish("promote/production", { [file]: text }, ["mallory", [commit("mallory")]])).toEqual([
      ok("staging"),
      [
        "ngx-release/gate-production",
        "failure",
        `promote/production was not made by the pipeline identity (${BOT})`,
      ],
    ]);
  });

  it("GitHub failing while reading the pull request fails the step (no status guessed)", () => {
    const sha = head({ "README.md": "x\n" });
    const r = run(script, scratch, env("feature/x", sha), {
      [`POST repos/ngx/delivery/statuses/${sha}`]: { id: 1 },
    });
    expect(r.status).not.toBe(0);
    expect(statuses(r)).toEqual([]);
  });
});

describe("scripts/pipeline-made.sh and the Promote workflow's gate reports", () => {
  const BOT = "ngx-release[bot]";
  const script = `bash "${join(root, "scripts", "pipeline-made.sh")}" ngx/delivery promote/production "${BOT}"\n`;
  const list = "GET repos/ngx/delivery/pulls?head=ngx:promote/production&base=main&state=open";
  const commit = (login: string, verified = true) => ({
    sha: "e".repeat(40),
    committer: { login },
    commit: { verification: { verified } },
  });
  const answer = (author: string, commits: ReturnType<typeof commit>[]) =>
    run(
      script,
      scratch,
      { GH_TOKEN: "t" },
      {
        [list]: [{ number: 9 }],
        "GET repos/ngx/delivery/pulls/9": { number: 9, user: { login: author } },
        "GET repos/ngx/delivery/pulls/9/commits": commits,
      },
    );

  it("true only when the App opened the PR and made and signed every commit", () => {
    const own = answer(BOT, [commit(BOT), commit(BOT)]);
    expect(own.status, own.stderr).toBe(0);
    expect(own.stdout).toBe("true\n");
    expect(answer(BOT, [commit(BOT), commit("mallory")]).stdout).toBe("false\n");
    expect(answer(BOT, [commit(BOT, false)]).stdout).toBe("false\n");
    expect(answer("mallory", [commit(BOT)]).stdout).toBe("false\n");
  });

  it("none without an open PR; a GitHub failure fails (no answer guessed)", () => {
    const none = run(script, scratch, { GH_TOKEN: "t" }, { [list]: [] });
    expect(none.stdout).toBe("none\n");
    const failing = run(script, scratch, { GH_TOKEN: "t" }, { [list]: [{ number: 9 }] });
    expect(failing.status).not.toBe(0);
    expect(failing.stdout).toBe("");
  });

  it("check-production: with commits the pipeline did not make, the gate runs without --report", () => {
    const gate = step("promote.yaml", "check-production", (s) => s.id === "gate");
    const r = run(gate, scratch, { OWN: "false" }, {}, { "ngx-release gate production": { code: 0 } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.npx.map((c) => c.args)).toEqual([["ngx-release", "gate", "production"]]);
    expect(r.output.open).toBe("true");
    const reported = run(
      gate,
      scratch,
      { OWN: "true" },
      {},
      { "ngx-release gate production --report": { code: 1 } },
    );
    expect(reported.npx.map((c) => c.args)).toEqual([["ngx-release", "gate", "production", "--report"]]);
  });

  it("every gate --report of promote.yaml waits for the own check", () => {
    const wf = workflows.find((w) => w.file === "promote.yaml");
    for (const [id, job] of Object.entries(wf?.doc.jobs ?? {})) {
      const steps = job.steps ?? [];
      steps.forEach((st, i) => {
        if (!/gate \w+ --report/.test(st.run ?? "")) return;
        const own = steps.findIndex((x) => x.id === "own");
        expect(own, `${id}: no own check`).toBeGreaterThanOrEqual(0);
        expect(own, `${id}: the own check comes first`).toBeLessThan(i);
        expect(`${st.if ?? ""} ${st.run ?? ""}`, `${id} ${st.name}`).toMatch(
          /steps\.own\.outputs\.own != 'false'|\$OWN" = "false"/,
        );
      });
    }
  });
});

describe("ci.yaml: one rendered-diff comment, updated, never duplicated", () => {
  const script = step("ci.yaml", "rendered-diff-comment", (s) => typeof s.run === "string");
  const marker = "<!-- ngx-release:rendered-diff -->";
  const workdir = fresh("comment");
  writeFiles(workdir, { "rendered-diff/comment.md": `${marker}\n### Rendered diff per environment\n` });
  const env = { GH_TOKEN: "t", REPO: "ngx/delivery", PR: "7", CHANGED: "true" };
  const list = "GET repos/ngx/delivery/issues/7/comments";

  it("without rendered changes: updates an earlier comment, never opens one", () => {
    const none = run(script, workdir, { ...env, CHANGED: "false" }, { [list]: [] });
    expect(none.status, none.stderr).toBe(0);
    expect(none.gh.filter((c) => c.method !== "GET")).toEqual([]);
    const earlier = run(
      script,
      workdir,
      { ...env, CHANGED: "false" },
      {
        [list]: [{ id: 8, user: { login: "github-actions[bot]" }, body: `${marker}\nold diff` }],
        "PATCH repos/ngx/delivery/issues/comments/8": { id: 8 },
      },
    );
    expect(earlier.gh.filter((c) => c.method !== "GET").map((c) => `${c.method} ${c.endpoint}`)).toEqual([
      "PATCH repos/ngx/delivery/issues/comments/8",
    ]);
  });

  it("creates the comment when there is none", () => {
    const r = run(script, workdir, env, {
      [list]: [{ id: 1, user: { login: "someone" }, body: "LGTM" }],
      "POST repos/ngx/delivery/issues/7/comments": { id: 99 },
    });
    expect(r.status, r.stderr).toBe(0);
    const writes = r.gh.filter((c) => c.method !== "GET");
    expect(writes).toEqual([
      expect.objectContaining({
        method: "POST",
        endpoint: "repos/ngx/delivery/issues/7/comments",
        fields: { body: `${marker}\n### Rendered diff per environment\n` },
      }),
    ]);
  });

  it("updates the bot's comment; a person's comment quoting the marker is left alone", () => {
    const r = run(script, workdir, env, {
      [list]: [
        { id: 5, user: { login: "someone" }, body: `${marker} quoted by a person` },
        { id: 8, user: { login: "github-actions[bot]" }, body: `${marker}\nold diff` },
      ],
      "PATCH repos/ngx/delivery/issues/comments/8": { id: 8 },
    });
    expect(r.status, r.stderr).toBe(0);
    const writes = r.gh.filter((c) => c.method !== "GET");
    expect(writes).toEqual([
      expect.objectContaining({ method: "PATCH", endpoint: "repos/ngx/delivery/issues/comments/8" }),
    ]);
    expect(writes[0]?.fields.body).toContain("### Rendered diff per environment");
  });
});

describe("rollback.yaml: the environment of a request", () => {
  const script = step("rollback.yaml", "resolve", (s) => s.id === "env");

  it.each([
    ["dev", "dev"],
    ["staging", "staging"],
    ["production", "production-automated"],
  ])("%s → GitHub environment %s", (requested, ghEnv) => {
    const r = run(script, scratch, { REQUESTED: requested });
    expect(r.status, r.stderr).toBe(0);
    expect(r.output).toEqual({ environment: requested, "github-environment": ghEnv });
  });

  it.each([[""], ["prod"], ["production; rm -rf /"]])(
    "refuses %j with exit 2 and a clear message",
    (requested) => {
      const r = run(script, scratch, { REQUESTED: requested });
      expect(r.status).toBe(2);
      expect(r.stdout).toContain(`unknown environment '${requested}' in the rollback request`);
      expect(r.output).toEqual({});
    },
  );
});

describe("backup.yaml: one RPO issue per environment", () => {
  const open = step("backup.yaml", "freshness", (s) => s.name === "Open or update the RPO issue");
  const close = step("backup.yaml", "freshness", (s) => s.name === "Close the RPO issue when fresh again");
  const workdir = fresh("backup");
  writeFiles(workdir, {
    "status.json": JSON.stringify({
      env: "production",
      rpo: "24h",
      lastSuccessAt: "2026-11-24T02:07:00Z",
      age: "2d 5h",
      job: "db-backup-29400000",
      object: "gs://ngx-agents-backups/production/ngx_agents-20261124T020000Z.sql.gz",
      satisfiesRpo: false,
      summary: "last backup 2d 5h ago, RPO 24h",
    }),
  });
  const env = {
    GH_TOKEN: "t",
    REPO: "ngx/delivery",
    ENVIRONMENT: "production",
    RUN_URL: "https://github.com/ngx/delivery/actions/runs/1",
  };
  const list = "GET repos/ngx/delivery/issues?state=open&labels=backup-rpo&per_page=100";
  const staging = { number: 3, title: "Backup RPO missed: staging" };
  const writes = (r: Ran) => r.gh.filter((c) => c.method !== "GET");

  it("opens one issue, labelled, with the figures, when none is open", () => {
    const r = run(open, workdir, env, {
      [list]: [staging, { number: 4, title: "Backup RPO missed: production", pull_request: { url: "x" } }],
      "POST repos/ngx/delivery/issues": { number: 12 },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("opened issue #12");
    const [create, ...rest] = writes(r);
    expect(rest).toEqual([]);
    expect(create).toMatchObject({
      method: "POST",
      endpoint: "repos/ngx/delivery/issues",
      fields: { title: "Backup RPO missed: production", "labels[]": "backup-rpo" },
    });
    expect(create?.fields.body).toContain("last backup 2d 5h ago, RPO 24h");
    expect(create?.fields.body).toContain(
      "| 2026-11-24T02:07:00Z | 2d 5h | 24h | db-backup-29400000 | gs://ngx-agents-backups/production/ngx_agents-20261124T020000Z.sql.gz |",
    );
  });

  it("updates the open issue (and comments) instead of opening another", () => {
    const r = run(open, workdir, env, {
      [list]: [staging, { number: 9, title: "Backup RPO missed: production" }],
      "PATCH repos/ngx/delivery/issues/9": { number: 9 },
      "POST repos/ngx/delivery/issues/9/comments": { id: 1 },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(writes(r).map((c) => `${c.method} ${c.endpoint}`)).toEqual([
      "PATCH repos/ngx/delivery/issues/9",
      "POST repos/ngx/delivery/issues/9/comments",
    ]);
    expect(writes(r)[1]?.fields.body).toMatch(/^Still missed at \d{4}-\d\d-\d\dT.*actions\/runs\/1$/);
  });

  it("closes the open issue when a fresh backup is seen, and does nothing when none is open", () => {
    const closed = run(close, workdir, env, {
      [list]: [{ number: 9, title: "Backup RPO missed: production" }],
      "POST repos/ngx/delivery/issues/9/comments": { id: 1 },
      "PATCH repos/ngx/delivery/issues/9": { number: 9 },
    });
    expect(closed.status, closed.stderr).toBe(0);
    expect(writes(closed).map((c) => [c.method, c.endpoint, c.fields.state ?? ""])).toEqual([
      ["POST", "repos/ngx/delivery/issues/9/comments", ""],
      ["PATCH", "repos/ngx/delivery/issues/9", "closed"],
    ]);
    const nothing = run(close, workdir, env, { [list]: [staging] });
    expect(nothing.status, nothing.stderr).toBe(0);
    expect(writes(nothing)).toEqual([]);
  });

  it("a GitHub failure while looking for the issue fails the step (no duplicate opened)", () => {
    const r = run(open, workdir, env, { "POST repos/ngx/delivery/issues": { number: 12 } });
    expect(r.status).not.toBe(0);
    expect(writes(r)).toEqual([]);
  });
});

describe("rollback.yaml and release.yaml: what reaches ngx-release", () => {
  it("a rollout-aborted dispatch becomes the body the notification sent, read by --from-dispatch", () => {
    const script = step(
      "rollback.yaml",
      "rollback",
      (s) => s.name?.includes("from the Argo Rollouts") ?? false,
    );
    const dir = fresh("dispatch");
    const clientPayload = {
      trigger: "on-analysis-run-failed",
      environment: "production",
      rollout: "orchestrator",
    };
    writeFiles(dir, {
      "event.json": JSON.stringify({
        action: "rollout-aborted",
        branch: "main",
        client_payload: clientPayload,
        repository: { full_name: "ngx/delivery" },
        sender: { login: "argo-bot" },
      }),
    });
    const r = run(script, dir, { GITHUB_EVENT_PATH: join(dir, "event.json") }, {}, { "*": { code: 0 } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.npx).toHaveLength(1);
    const [call] = r.npx;
    expect(call?.args.slice(0, 3)).toEqual(["ngx-release", "rollback", "--from-dispatch"]);
    const file = call?.args[3] as string;
    expect(JSON.parse(call?.files[file] ?? "null")).toEqual({
      event_type: "rollout-aborted",
      client_payload: clientPayload,
    });
  });

  it("a rollback by hand passes the reason (with who asked) as one word, and --to only when given", () => {
    const script = step(
      "rollback.yaml",
      "rollback",
      (s) => s.name?.includes("requested by a person") ?? false,
    );
    const reason = 'p99 $(touch pwned) "quoted"; exit 0';
    const base = { ENVIRONMENT: "staging", REASON: reason, ACTOR: "ana" };
    const without = run(script, scratch, { ...base, TO: "" }, {}, { "*": { code: 0 } });
    expect(without.status, without.stderr).toBe(0);
    expect(without.npx.map((c) => c.args)).toEqual([
      ["ngx-release", "rollback", "staging", "--reason", `${reason} (requested by @ana)`],
    ]);
    const withTo = run(script, scratch, { ...base, TO: "2026-11-20.3" }, {}, { "*": { code: 1 } });
    expect(withTo.status).toBe(1);
    expect(withTo.npx.map((c) => c.args)).toEqual([
      [
        "ngx-release",
        "rollback",
        "staging",
        "--reason",
        `${reason} (requested by @ana)`,
        "--to",
        "2026-11-20.3",
      ],
    ]);
  });

  it("an image-published dispatch becomes one --image <component>=<ref>, whatever the payload holds", () => {
    const script = step("release.yaml", "release", (s) => s.name === "ngx-release release");
    const image = `us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator@sha256:${"a".repeat(64)}`;
    const r = run(script, scratch, { COMPONENT: "orchestrator", IMAGE: image }, {}, { "*": { code: 0 } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.npx.map((c) => c.args)).toEqual([
      ["ngx-release", "release", "--image", `orchestrator=${image}`],
    ]);
    const hostile = run(script, scratch, { COMPONENT: "x; echo", IMAGE: "$(id)" }, {}, { "*": { code: 2 } });
    expect(hostile.status).toBe(2);
    expect(hostile.npx.map((c) => c.args)).toEqual([["ngx-release", "release", "--image", "x; echo=$(id)"]]);
  });

  it("no write token: the writers stop with exit 2 before calling ngx-release", () => {
    for (const [file, job] of [
      ["release.yaml", "release"],
      ["rollback.yaml", "rollback"],
      ["promote.yaml", "record"],
      ["promote.yaml", "promote-staging"],
      ["promote.yaml", "promote-production"],
    ] as const) {
      const script = step(file, job, (s) => s.name === "Require a write token");
      const r = run(script, scratch, { TOKEN: "" });
      expect(r.status, `${file} ${job}`).toBe(2);
      expect(r.stdout).toContain("::error::no write token");
      expect(run(script, scratch, { TOKEN: "ghs_x" }).status).toBe(0);
    }
  });
});

describe("promote.yaml: the production readiness check", () => {
  const backup = step("promote.yaml", "check-production", (s) => s.id === "backup");
  const gate = step("promote.yaml", "check-production", (s) => s.id === "gate");
  const ready = step("promote.yaml", "check-production", (s) => s.id === "ready");
  const statusCall = "ngx-release backup status production --json";
  const hours = (h: number) => String(h * 3600_000);

  it.each([
    ["13h old, 12h allowed", "true", { stdout: JSON.stringify({ ageMs: 13 * 3600_000 }), code: 0 }],
    ["1h old", "false", { stdout: JSON.stringify({ ageMs: 3600_000 }), code: 0 }],
    ["older than the RPO (exit 1)", "true", { stdout: JSON.stringify({ ageMs: 30 * 3600_000 }), code: 1 }],
    ["never backed up", "true", { stdout: JSON.stringify({ satisfiesRpo: false }), code: 1 }],
  ])("backup %s → a backup is needed before the release: %s", (_label, needed, answer) => {
    const r = run(backup, scratch, { MAX_AGE_MS: hours(12) }, {}, { [statusCall]: answer });
    expect(r.status, r.stderr).toBe(0);
    expect(r.output.needed).toBe(needed);
  });

  it("Argo CD failing (exit 3) fails the check instead of guessing", () => {
    const r = run(backup, scratch, { MAX_AGE_MS: hours(12) }, {}, { [statusCall]: { code: 3 } });
    expect(r.status).toBe(3);
    expect(r.output.needed).toBeUndefined();
  });

  const loadtest = step("promote.yaml", "check-production", (s) => s.id === "loadtest");
  const gateJson = "ngx-release gate production --json";
  const withLoadTest = (gate: Record<string, unknown> | undefined, code = 1) => ({
    stdout: JSON.stringify({ open: false, gates: gate ? [{ name: "soak", open: true }, gate] : [] }),
    code,
  });

  it.each([
    [
      "no run recorded",
      { name: "load-test", open: false, reason: "no load test of version abc recorded in staging" },
    ],
    ["a run at another revision", { name: "load-test", open: false, reason: "was load-tested at 1234567" }],
    ["the gate not configured", undefined],
  ])("load-test gate closed (%s) → ngx-release loadtest staging runs", (_label, gate) => {
    const r = run(
      loadtest,
      scratch,
      {},
      {},
      { [gateJson]: withLoadTest(gate), "ngx-release loadtest staging": { code: 0 } },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.npx.map((c) => c.args.join(" "))).toEqual([gateJson, "ngx-release loadtest staging"]);
    expect(r.output.state).toBe("missing");
  });

  it("a valid passed run, or a failed newest run, is not run again", () => {
    const passed = run(
      loadtest,
      scratch,
      {},
      {},
      { [gateJson]: withLoadTest({ name: "load-test", open: true, reason: "ok" }, 0) },
    );
    expect(passed.status, passed.stderr).toBe(0);
    expect(passed.npx.map((c) => c.args.join(" "))).toEqual([gateJson]);
    expect(passed.output.state).toBe("passed");
    const failed = run(
      loadtest,
      scratch,
      {},
      {},
      {
        [gateJson]: withLoadTest({
          name: "load-test",
          open: false,
          reason: "the newest load test of abc in staging at 1234567 (1h ago) did not pass: …",
        }),
      },
    );
    expect(failed.status, failed.stderr).toBe(0);
    expect(failed.npx.map((c) => c.args.join(" "))).toEqual([gateJson]);
    expect(failed.stdout).toContain("::notice::the newest load test");
  });

  it("an SLO breach (exit 1) keeps production gated without failing the job; exit 2/3 fail it", () => {
    const gate = { name: "load-test", open: false, reason: "no load test" };
    const breached = run(
      loadtest,
      scratch,
      {},
      {},
      { [gateJson]: withLoadTest(gate), "ngx-release loadtest staging": { code: 1 } },
    );
    expect(breached.status).toBe(0);
    expect(breached.stdout).toContain("::warning::the staging load test did not pass");
    for (const code of [2, 3]) {
      expect(
        run(
          loadtest,
          scratch,
          {},
          {},
          { [gateJson]: withLoadTest(gate), "ngx-release loadtest staging": { code } },
        ).status,
      ).toBe(code);
      expect(run(loadtest, scratch, {}, {}, { [gateJson]: { code } }).status).toBe(code);
    }
  });

  it.each([
    [0, "true"],
    [1, "false"],
  ])("gate --report exit %i → open=%s", (code, open) => {
    const r = run(gate, scratch, {}, {}, { "ngx-release gate production --report": { code } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.output.open).toBe(open);
  });

  it("gate exit 2 or 3 fails the step", () => {
    for (const code of [2, 3]) {
      expect(run(gate, scratch, {}, {}, { "ngx-release gate production --report": { code } }).status).toBe(
        code,
      );
    }
  });

  it.each([
    ["true", "true", "false", "true"],
    ["true", "false", "true", "true"],
    ["true", "false", "false", "false"],
    ["false", "", "", "false"],
  ])("pending=%s open=%s backup=%s → ready=%s", (PENDING, OPEN, BACKUP, expected) => {
    const r = run(ready, scratch, { PENDING, OPEN, BACKUP });
    expect(r.status, r.stderr).toBe(0);
    expect(r.output.ready).toBe(expected);
  });

  it("promote staging production: a closed gate (exit 1) is not a failure, exit 3 is", () => {
    const promote = step("promote.yaml", "promote-production", (s) => s.id === "promote");
    const closed = run(promote, scratch, {}, {}, { "ngx-release promote staging production": { code: 1 } });
    expect(closed.status).toBe(0);
    expect(closed.stdout).toContain("a gate into production is closed");
    expect(
      run(promote, scratch, {}, {}, { "ngx-release promote staging production": { code: 3 } }).status,
    ).toBe(3);
  });
});
