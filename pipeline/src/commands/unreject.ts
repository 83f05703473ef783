// ngx-release unreject <version> --reason <text>: allow a rejected version to be promoted again.
import type { Command } from "commander";
import { InputError } from "../errors.js";
import { VERSION_PATTERN } from "../ledger/version.js";
import { contextFrom } from "./context.js";

export function register(program: Command): void {
  program
    .command("unreject")
    .description("allow a version rejected by a rollback to be promoted and released again")
    .argument("<version>", "the version id (12 hex digits, as `status` and the rollback PR show it)")
    .option("--reason <text>", "why it is safe again (kept in the ledger)")
    .option("--dry-run", "check and show; write nothing")
    .addHelpText(
      "after",
      `
The decision is appended to the ledger (GitHub Deployments with GITHUB_TOKEN, else .git/ngx-ledger.json);
the rejection and its reason stay in the history.
Exit codes: 0 unrejected (or shown with --dry-run) · 2 not a version id, not rejected, or no --reason ·
3 GitHub failed.

Example:
  ngx-release unreject 3f2a9c1b7d4e --reason "the latency regression was the upstream, fixed there"`,
    )
    .action(async (version: string, opts: { reason?: string; dryRun?: boolean }, cmd: Command) => {
      const { loadRepo } = await import("../config/load.js");
      const { openLedger } = await import("../ledger/open.js");
      const { findRejection } = await import("../ledger/types.js");
      const ctx = contextFrom(cmd);
      if (!VERSION_PATTERN.test(version)) {
        throw new InputError(`${JSON.stringify(version)} is not a version id (12 lower-case hex digits)`);
      }
      const reason = opts.reason?.trim();
      if (!reason) throw new InputError('--reason "<why it is safe again>" is required');
      const repo = loadRepo(ctx.root);
      const ledger = await openLedger(repo, ctx.env, ctx.now);
      const rejection = await findRejection(ledger, version);
      if (!rejection) {
        throw new InputError(`version ${version} is not rejected: nothing to unreject`, {
          hint: "ngx-release status lists the rejected versions",
        });
      }
      if (!opts.dryRun) await ledger.unreject({ version, reason });
      if (ctx.json) {
        ctx.printJson({
          version,
          unrejected: !opts.dryRun,
          dryRun: Boolean(opts.dryRun),
          reason,
          was: rejection,
        });
        return;
      }
      ctx.print(
        `${opts.dryRun ? "[dry run] would unreject" : "unrejected"} ${version} (rejected${rejection.environment ? ` in ${rejection.environment}` : ""} at ${rejection.at}: ${rejection.reason})`,
      );
    });
}
