// `ngx-release record <env>`: record in the deployment ledger what landed in <env> (the overlay's images
// at HEAD) and how Argo CD says it is going. Workflows call it after a merge and while the rollout runs.
import type { Command } from "commander";
import { InputError } from "../errors.js";
import { actionsRunUrl, contextFrom } from "./context.js";

export function register(program: Command): void {
  program
    .command("record")
    .description(
      "record what landed in <env> in the deployment ledger, with its state from Argo CD (idempotent)",
    )
    .argument("<env>", "environment name, e.g. staging")
    .option("--ref <commit>", "the commit that landed (default: HEAD)")
    .option("--dry-run", "show what would be recorded without writing")
    .addHelpText(
      "after",
      `
The deployment is the overlay's images at the commit; its state comes from Argo CD:
Synced and Healthy at that commit → success (earlier successful deployments become inactive);
Degraded or a failed sync there → failure; anything else → in_progress. Rerunning adds nothing
unless the state changed. Ledger: GitHub Deployments with GITHUB_TOKEN, else .git/ngx-ledger.json.
Exit codes: 0 recorded (or unchanged) · 2 bad input (unknown environment or commit) · 3 Argo CD or
GitHub failed.

Examples:
  ngx-release record staging
  ngx-release record production --ref "$GITHUB_SHA" --dry-run --json`,
    )
    .action(async (envName: string, opts: { ref?: string; dryRun?: boolean }, cmd: Command) => {
      const { argoCdFromEnv } = await import("../adapters/argocd.js");
      const { environmentByName, loadRepo } = await import("../config/load.js");
      const { gitReader, headCommit } = await import("../ledger/git.js");
      const { openLedger } = await import("../ledger/open.js");
      const { recordEnvironment } = await import("../ledger/record.js");
      const ctx = contextFrom(cmd);
      const repo = loadRepo(ctx.root);
      const env = environmentByName(repo, envName);
      const git = gitReader(repo.root);
      let sha: string;
      if (opts.ref) {
        const resolved = await git.resolve(opts.ref);
        if (!resolved) throw new InputError(`--ref ${opts.ref}: no such commit in ${repo.root}`);
        sha = resolved;
      } else {
        sha = await headCommit(repo.root);
      }
      const argocd = argoCdFromEnv(ctx.env, repo.config);
      const ledger = await openLedger(repo, ctx.env, ctx.now);
      const logUrl = actionsRunUrl(ctx.env);
      const last = repo.environments.at(-1)?.name;
      const outcome = await recordEnvironment({
        repo,
        env,
        ledger,
        git,
        sha,
        ...(argocd ? { argocd } : {}),
        ...(logUrl ? { logUrl } : {}),
        dryRun: Boolean(opts.dryRun),
        production: env.name === last,
      });
      const { actionsOutput } = await import("../output/actions.js");
      const actions = actionsOutput(ctx.env);
      if (actions.enabled)
        actions.summary((await import("../output/job-summaries.js")).recordSummary(outcome));
      if (ctx.json) {
        ctx.printJson({ ledger: ledger.kind, ...outcome });
        return;
      }
      const what = outcome.created ? "new deployment" : `deployment ${outcome.deploymentId}`;
      const change = outcome.statusChanged
        ? `${outcome.previousState ?? "none"} → ${outcome.state}`
        : `${outcome.state} (unchanged)`;
      ctx.print(
        `${outcome.dryRun ? "[dry run] " : ""}${env.name}: ${what} of ${outcome.sha.slice(0, 7)} version ${outcome.version}: ${change}`,
      );
      ctx.print(`  ${outcome.description}`);
      if (outcome.inactivated.length) ctx.print(`  marked inactive: ${outcome.inactivated.join(", ")}`);
      if (outcome.argocd === "not configured")
        ctx.info("Argo CD not configured (ARGOCD_SERVER): state not observed");
    });
}
