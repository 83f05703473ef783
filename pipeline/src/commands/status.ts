// `ngx-release status [<env>]`: versions, Argo CD sync/health, rollouts, last deployment, backup and
// promotion PR per environment. Exit 3 when Argo CD is configured but could not be read.
import { type Command, Option } from "commander";
import { ExitCode, InputError } from "../errors.js";
import { actionsOutput } from "../output/actions.js";
import { FINE_UNITS, parseHumanDuration } from "../time/duration.js";
import { contextFrom } from "./context.js";

export function register(program: Command): void {
  program
    .command("status")
    .description("versions in Git, Argo CD sync/health, rollouts, last deployment, backups and promotion PRs")
    .argument("[env]", "only this environment")
    .addOption(
      new Option("--format <format>", "table, or mermaid: the picture of the promotion chain").choices([
        "table",
        "mermaid",
      ]),
    )
    .option("--gates", "also evaluate the gates of each promotion (read-only; implied by --format mermaid)")
    .option("-w, --watch", "refresh until interrupted (Ctrl-C)")
    .option("--interval <duration>", "with --watch: time between refreshes", "10s")
    .option("--times <n>", "with --watch: stop after this many refreshes")
    .addHelpText(
      "after",
      `
Works without Argo CD (ARGOCD_SERVER unset: Git and the ledger only). Exit codes: 0 shown ·
2 bad input · 3 Argo CD is configured but could not be read, or GitHub (ledger, pull requests) failed
(the rest is still shown).

Environment: ARGOCD_SERVER, ARGOCD_AUTH_TOKEN (live state); GITHUB_TOKEN, GITHUB_REPOSITORY
(ledger and pull requests on GitHub, else .git/ngx-ledger.json and local branches); NGX_NOW=<ISO-8601>
shows ages as at another time.

Examples:
  ngx-release status
  ngx-release status production --json
  ngx-release status --watch --interval 30s
  ngx-release status --format mermaid     the picture (paste into Markdown inside a \`\`\`mermaid block)`,
    )
    .action(
      async (
        envName: string | undefined,
        opts: { format?: string; gates?: boolean; watch?: boolean; interval?: string; times?: string },
        cmd: Command,
      ) => {
        const { argoCdFromEnv } = await import("../adapters/argocd.js");
        const { environmentByName, loadRepo } = await import("../config/load.js");
        const { gateReportFor, nowFrom } = await import("../gates/run.js");
        const { backupChecker } = await import("../gates/runners.js");
        const { gitReader, headCommit } = await import("../ledger/git.js");
        const { openLedger } = await import("../ledger/open.js");
        const { pictureMermaid } = await import("../output/picture.js");
        const { collectStatus, renderStatus } = await import("../status/index.js");
        const { statusPicture } = await import("../status/picture.js");
        const { statusSummary } = await import("../status/summary.js");
        const ctx = contextFrom(cmd);
        const repo = loadRepo(ctx.root);
        const envs = envName ? [environmentByName(repo, envName)] : repo.environments;
        const argocd = argoCdFromEnv(ctx.env, repo.config);
        const { createForge } = await import("../adapters/forge-factory.js");
        const watch = opts.watch ? watchSettings(opts) : undefined;
        for (let refresh = 1; ; refresh++) {
          const now = nowFrom(ctx.env);
          const head = await headCommit(repo.root);
          const ledger = await openLedger(repo, ctx.env, ctx.now);
          const mermaid = opts.format === "mermaid";
          const report = await collectStatus({
            repo,
            envs,
            head,
            git: gitReader(repo.root),
            ledger,
            ...(mermaid || opts.gates
              ? { gates: (target) => gateReportFor(repo, target.name, ctx.env, { ledger, head }) }
              : {}),
            ...(argocd ? { argocd } : {}),
            forge: await createForge(ctx.env, repo),
            backup: backupChecker(argocd, now),
          });
          if (watch) {
            // a terminal is redrawn in place; a log gets one heading per refresh
            if (ctx.stderr.isTTY && !ctx.json) ctx.stdout.write("\x1b[2J\x1b[H");
            else if (!ctx.json) ctx.print(`--- refresh ${refresh} at ${now.toISOString()} ---`);
          }
          const last = !watch || refresh >= watch.times;
          if (mermaid) ctx.print(pictureMermaid(statusPicture(report)));
          else if (ctx.json) ctx.printJson(report);
          else ctx.print(renderStatus(report, now));
          if (last) actionsOutput(ctx.env).summary(statusSummary(report));
          if (report.argocdUnreachable) {
            ctx.stderr.write(`error: Argo CD at ${ctx.env.ARGOCD_SERVER} could not be read (see above)\n`);
            process.exitCode = ExitCode.remote;
          }
          if (report.remoteFailure) {
            // shown in full (or in the JSON) above; a status built on a failed read is not a success
            ctx.stderr.write(`error: ${report.remoteFailure}\n`);
            process.exitCode = ExitCode.remote;
          }
          if (last || !watch) break;
          await new Promise((r) => setTimeout(r, watch.intervalMs));
        }
      },
    );
}

/** --watch: refresh every --interval (default 10s), --times refreshes at most (default: until Ctrl-C) */
function watchSettings(opts: { interval?: string; times?: string }): { intervalMs: number; times: number } {
  let intervalMs: number;
  try {
    intervalMs = parseHumanDuration(opts.interval ?? "10s", FINE_UNITS);
  } catch (e) {
    throw new InputError(`--interval ${JSON.stringify(opts.interval)} is not a duration (e.g. "10s", "1m")`, {
      cause: e,
    });
  }
  if (intervalMs <= 0)
    throw new InputError(`--interval ${JSON.stringify(opts.interval)} must be longer than 0`);
  const times = opts.times === undefined ? Number.POSITIVE_INFINITY : Number(opts.times);
  if (!Number.isInteger(times) && times !== Number.POSITIVE_INFINITY)
    throw new InputError(`--times ${JSON.stringify(opts.times)} is not a whole number of refreshes`);
  if (times < 1) throw new InputError(`--times ${JSON.stringify(opts.times)} must be at least 1`);
  return { intervalMs, times };
}
