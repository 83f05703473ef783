// `ngx-release gate <env>`: are the gates for promoting into <env> open? Exit 1 when any is closed.
// `--report` publishes the result as a commit status on the promotion PR's head.

import type { Command } from "commander";
import { ExitCode } from "../errors.js";
import type { GateReport } from "../gates/index.js";
import { actionsOutput, gateSummary } from "../output/actions.js";
import { color, table } from "../output/format.js";
import { actionsRunUrl, contextFrom } from "./context.js";

export function renderGateReport(report: GateReport): string {
  const rows = report.gates.map((g) => [g.name, g.open ? "open" : "CLOSED", g.reason]);
  const head = `gates for promoting ${report.from} → ${report.environment} (version ${report.version})`;
  if (rows.length === 0) return `${head}\nno gates configured for ${report.environment}`;
  const verdict = report.open
    ? color.green(`all ${rows.length} gates open`)
    : color.red(`${report.gates.filter((g) => !g.open).length} of ${rows.length} gates closed`);
  return `${head}\n${table(["GATE", "STATE", "REASON"], rows)}\n${verdict}`;
}

export function register(program: Command): void {
  program
    .command("gate")
    .description(
      "evaluate the gates for promoting into <env> (about the environment before it); exit 1 when closed",
    )
    .argument("<env>", "the environment being promoted into, e.g. production")
    .option(
      "--report",
      "publish the result as commit status ngx-release/gate-<env> on the promotion PR's head",
    )
    .option("--sha <sha>", "with --report: publish on this commit instead of the promotion PR's head")
    .option("--dry-run", "with --report: show the status without publishing it")
    .addHelpText(
      "after",
      `
Gates (configured per environment in environments/promotion.yaml, about the previous environment):
  synced-healthy    Argo CD Synced at the commit that carries the versions being promoted, and Healthy
  rollout-complete  every Rollout finished its canary (not paused, not aborted, canary = stable)
  soak              healthy for the configured soak time since its deployment succeeded
  analysis          the analysis templates pass now (PROMETHEUS_URL)
  not-rejected      the version has not been rejected by a rollback
  backup-fresh      the target's last backup is younger than its RPO
  freeze            no change-freeze window is active
  google-signals    Vertex AI prediction errors and Cloud SQL health of the previous environment in
                    Cloud Monitoring (googleCloudProject, else GOOGLE_CLOUD_PROJECT)
  load-test         the version passed \`ngx-release loadtest\` in the previous environment at the
                    revision Argo CD reports synced there, within its loadTest.validFor
A gate that cannot be evaluated (Argo CD or Prometheus unreachable or not configured) is closed.
Exit codes: 0 all open · 1 any closed · 2 bad input.

Environment: ARGOCD_SERVER, ARGOCD_AUTH_TOKEN, PROMETHEUS_URL (PROMETHEUS_BEARER_TOKEN, or
PROMETHEUS_AUTH=google for Google Managed Prometheus), GITHUB_TOKEN (ledger on GitHub),
GOOGLE_CLOUD_PROJECT + Application Default Credentials (NGX_MONITORING_ENDPOINT for an emulator).

Examples:
  ngx-release gate staging
  ngx-release gate production --json
  ngx-release gate production --report --dry-run`,
    )
    .action(
      async (envName: string, opts: { report?: boolean; sha?: string; dryRun?: boolean }, cmd: Command) => {
        const { loadRepo } = await import("../config/load.js");
        const { publishGateReport } = await import("../gates/publish.js");
        const { gateReportFor } = await import("../gates/run.js");
        const ctx = contextFrom(cmd);
        const repo = loadRepo(ctx.root);
        const report = await gateReportFor(repo, envName, ctx.env);
        let published: Record<string, unknown> | undefined;
        if (opts.report)
          published = await publishGateReport(
            repo,
            report,
            ctx.env,
            { ...opts, targetUrl: actionsRunUrl(ctx.env) },
            ctx.info,
          );
        actionsOutput(ctx.env).summary(gateSummary(report));
        if (ctx.json) ctx.printJson({ ...report, ...(published ? { published } : {}) });
        else ctx.print(renderGateReport(report));
        if (!report.open) {
          const closed = report.gates.filter((g) => !g.open).map((g) => g.name);
          ctx.stderr.write(`${color.red("gates closed:")} ${closed.join(", ")}\n`);
          process.exitCode = ExitCode.checkFailed;
        }
      },
    );
}
