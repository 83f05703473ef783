// The GitHub Actions workflows: actionlint clean, pinned actions, least privilege, concurrency that
// keeps promotions and rollbacks apart, timeouts, the triggers the release chain relies on, and
// every `ngx-release` invocation checked against the CLI's own commander definition.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildProgram } from "../../pipeline/src/cli.js";
import {
  actionlint,
  checkInvocation,
  groupOf,
  type Invocation,
  invocations,
  invocationsIn,
  type Job,
  parsedUses,
  readWorkflows,
  substitute,
  unpinnedUses,
  type Workflow,
} from "./workflow-checks.js";

const root = join(import.meta.dirname, "..", "..");
const workflows = readWorkflows(join(root, ".github", "workflows"));
const byFile = (file: string): Workflow => {
  const wf = workflows.find((w) => w.file === file);
  if (!wf) throw new Error(`.github/workflows/${file} is missing`);
  return wf;
};
const jobsOf = (wf: Workflow): [string, Job][] => Object.entries(wf.doc.jobs);

interface ChainConfig {
  environments: { name: string; backup?: unknown }[];
}
const chain = parse(readFileSync(join(root, "environments", "promotion.yaml"), "utf8")) as ChainConfig;
const envNames = chain.environments.map((e) => e.name);

const program = buildProgram();
const allInvocations = invocations(workflows);

/** the command as written: "promote", "backup run", … (literal words, whether or not it exists yet) */
function commandWords(inv: Invocation): string {
  const words = inv.args.filter((a) => !a.startsWith("-"));
  return words[0] === "backup" ? words.slice(0, 2).join(" ") : (words[0] ?? "");
}

/** commands whose run changes Git, the ledger, a status or the cluster */
function isWriter(inv: Invocation): boolean {
  if (inv.args.includes("--dry-run")) return false;
  const command = commandWords(inv);
  return (
    ["release", "promote", "rollback", "record", "unreject", "backup run", "backup schedule"].includes(
      command,
    ) ||
    (command === "gate" && inv.args.includes("--report"))
  );
}

const expected = [
  "backup.yaml",
  "ci.yaml",
  "gate-status.yaml",
  "promote.yaml",
  "release.yaml",
  "rollback.yaml",
];

describe("workflow files", () => {
  it("are the five of the design plus gate-status, each parsed to jobs", () => {
    expect(workflows.map((w) => w.file)).toEqual(expected);
    for (const wf of workflows) expect(Object.keys(wf.doc.jobs ?? {}).length, wf.file).toBeGreaterThan(0);
  });
});

describe("actionlint", () => {
  const lint = actionlint();

  it.each(expected)("%s is clean", async (file) => {
    const wf = byFile(file);
    const results = await lint(wf.text, `.github/workflows/${file}`);
    const report = results.map((r) => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`);
    expect(report).toEqual([]);
  });

  it("is the real linter: it reports a broken workflow", async () => {
    const expr = (e: string) => `$\{{ ${e} }}`;
    const broken = [
      "on: push",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-24.04",
      "    steps:",
      `      - run: echo ${expr("steps.nothing.outputs.x")}`,
      "",
    ].join("\n");
    const results = await lint(broken, "broken.yaml");
    expect(results.map((r) => r.kind)).toContain("expression");
    expect(results.some((r) => /property "nothing" is not defined/.test(r.message))).toBe(true);
  });
});

describe("shell scripts", () => {
  // GitHub runs `run:` with `bash --noprofile --norc -eo pipefail {0}`; expressions become a word
  const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;

  it.each(expected)("%s: every run: script is shellcheck clean", (file) => {
    // `npm test` installs shellcheck; without it this check would pass unseen, so it fails instead
    expect(shellcheck, "shellcheck is not installed (apt-get install shellcheck)").toBe(true);
    const problems: string[] = [];
    for (const [id, job] of jobsOf(byFile(file))) {
      (job.steps ?? []).forEach((step, index) => {
        if (typeof step.run !== "string") return;
        const script = `#!/bin/bash\nset -eo pipefail\n${step.run.replace(/\$\{\{[^}]*\}\}/g, "EXPR")}`;
        // SC2129 (group several >> "$GITHUB_OUTPUT") is style only
        const r = spawnSync("shellcheck", ["-s", "bash", "-e", "SC2129", "-f", "gcc", "-"], {
          input: script,
          encoding: "utf8",
        });
        if (r.status !== 0)
          problems.push(`${file} ${id} step ${index + 1} (${step.name ?? step.uses}):\n${r.stdout}`);
      });
    }
    expect(problems).toEqual([]);
  });
});

describe("supply chain", () => {
  it.each(expected)("%s pins every action by a full commit SHA with a # vX.Y.Z comment", (file) => {
    const wf = byFile(file);
    const { count, problems } = unpinnedUses(wf.text);
    expect(problems.map((p) => `${file}:${p.line} ${p.uses}: ${p.problem}`)).toEqual([]);
    // the line scan saw every uses: the parser sees
    expect(count).toBe(parsedUses(wf).length);
  });

  it("the pin check rejects tags, short SHAs and missing version comments", () => {
    const text = [
      "      - uses: actions/checkout@v4",
      "      - uses: actions/checkout@11bd719",
      "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
      "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2",
    ].join("\n");
    const { count, problems } = unpinnedUses(text);
    expect(count).toBe(4);
    expect(problems.map((p) => [p.line, p.problem])).toEqual([
      [1, "not pinned by a full 40-hex commit SHA"],
      [2, "not pinned by a full 40-hex commit SHA"],
      [3, 'no version comment (expected "# vX.Y.Z", got "")'],
    ]);
  });

  it("no workflow_run anywhere; pull_request_target only in gate-status.yaml", () => {
    for (const wf of workflows) {
      expect(Object.keys(wf.doc.on ?? {}), wf.file).not.toContain("workflow_run");
      if (wf.file !== "gate-status.yaml")
        expect(Object.keys(wf.doc.on ?? {}), wf.file).not.toContain("pull_request_target");
    }
    expect(Object.keys(byFile("gate-status.yaml").doc.on ?? {})).toEqual(["pull_request_target"]);
  });

  it("gate-status.yaml never runs pull request code: the PR is checked out apart, as data; npm and the CLI run from the base branch's checkout", () => {
    const job = byFile("gate-status.yaml").doc.jobs["gate-statuses"] as Job;
    const checkouts = (job.steps ?? []).filter((s) => s.uses?.startsWith("actions/checkout@"));
    const trusted = checkouts.find((s) => s.with?.path === "trusted");
    const pr = checkouts.find((s) => s.with?.ref !== undefined);
    // the trusted checkout is the event's default: on pull_request_target, the base branch
    expect(trusted?.with?.ref).toBeUndefined();
    expect(pr?.with?.path).toBe("pull-request");
    expect(checkouts).toHaveLength(2);
    for (const step of job.steps ?? []) {
      const run = step.run ?? "";
      if (/\bnpm\b/.test(run)) expect(step["working-directory"], step.name).toBe("trusted");
      expect(run, step.name).not.toMatch(/\bnpx\b|pull-request\/|PR_DIR\/|cd "?\$PR_DIR/);
    }
    const publish = (job.steps ?? []).find((s) => s.name === "Publish ngx-release/gate-<env>");
    expect(publish?.env?.CLI).toBe(`$\{{ github.workspace }}/trusted/dist/cli.js`);
    // the pull request reaches ngx-release only as --repo data
    expect(publish?.run).toContain('node "$CLI" --json diff "$env" --repo "$PR_DIR"');
  });

  it("every job holding the App key or the Argo CD token installs without install scripts, then builds", () => {
    let checked = 0;
    for (const wf of workflows) {
      for (const [id, job] of jobsOf(wf)) {
        const text = JSON.stringify(job);
        if (!/secrets\.(RELEASE_APP_PRIVATE_KEY|ARGOCD_AUTH_TOKEN|RELEASE_PAT)/.test(text)) continue;
        const installs = (job.steps ?? []).filter((s) => /\bnpm (ci|install|i)\b/.test(s.run ?? ""));
        expect(installs.length, `${wf.file} ${id}`).toBeGreaterThan(0);
        for (const step of installs) {
          for (const line of (step.run ?? "").split("\n").filter((l) => /\bnpm (ci|install|i)\b/.test(l)))
            expect(line, `${wf.file} ${id}`).toMatch(/^\s*npm ci\b.*--ignore-scripts/);
          // the build that `prepare` would have run, explicitly
          expect(step.run, `${wf.file} ${id}`).toMatch(
            /npm ci[^\n]*--ignore-scripts[^\n]*\n\s*npm run build/,
          );
        }
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it("every GitHub App token is scoped with permission-* inputs to what its job does", () => {
    const scopes: Record<string, Record<string, string>> = {};
    for (const wf of workflows) {
      for (const [id, job] of jobsOf(wf)) {
        for (const step of job.steps ?? []) {
          if (!step.uses?.startsWith("actions/create-github-app-token@")) continue;
          const perms = Object.fromEntries(
            Object.entries(step.with ?? {})
              .filter(([k]) => k.startsWith("permission-"))
              .map(([k, v]) => [k.slice("permission-".length), String(v)]),
          );
          for (const v of Object.values(perms)) expect(["read", "write"]).toContain(v);
          scopes[`${wf.file} ${id}`] = perms;
        }
      }
    }
    const writes = (key: string) =>
      Object.entries(scopes[key] ?? {})
        .filter(([, v]) => v === "write")
        .map(([k]) => k)
        .sort();
    expect(Object.keys(scopes).sort()).toEqual([
      "gate-status.yaml gate-statuses",
      "promote.yaml check-production",
      "promote.yaml promote-production",
      "promote.yaml promote-staging",
      "promote.yaml record",
      "release.yaml release",
      "rollback.yaml rollback",
    ]);
    expect(writes("gate-status.yaml gate-statuses")).toEqual(["statuses"]);
    expect(writes("promote.yaml record")).toEqual(["deployments"]);
    // the staging load test it may run is recorded in the ledger
    expect(writes("promote.yaml check-production")).toEqual(["deployments", "statuses"]);
    expect(writes("release.yaml release")).toEqual(["contents", "issues", "pull-requests"]);
    expect(writes("rollback.yaml rollback")).toEqual(["contents", "deployments", "issues", "pull-requests"]);
    for (const key of ["promote.yaml promote-staging", "promote.yaml promote-production"])
      expect(writes(key)).toEqual(["contents", "issues", "pull-requests", "statuses"]);
    // nothing can touch workflows, administration or secrets
    for (const perms of Object.values(scopes))
      for (const k of ["workflows", "administration", "secrets", "actions", "environments"])
        expect(perms[k]).toBeUndefined();
  });

  it("no Google JSON keys: Google access only through Workload Identity Federation", () => {
    for (const wf of workflows) {
      expect(wf.text, wf.file).not.toMatch(/credentials_json|GOOGLE_APPLICATION_CREDENTIALS/);
      for (const [id, job] of jobsOf(wf)) {
        for (const step of job.steps ?? []) {
          if (!step.uses?.startsWith("google-github-actions/auth@")) continue;
          expect(Object.keys(step.with ?? {}).sort(), `${wf.file} ${id}`).toEqual([
            "service_account",
            "workload_identity_provider",
          ]);
        }
      }
    }
  });

  it("CI, which runs pull request code, holds no secret", () => {
    expect(byFile("ci.yaml").text).not.toMatch(/secrets\./);
  });

  it("checkouts never persist the token in .git/config", () => {
    for (const wf of workflows) {
      for (const [id, job] of jobsOf(wf)) {
        for (const step of job.steps ?? []) {
          if (!step.uses?.startsWith("actions/checkout@")) continue;
          expect(step.with?.["persist-credentials"], `${wf.file} ${id}`).toBe(false);
        }
      }
    }
  });
});

describe("permissions", () => {
  it.each(expected)("%s: top-level permissions are {} and every job declares its own", (file) => {
    const wf = byFile(file);
    expect(wf.doc.permissions).toEqual({});
    for (const [id, job] of jobsOf(wf)) {
      expect(job.permissions, `${file} job ${id} has no permissions:`).toBeTypeOf("object");
      expect(job.permissions, `${file} job ${id}`).not.toBeNull();
    }
  });

  it("id-token: write only in jobs that exchange it with Google (Workload Identity Federation)", () => {
    for (const wf of workflows) {
      for (const [id, job] of jobsOf(wf)) {
        const perms = job.permissions as Record<string, string>;
        const usesAuth = (job.steps ?? []).some((s) => s.uses?.startsWith("google-github-actions/auth@"));
        expect(perms["id-token"] === "write", `${wf.file} job ${id}`).toBe(usesAuth);
      }
    }
  });

  it("a job with secrets runs in a GitHub environment (protected, main only)", () => {
    for (const wf of workflows) {
      for (const [id, job] of jobsOf(wf)) {
        const uses = JSON.stringify(job).includes("secrets.");
        if (uses) expect(job.environment, `${wf.file} job ${id} reads secrets`).toBeTruthy();
      }
    }
  });

  it("a job that may write to pull requests never checks out or runs the pull request's code", () => {
    const ci = byFile("ci.yaml");
    for (const [id, job] of jobsOf(ci)) {
      const perms = job.permissions as Record<string, string>;
      const writes = Object.entries(perms).filter(([, v]) => v === "write");
      if (writes.length === 0) continue;
      for (const [scope] of writes)
        expect(["pull-requests", "statuses"], `ci.yaml job ${id}`).toContain(scope);
      expect(
        (job.steps ?? []).some(
          (s) => s.uses?.startsWith("actions/checkout@") || /\bnpm\b|\bnpx\b/.test(s.run ?? ""),
        ),
        `ci.yaml job ${id} writes and must not run code from the PR`,
      ).toBe(false);
    }
  });
});

describe("timeouts", () => {
  it.each(expected)("%s: every job has timeout-minutes (1..60)", (file) => {
    for (const [id, job] of jobsOf(byFile(file))) {
      const t = job["timeout-minutes"];
      expect(typeof t, `${file} job ${id}`).toBe("number");
      expect(t as number, `${file} job ${id}`).toBeGreaterThan(0);
      expect(t as number, `${file} job ${id}`).toBeLessThanOrEqual(60);
    }
  });
});

describe("triggers", () => {
  const on = (file: string) => byFile(file).doc.on as Record<string, Record<string, unknown> | null>;

  it("ci: pull requests and pushes to main", () => {
    expect(on("ci.yaml")).toHaveProperty("pull_request");
    expect(on("ci.yaml").push?.branches).toEqual(["main"]);
  });

  it("release: repository_dispatch image-published and workflow_dispatch", () => {
    expect(on("release.yaml").repository_dispatch?.types).toEqual(["image-published"]);
    expect(on("release.yaml")).toHaveProperty("workflow_dispatch");
  });

  it("promote: push to main and a schedule", () => {
    expect(on("promote.yaml").push?.branches).toEqual(["main"]);
    expect((on("promote.yaml").schedule as unknown as unknown[]).length).toBeGreaterThan(0);
  });

  it("rollback: repository_dispatch rollout-aborted and workflow_dispatch with a required reason", () => {
    expect(on("rollback.yaml").repository_dispatch?.types).toEqual(["rollout-aborted"]);
    const inputs = on("rollback.yaml").workflow_dispatch?.inputs as Record<string, Record<string, unknown>>;
    expect(inputs.reason?.required).toBe(true);
    expect(inputs.environment?.required).toBe(true);
    expect(inputs.environment?.options).toEqual(envNames);
  });

  it("backup: workflow_dispatch for the environments with a backup, and a daily schedule", () => {
    const inputs = on("backup.yaml").workflow_dispatch?.inputs as Record<string, Record<string, unknown>>;
    const withBackup = chain.environments.filter((e) => e.backup).map((e) => e.name);
    expect(inputs.environment?.options).toEqual(withBackup);
    const schedule = on("backup.yaml").schedule as unknown as { cron: string }[];
    expect(schedule.map((s) => s.cron.split(/\s+/).slice(2).join(" "))).toEqual(["* * *"]);
    const freshness = byFile("backup.yaml").doc.jobs.freshness as {
      strategy: { matrix: { environment: string[] } };
    };
    expect(freshness.strategy.matrix.environment).toEqual(withBackup);
  });
});

describe("the release chain follows environments/promotion.yaml", () => {
  const promotes = allInvocations
    .filter((i) => i.file === "promote.yaml" && commandWords(i) === "promote")
    .map((inv) => ({ inv }));

  it("promote.yaml promotes each consecutive pair, in order", () => {
    const pairs = promotes.map((p) =>
      p.inv.args
        .filter((a) => !a.startsWith("-"))
        .slice(1)
        .join(" → "),
    );
    const expectedPairs = envNames.slice(1).map((to, i) => `${envNames[i]} → ${to}`);
    expect(pairs).toEqual(expectedPairs);
  });

  it("the environments promote.yaml records are those of the chain", () => {
    const script = byFile("promote.yaml").doc.jobs.changes?.steps?.find((s) => s.id === "changed")?.run ?? "";
    expect(/all="([^"]*)"/.exec(script)?.[1]).toBe(envNames.join(" "));
  });

  it("gate-status.yaml publishes the gate statuses of every environment promoted into (non-promotion PRs)", () => {
    const script =
      byFile("gate-status.yaml").doc.jobs["gate-statuses"]?.steps?.find(
        (st) => st.name === "Publish ngx-release/gate-<env>",
      )?.run ?? "";
    expect(/for env in ([a-z ]+); do/.exec(script)?.[1]).toBe(envNames.slice(1).join(" "));
    expect(script).toContain('context="ngx-release/gate-$2"');
  });

  it("the first environment is the one release.yaml writes (its GitHub environment)", () => {
    expect(byFile("release.yaml").doc.jobs.release?.environment).toBe(envNames[0]);
  });
});

describe("concurrency", () => {
  const writers = allInvocations.filter(isWriter);

  it("there are writers in promote, rollback, release and backup", () => {
    expect(new Set(writers.map((w) => w.file))).toEqual(
      new Set(["promote.yaml", "rollback.yaml", "release.yaml", "backup.yaml"]),
    );
  });

  it.each(writers.map((w) => [`${w.file} ${w.job}: ${w.text}`, w] as const))(
    "writer has a concurrency group: %s",
    (_label, w) => {
      const job = byFile(w.file).doc.jobs[w.job] as Job;
      expect(groupOf(job), `${w.file} job ${w.job}`).toMatch(/\S/);
    },
  );

  const jobPromotingInto = (env: string): Job => {
    const hit = allInvocations.find((i) => {
      const words = i.args.filter((a) => !a.startsWith("-"));
      return i.file === "promote.yaml" && words[0] === "promote" && words[2] === env;
    });
    if (!hit) throw new Error(`promote.yaml has no "ngx-release promote … ${env}"`);
    return byFile("promote.yaml").doc.jobs[hit.job] as Job;
  };

  it.each(envNames.slice(1))(
    "promotions into %s wait in one group; its rollbacks queue in their own and nothing cancels them",
    (env) => {
      const promote = jobPromotingInto(env);
      const rollback = byFile("rollback.yaml").doc.jobs.rollback as Job;
      const values = {
        "needs.resolve.outputs.environment": env,
        "github.event.client_payload.environment": env,
        "inputs.environment": env,
      };
      const promoteGroup = substitute(groupOf(promote) ?? "", values);
      const rollbackGroup = substitute(groupOf(rollback) ?? "", values);
      expect(promoteGroup).toBe(`ngx-release-deploy-${env}`);
      // a rollback must not wait behind a promotion that waits for a reviewer, and must not be the
      // pending run a newer promotion replaces: its own group
      expect(rollbackGroup).toBe(`ngx-release-rollback-${env}`);
      const other = envNames.find((e) => e !== env) as string;
      expect(
        substitute(groupOf(rollback) ?? "", { ...values, "needs.resolve.outputs.environment": other }),
      ).not.toBe(rollbackGroup);
      // queue, never cancel: a dispatch (even one ngx-release then ignores) stops nothing half-way
      expect(typeof promote.concurrency === "object" && promote.concurrency["cancel-in-progress"]).toBe(
        false,
      );
      expect(typeof rollback.concurrency === "object" && rollback.concurrency["cancel-in-progress"]).toBe(
        false,
      );
    },
  );

  it("no job of promote, rollback, release or backup cancels a run in progress", () => {
    for (const file of ["promote.yaml", "rollback.yaml", "release.yaml", "backup.yaml"]) {
      const wf = byFile(file);
      const top = wf.doc.concurrency as { "cancel-in-progress"?: unknown } | undefined;
      expect(top?.["cancel-in-progress"], file).not.toBe(true);
      for (const [id, job] of jobsOf(wf)) {
        if (typeof job.concurrency === "object")
          expect(job.concurrency["cancel-in-progress"], `${file} ${id}`).toBe(false);
      }
    }
  });

  it("every job of promote.yaml that holds an environment's deploy group is in that environment's group only", () => {
    const groups = jobsOf(byFile("promote.yaml"))
      .map(([, job]) => groupOf(job))
      .filter((g): g is string => Boolean(g?.startsWith("ngx-release-deploy-")));
    for (const g of groups) expect(envNames.map((e) => `ngx-release-deploy-${e}`)).toContain(g);
  });
});

describe("ngx-release invocations match the CLI definition", () => {
  it("finds the invocations of every command the chain needs", () => {
    const commands = new Set(
      allInvocations.map((i) => i.args.filter((a) => !a.startsWith("-")).slice(0, 1)[0]),
    );
    for (const c of [
      "validate",
      "diff",
      "release",
      "promote",
      "gate",
      "rollback",
      "record",
      "backup",
      "metrics",
    ]) {
      expect(commands, `no workflow runs ngx-release ${c}`).toContain(c);
    }
  });

  it.each(allInvocations.map((i) => [`${i.file} › ${i.job} › ${i.step}: ${i.text}`, i] as const))(
    "%s",
    (_label, inv) => {
      const checked = checkInvocation(program, inv.args);
      expect(checked.problems).toEqual([]);
      // literal environment arguments name environments of the chain
      for (const name of ["env", "from", "to", "environment"]) {
        for (const value of checked.argumentsByName[name] ?? []) {
          if (!value.includes("$")) expect(envNames, `${inv.text}: ${name}`).toContain(value);
        }
      }
    },
  );

  it("the checker reports unknown commands, subcommands, options, values and arguments precisely", () => {
    const check = (line: string) => {
      const [inv] = invocationsIn(line);
      if (!inv) throw new Error(`no invocation in ${line}`);
      return checkInvocation(program, inv.args).problems;
    };
    expect(check("npx ngx-release render dev")).toEqual([]);
    expect(check('npx ngx-release --json render "$ENV" | jq .')).toEqual([]);
    expect(check("npx ngx-release render dev --renamed-flag")).toEqual([
      expect.stringMatching(
        /^unknown option --renamed-flag for "ngx-release render" \(known: .*--repo, (--output, )?--json\)$/,
      ),
    ]);
    expect(check("npx ngx-release rendr dev")[0]).toMatch(
      /^unknown command "rendr" for "ngx-release" \(known: .*render/,
    );
    expect(check("npx ngx-release render")).toEqual([
      '"ngx-release render" needs 1 argument(s) (<env>), got 0',
    ]);
    expect(check("npx ngx-release render dev staging")).toEqual([
      'too many arguments for "ngx-release render": staging (it takes env)',
    ]);
    expect(check("npx ngx-release --repo")).toEqual(["option --repo needs a value", "no command given"]);
    expect(check('npx ngx-release "$CMD" dev')).toEqual(["the command must be written literally, not $CMD"]);
  });

  it("the checker walks nested subcommands and their options", () => {
    const sub = program.commands.find((c) => c.commands.length > 0);
    if (!sub) return; // no nested command registered yet (the backup command brings one)
    const leaf = sub.commands[0] as (typeof sub.commands)[number];
    const args = [
      sub.name(),
      leaf.name(),
      ...leaf.registeredArguments.filter((a) => a.required).map(() => "x"),
    ];
    expect(checkInvocation(program, args)).toMatchObject({
      command: `${sub.name()} ${leaf.name()}`,
      problems: [],
    });
    expect(checkInvocation(program, [sub.name()]).problems[0]).toMatch(/needs a subcommand/);
    expect(checkInvocation(program, [...args, "--no-such-flag"]).problems).toEqual([
      expect.stringMatching(
        new RegExp(`^unknown option --no-such-flag for "ngx-release ${sub.name()} ${leaf.name()}"`),
      ),
    ]);
  });

  it("the invocation scanner joins continuation lines and stops at shell operators", () => {
    const script = [
      "set +e; npx ngx-release gate staging --report; code=$?",
      "npx ngx-release backup status production --json > out.json",
      'echo "run npx ngx-release render dev"',
      "npx ngx-release promote \\",
      "  dev staging && echo done",
    ].join("\n");
    expect(invocationsIn(script).map((i) => i.args)).toEqual([
      ["gate", "staging", "--report"],
      ["backup", "status", "production", "--json"],
      ["render", "dev"],
      ["promote", "dev", "staging"],
    ]);
  });
});

describe("docs/github-setup.md matches the workflows", () => {
  const doc = readFileSync(join(root, "docs", "github-setup.md"), "utf8");
  const documented = ["dev", "staging", "production", "production-automated", "gate-status"];

  /** the GitHub environments a job can run in, for every value its matrix or inputs can take */
  function environmentsOf(job: Job): string[] {
    const env = job.environment;
    if (env === undefined) return [];
    const text = typeof env === "string" ? env : String((env as { name?: string }).name);
    const m = /^\$\{\{\s*(\S+) == '([^']+)' && '([^']+)' \|\| (\S+)\s*\}\}$/.exec(text);
    const simple = /^\$\{\{\s*(\S+)\s*\}\}$/.exec(text);
    if (m) return envNames.map((e) => (e === m[2] ? (m[3] as string) : e));
    // rollback.yaml's resolve step maps production to production-automated (scripts.test.ts runs it)
    if (simple?.[1] === "needs.resolve.outputs.github-environment") {
      return envNames.map((e) => (e === "production" ? "production-automated" : e));
    }
    if (simple) return envNames;
    return [text];
  }

  it("every secret and variable a workflow reads is documented", () => {
    const names = new Set<string>();
    for (const wf of workflows) {
      for (const m of wf.text.matchAll(/\b(?:secrets|vars)\.([A-Z0-9_]+)/g)) names.add(m[1] as string);
    }
    expect([...names].sort()).toEqual(
      [
        "ARGOCD_AUTH_TOKEN",
        "ARGOCD_SERVER",
        "GCP_SERVICE_ACCOUNT",
        "GCP_WORKLOAD_IDENTITY_PROVIDER",
        "GOOGLE_CLOUD_PROJECT",
        "PROMETHEUS_AUTH",
        "PROMETHEUS_BEARER_TOKEN",
        "PROMETHEUS_URL",
        "RELEASE_APP_ID",
        "RELEASE_APP_PRIVATE_KEY",
        "RELEASE_PAT",
      ].sort(),
    );
    for (const name of names) expect(doc, `${name} is not in docs/github-setup.md`).toContain(`\`${name}\``);
  });

  it("jobs run only in the documented GitHub environments; the reviewed one only where a person approves", () => {
    const reviewed: string[] = [];
    for (const wf of workflows) {
      for (const [id, job] of jobsOf(wf)) {
        for (const env of environmentsOf(job)) {
          expect(documented, `${wf.file} job ${id}: environment ${env}`).toContain(env);
          if (env === "production") reviewed.push(`${wf.file} ${id}`);
        }
      }
    }
    for (const env of documented) expect(doc).toContain(`| \`${env}\` |`);
    // rollback resolves production to production-automated (tested in scripts.test.ts); the jobs
    // that wait for a reviewer are the production promotion and a manual production backup
    expect(reviewed.sort()).toEqual(["backup.yaml run", "promote.yaml promote-production"]);
  });

  it("the required status checks in the docs are the CI job names and the gate contexts", () => {
    const ci = byFile("ci.yaml");
    for (const id of ["test", "validate", "promtool", "actionlint"]) {
      expect(doc).toContain(`\`${ci.doc.jobs[id]?.name}\``);
    }
    for (const env of envNames.slice(1)) expect(doc).toContain(`\`ngx-release/gate-${env}\``);
  });

  it("CODEOWNERS (which the ruleset makes required) owns .github/, environments/ and rollouts/, and the docs pin the gate statuses to the App", () => {
    const owners = readFileSync(join(root, ".github", "CODEOWNERS"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => l.split(/\s+/));
    for (const path of ["/.github/", "/environments/", "/rollouts/"]) {
      const rule = owners.find((o) => o[0] === path);
      expect(rule, `CODEOWNERS has no rule for ${path}`).toBeDefined();
      expect((rule ?? []).slice(1).every((o) => /^@[\w.-]+(\/[\w.-]+)?$/.test(o))).toBe(true);
      expect((rule ?? []).length).toBeGreaterThan(1);
    }
    expect(doc).toMatch(/Require review from Code Owners/);
    for (const env of envNames.slice(1))
      expect(doc).toMatch(new RegExp(`\`ngx-release/gate-${env}\`[^\n]*source: the release GitHub App`));
  });
});
