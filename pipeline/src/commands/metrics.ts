// `ngx-release metrics`: the four delivery metrics of an environment from the deployment ledger,
// optionally exported to Cloud Monitoring as custom gauges.
import type { Command } from "commander";
import { InputError } from "../errors.js";
import type { CommitClock } from "../metrics/lead-start.js";
import { parseInstant } from "../time/clock.js";
import { contextFrom } from "./context.js";

interface Options {
  env: string;
  since: string;
  until?: string;
  export?: boolean;
  dryRun?: boolean;
}

export function register(program: Command): void {
  program
    .command("metrics")
    .description(
      "delivery metrics (deployment frequency, lead time, change failure rate, time to restore) from the deployment ledger",
    )
    .option("--env <env>", "environment to measure", "production")
    .option("--since <duration>", "window length back from --until: <n>h, <n>d or <n>w", "30d")
    .option("--until <time>", "end of the window, ISO-8601 (default: now)")
    .option("--export", "write the figures to Cloud Monitoring as custom metrics (GOOGLE_CLOUD_PROJECT)")
    .option("--dry-run", "with --export: show the points without writing them")
    .addHelpText(
      "after",
      `
Figures (each with the counts behind it):
  deployment frequency   deployments that reached success in the window, per day and per week
  lead time              first commit of the change → success in the environment (median, p90)
  change failure rate    deployments marked failure, rolled back or rejected ÷ deployments
  time to restore        failure → the next success (median)
Ledger: GitHub Deployments with GITHUB_TOKEN, else .git/ngx-ledger.json. Commit times come from
the local clone, and from GitHub for commits a shallow clone lacks (when GITHUB_TOKEN is set).
--export writes custom.googleapis.com/ngx/delivery/* gauges (label environment) at the window end
aligned to the hour; rerunning within the hour writes nothing new. NGX_MONITORING_ENDPOINT=host:port
talks plaintext gRPC to an emulator.
Exit codes: 0 shown (or exported) · 2 bad input (window, time, environment; --dry-run without
--export) · 3 GitHub or Cloud Monitoring failed.

Examples:
  ngx-release metrics
  ngx-release metrics --env staging --since 4w --json
  GOOGLE_CLOUD_PROJECT=ngx-agents ngx-release metrics --since 1d --export --dry-run`,
    )
    .action(async (opts: Options, cmd: Command) => {
      const { environmentByName, loadRepo } = await import("../config/load.js");
      const { openLedger } = await import("../ledger/open.js");
      const { parseSince } = await import("../metrics/dora.js");
      const { gitCommitClock } = await import("../metrics/git-clock.js");
      const { firstKnownClock } = await import("../metrics/lead-start.js");
      const { measureEnvironment } = await import("../metrics/measure.js");
      const { alignedEnd, gaugePoints, METRIC_PREFIX, metricsText } = await import("../metrics/report.js");
      const ctx = contextFrom(cmd);
      const sinceMs = parseSince(opts.since);
      if (sinceMs === undefined) {
        throw new InputError(
          `--since ${JSON.stringify(opts.since)} is not a window (expected e.g. 12h, 30d, 4w)`,
        );
      }
      const until = opts.until === undefined ? ctx.now() : parseInstant(opts.until, "--until");
      if (opts.dryRun && !opts.export) throw new InputError("--dry-run only applies to --export");
      const repo = loadRepo(ctx.root);
      const env = environmentByName(repo, opts.env);
      // checked before reading the ledger, so a missing project fails fast and writes nothing
      const cm = opts.export ? await import("../adapters/cloud-monitoring.js") : undefined;
      const settings = cm?.monitoringSettingsFromEnv(ctx.env);

      const ledger = await openLedger(repo, ctx.env, ctx.now);
      ctx.info(`reading the ${ledger.kind === "github" ? "GitHub Deployments" : "local"} ledger`);
      const clocks: CommitClock[] = [gitCommitClock(repo.root)];
      if (ledger.kind === "github") {
        // commits a shallow clone does not have are asked of GitHub
        const { githubSettingsFromEnv } = await import("../adapters/github/octokit.js");
        const { githubCommitClock } = await import("../adapters/github/commit-clock.js");
        const gh = githubSettingsFromEnv(ctx.env, repo.config.repository);
        if (gh) clocks.push(githubCommitClock(gh));
      }
      const metrics = await measureEnvironment({
        repo,
        environment: env.name,
        ledger,
        clock: firstKnownClock(...clocks),
        window: { since: new Date(until.getTime() - sinceMs), until },
      });

      let exported: unknown;
      if (cm && settings) {
        const endTime = alignedEnd(until);
        const gauges = gaugePoints(metrics).map((p) => ({
          type: `${METRIC_PREFIX}/${p.metric}`,
          description: p.description,
          unit: p.unit,
          value: p.value,
        }));
        if (opts.dryRun) {
          exported = { dryRun: true, project: settings.projectId, endTime: endTime.toISOString(), gauges };
        } else {
          exported = await cm.exportGauges(settings, {
            environment: env.name,
            endTime,
            gauges,
            progress: (m) => ctx.info(`Cloud Monitoring: ${m}`),
          });
        }
      }

      const { actionsOutput } = await import("../output/actions.js");
      const actions = actionsOutput(ctx.env);
      if (actions.enabled) {
        const { metricsSummary } = await import("../output/job-summaries.js");
        actions.summary(metricsSummary(metrics, gaugePoints(metrics), exported as ExportSummary | undefined));
      }
      if (ctx.json) {
        ctx.printJson({ ...metrics, ...(exported ? { export: exported } : {}) });
        return;
      }
      ctx.print(metricsText(metrics));
      if (exported) ctx.print(exportText(exported as ExportSummary));
    });
}

interface ExportSummary {
  dryRun?: boolean;
  project: string;
  endTime: string;
  gauges?: { type: string; value: number }[];
  descriptorsCreated?: string[];
  written?: string[];
  alreadyWritten?: string[];
}

function exportText(x: ExportSummary): string {
  if (x.dryRun) {
    return [
      "",
      `would write to Cloud Monitoring project ${x.project} at ${x.endTime} (dry run):`,
      ...(x.gauges ?? []).map((g) => `  ${g.type} = ${g.value}`),
    ].join("\n");
  }
  const lines = ["", `Cloud Monitoring project ${x.project}, points at ${x.endTime}:`];
  if (x.descriptorsCreated?.length) lines.push(`  created ${x.descriptorsCreated.length} metric descriptors`);
  lines.push(`  wrote ${x.written?.length ?? 0} points`);
  if (x.alreadyWritten?.length) {
    lines.push(
      `  ${x.alreadyWritten.length} points already written for this hour (rerun: nothing counted twice)`,
    );
  }
  return lines.join("\n");
}
