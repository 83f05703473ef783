// `backup run|status|schedule <env>`: thin wrappers over pipeline/src/backup. Every check that can
// fail on input (environment, backup configuration, rendered CronJob, cron expression, time zone)
// runs before any request that writes.
import type { Command } from "commander";
import type { ArgoCd } from "../adapters/argocd-types.js";
import { scheduleBranch } from "../backup/schedule-branch.js";
import type { Repo } from "../config/load.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { ConfigError, ExitCode, InputError } from "../errors.js";
import { color, progress, table } from "../output/format.js";
import { CONFIG_UNITS, formatDuration, parseHumanDuration } from "../time/duration.js";
import { type Context, contextFrom } from "./context.js";

/** "30m", "1h", "90s", or "500ms" (tests): the human duration grammar (time/duration.ts) */
function parseWait(text: string, option: string): number {
  let value: number;
  try {
    value = parseHumanDuration(text, ["ms", ...CONFIG_UNITS]);
  } catch (e) {
    throw new InputError(
      `${option} ${JSON.stringify(text)} is not a duration (expected e.g. "30m", "1h", "90s")`,
      { cause: e },
    );
  }
  // zero would poll Argo CD without pause, or give up before the first look
  if (value <= 0) throw new InputError(`${option} ${JSON.stringify(text)} must be longer than 0 (e.g. "5s")`);
  return value;
}

interface Prepared {
  readonly repo: Repo;
  readonly env: EnvironmentConfig;
  readonly backup: NonNullable<EnvironmentConfig["backup"]>;
}

/** Environment, backup configuration and the CronJob in the rendered overlay: all exit 2 when wrong. */
async function prepare(ctx: Context, envName: string): Promise<Prepared> {
  const { backupConfigOf } = await import("../backup/live.js");
  const { requireRenderedCronJob } = await import("../backup/schedule-change.js");
  const { environmentByName, loadRepo } = await import("../config/load.js");
  const { renderEnvironment } = await import("../manifests/render.js");
  const repo = loadRepo(ctx.root);
  const env = environmentByName(repo, envName);
  const backup = backupConfigOf(env);
  const rendered = await renderEnvironment(repo, env.name);
  requireRenderedCronJob(env, backup.cronJob, rendered.objects);
  return { repo, env, backup };
}

async function argoCd(ctx: Context, repo: Repo): Promise<ArgoCd> {
  const { argoCdFromEnv } = await import("../adapters/argocd.js");
  const client = argoCdFromEnv(ctx.env, repo.config);
  if (!client) {
    throw new ConfigError("ARGOCD_SERVER is not set: backups run and are read through the Argo CD API", {
      hint: "export ARGOCD_SERVER=argocd.example.com and ARGOCD_AUTH_TOKEN=<token> (argocd account generate-token)",
    });
  }
  return client;
}

export function register(program: Command): void {
  const backup = program
    .command("backup")
    .description("database backups: run one now, check freshness against the RPO, change the schedule by PR")
    .addHelpText(
      "after",
      `
Settings per environment: backup in environments/promotion.yaml (cronJob, rpo, maxAgeBeforeRelease,
timeout). run and status go through Argo CD (ARGOCD_SERVER, ARGOCD_AUTH_TOKEN); schedule edits Git.

Examples:
  ngx-release backup status production
  ngx-release backup run production --if-stale
  ngx-release backup schedule staging --cron "0 3 * * 0" --timezone Europe/Madrid --dry-run`,
    );

  backup
    .command("run")
    .description(
      "run the environment's backup CronJob now through Argo CD's create-job action and wait for the Job",
    )
    .argument("<env>", "environment with a backup configuration (e.g. production)")
    .option(
      "--timeout <duration>",
      "how long to wait for the Job (default: backup.timeout in promotion.yaml)",
    )
    .option("--poll-interval <duration>", "how often to ask Argo CD", "5s")
    .option(
      "--if-stale",
      "only when the last successful backup is older than backup.maxAgeBeforeRelease (what a release needs); else report it and exit 0",
    )
    .option("--dry-run", "check everything and show what would run; create no Job")
    .addHelpText(
      "after",
      `
Exit codes: 0 backup done · 1 the Job failed or timed out (with Kubernetes' reason) · 2 bad input or configuration · 3 Argo CD failed.
Needs ARGOCD_SERVER and ARGOCD_AUTH_TOKEN; no cluster credentials.

Examples:
  ngx-release backup run production
  ngx-release backup run production --if-stale --timeout 45m --json
  ngx-release backup run staging --dry-run`,
    )
    .action(
      async (
        envName: string,
        opts: { timeout?: string; pollInterval: string; dryRun?: boolean; ifStale?: boolean },
        cmd: Command,
      ) => {
        const { backupFreshness } = await import("../backup/freshness.js");
        const { planBackupRun, runBackup } = await import("../backup/run.js");
        const ctx = contextFrom(cmd);
        const timeoutOption = opts.timeout === undefined ? undefined : parseWait(opts.timeout, "--timeout");
        const pollMs = parseWait(opts.pollInterval, "--poll-interval");
        const { repo, env, backup: cfg } = await prepare(ctx, envName);
        const timeout = timeoutOption ?? parseHumanDuration(cfg.timeout);
        const argocd = await argoCd(ctx, repo);
        if (opts.ifStale) {
          const f = await backupFreshness(argocd, env, { now: ctx.now() });
          if (!f.backupNeededBeforeRelease) {
            if (ctx.json) ctx.printJson({ skipped: true, reason: "fresh", freshness: f });
            else
              ctx.print(
                `no backup needed: the last one finished ${f.age} ago (${f.job ?? f.lastSuccessAt}), younger than maxAgeBeforeRelease ${cfg.maxAgeBeforeRelease}`,
              );
            return;
          }
          ctx.info(
            f.lastSuccessAt
              ? `last backup ${f.age} ago is older than maxAgeBeforeRelease ${cfg.maxAgeBeforeRelease}: running one`
              : "no successful backup is known: running one",
          );
        }
        if (opts.dryRun) {
          const plan = await planBackupRun(argocd, env);
          const result = {
            dryRun: true,
            env: env.name,
            ...plan,
            action: "create-job",
            timeout: formatDuration(timeout),
          };
          if (ctx.json) ctx.printJson(result);
          else
            ctx.print(
              `dry run: would run "create-job" on CronJob ${plan.cronJob} in ${plan.app} and wait up to ${formatDuration(timeout)}` +
                (plan.running.length
                  ? ` (a Job is already running: ${plan.running.join(", ")}; it would be joined)`
                  : "") +
                `\nexisting Jobs: ${plan.existingJobs.length ? plan.existingJobs.join(", ") : "none"}`,
            );
          return;
        }
        const p = progress(ctx.stderr, !ctx.json || Boolean(ctx.stderr.isTTY));
        try {
          const result = await runBackup(argocd, env, {
            timeoutMs: timeout,
            pollMs,
            onProgress: (line) => p.update(line),
          });
          p.done();
          await actionsSummary(ctx.env, async (s) => s.backupRunSummary(result));
          if (ctx.json) ctx.printJson(result);
          else
            ctx.print(
              table(
                ["environment", "job", "object", "duration", "finished"],
                [
                  [
                    result.env,
                    result.job,
                    result.object ?? "(not reported)",
                    result.duration,
                    result.finishedAt,
                  ],
                ],
              ),
            );
        } catch (e) {
          p.done();
          throw e;
        }
      },
    );

  backup
    .command("status")
    .description("the last successful backup (time, age, Job, object) and whether it satisfies the RPO")
    .argument("<env>", "environment with a backup configuration (e.g. production)")
    .addHelpText(
      "after",
      `
Exit codes: 0 within the RPO · 1 older than the RPO or none · 2 bad input · 3 Argo CD failed.

Examples:
  ngx-release backup status production
  ngx-release backup status staging --json`,
    )
    .action(async (envName: string, _opts: unknown, cmd: Command) => {
      const { backupFreshness } = await import("../backup/freshness.js");
      const ctx = contextFrom(cmd);
      const { repo, env } = await prepare(ctx, envName);
      const argocd = await argoCd(ctx, repo);
      const f = await backupFreshness(argocd, env, { now: ctx.now() });
      await actionsSummary(ctx.env, async (s) => s.backupStatusSummary(f));
      if (ctx.json) ctx.printJson(f);
      else {
        ctx.print(
          table(
            ["environment", "last backup", "age", "rpo", "job", "object", "ok"],
            [
              [
                f.env,
                f.lastSuccessAt ?? "never",
                f.age ?? "-",
                f.rpo,
                f.job ?? "-",
                f.object ?? "-",
                f.satisfiesRpo ? "yes" : "NO",
              ],
            ],
          ),
        );
        if (f.running.length) ctx.info(`running now: ${f.running.join(", ")}`);
        if (f.lastFailure) ctx.info(color.yellow(`last failure since then: ${f.lastFailure}`));
      }
      if (!f.satisfiesRpo) {
        // exit 1 without a second report on stdout in --json mode: the document above says why
        process.exitCode = ExitCode.checkFailed;
        if (!ctx.json) ctx.stderr.write(`${color.red("RPO not met:")} ${f.summary}\n`);
      }
    });

  backup
    .command("schedule")
    .description("change the backup CronJob's schedule (and time zone) of one environment by pull request")
    .argument("<env>", "environment with a backup configuration (e.g. production)")
    .requiredOption("--cron <expr>", 'five-field cron expression, e.g. "0 2 * * *" (daily at 02:00)')
    .option(
      "--timezone <tz>",
      "IANA time zone for spec.timeZone, e.g. Europe/Madrid (default: keep the file's)",
    )
    .option("--dry-run", "validate and show the change and the next runs; write nothing")
    .addHelpText(
      "after",
      `\nEdits only spec.schedule and spec.timeZone in environments/<env>/backup-schedule.patch.yaml (comments kept),\non branch ${scheduleBranch.toString("<env>")}. Exit codes: 0 done · 2 invalid cron, time zone, environment or configuration (nothing written) · 3 GitHub failed.
The cron grammar is the Kubernetes CronJob controller's: five fields (day-of-week 0-6 or sun-sat, no L, W or #)
or @yearly, @monthly, @weekly, @daily, @hourly — docs/disaster-recovery.md.

Examples:
  ngx-release backup schedule production --cron "30 1 * * *" --dry-run
  ngx-release backup schedule staging --cron "0 3 * * 0" --timezone Europe/Madrid`,
    )
    .action(
      async (envName: string, opts: { cron: string; timezone?: string; dryRun?: boolean }, cmd: Command) => {
        const { validateSchedule } = await import("../backup/schedule.js");
        const { planScheduleChange, scheduleCommitMessage, schedulePatchPath, schedulePullRequestText } =
          await import("../backup/schedule-change.js");
        const ctx = contextFrom(cmd);
        // cron and time zone first: they need nothing but the text
        validateSchedule(opts.cron, opts.timezone ?? "Etc/UTC", { now: ctx.now() });
        const { repo, env } = await prepare(ctx, envName);
        const file = schedulePatchPath(env.name);
        const base = repo.config.baseBranch;
        const branch = scheduleBranch.toString(env.name);
        const { createForge } = await import("../adapters/forge-factory.js");
        const forge = await createForge(ctx.env, repo);
        const current = await forge.readFile(file, base);
        if (current === undefined) {
          throw new ConfigError(
            `${file} not found on ${base}: the ${env.name} overlay sets its backup schedule in that patch file`,
            {
              file,
              hint: "add the patch (a CronJob with spec.schedule) under patches: in the overlay's kustomization.yaml",
            },
          );
        }
        const request = {
          cron: opts.cron,
          ...(opts.timezone !== undefined ? { timeZone: opts.timezone } : {}),
        };
        const change = planScheduleChange(env.name, current, request, ctx.now());
        const pr = schedulePullRequestText(change);
        const summary = {
          env: env.name,
          file,
          cron: change.after.cron,
          timeZone: change.after.timeZone,
          description: change.after.description,
          nextRuns: change.after.nextRuns,
          before: change.before,
          changed: change.changed,
          branch,
          base,
          forge: forge.kind,
          dryRun: Boolean(opts.dryRun),
        };
        if (!ctx.json) {
          ctx.info(change.after.description);
          const now = ctx.now().getTime();
          const runs = change.after.nextRuns.map(
            (r) => `  ${r.words} (in ${formatDuration(Date.parse(r.at) - now)})`,
          );
          ctx.info(`next runs:\n${runs.join("\n")}`);
        }
        if (!change.changed) {
          if (ctx.json) ctx.printJson({ ...summary, status: "unchanged" });
          else ctx.print(`${file} on ${base} already has this schedule; nothing to change`);
          return;
        }
        if (opts.dryRun) {
          if (ctx.json) ctx.printJson({ ...summary, status: "dry-run", content: change.content });
          else
            ctx.print(
              `dry run: would open a PR from ${branch} into ${base}: ${pr.title}\n\n${change.content}`,
            );
          return;
        }
        const outcome = await forge.ensureBranchCommit({
          branch,
          base,
          // recomputed from the newest base when a race on the ref is retried
          change: async (snapshot) => {
            const latest = (await snapshot.read(file)) ?? current;
            const again = planScheduleChange(env.name, latest, request, ctx.now());
            return { message: scheduleCommitMessage(again), files: [{ path: file, content: again.content }] };
          },
        });
        const existing = await forge.findOpenPullRequest(branch, base);
        let pull = existing;
        let prStatus: "created" | "updated" | "unchanged" = "unchanged";
        if (!existing) {
          pull = (await forge.createPullRequest({ head: branch, base, title: pr.title, body: pr.body })).pr;
          prStatus = "created";
        } else if (existing.title !== pr.title || existing.body !== pr.body) {
          pull = await forge.updatePullRequest(existing.number, { title: pr.title, body: pr.body });
          prStatus = "updated";
        }
        if (ctx.json) {
          ctx.printJson({
            ...summary,
            status: outcome.status,
            sha: outcome.sha,
            pullRequest: pull ? { number: pull.number, url: pull.url, status: prStatus } : undefined,
          });
          return;
        }
        ctx.print(`branch ${branch}: ${outcome.status} at ${outcome.sha.slice(0, 12)}`);
        if (pull) ctx.print(`pull request #${pull.number} ${prStatus}: ${pull.url}`);
        if (forge.kind === "local" && prStatus !== "unchanged") ctx.print(`\n${pr.title}\n\n${pr.body}`);
      },
    );
}

/** Appends a job summary when GITHUB_ACTIONS=true (output/job-summaries.ts; loaded only then). */
async function actionsSummary(
  env: NodeJS.ProcessEnv,
  build: (s: typeof import("../output/job-summaries.js")) => Promise<string>,
): Promise<void> {
  const { actionsOutput } = await import("../output/actions.js");
  const actions = actionsOutput(env);
  if (actions.enabled) actions.summary(await build(await import("../output/job-summaries.js")));
}
