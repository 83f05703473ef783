// ngx-release promote <from> <to>: open or update the promotion pull request for <to>.
import type { Command } from "commander";
import { actionsOutput, pullRequestSummary } from "../output/actions.js";
import { table } from "../output/format.js";
import { imageRef, versionOf } from "../promotion/image-ref.js";
import type { ChangeResult } from "../promotion/promote.js";
import { type Context, contextFrom } from "./context.js";

interface PromoteOptions {
  allowSkip?: boolean;
  dryRun?: boolean;
  skipGates?: boolean;
  reason?: string;
}

export function register(program: Command): void {
  program
    .command("promote")
    .description(
      "copy the images of <from>'s overlay into <to>'s (nothing else) as one commit on promote/<to> and open or update its pull request",
    )
    .argument("<from>", "environment the versions come from, e.g. dev")
    .argument("<to>", "the next environment in environments/promotion.yaml, e.g. staging")
    .option("--allow-skip", "allow promoting over an environment in the configured order")
    .option("--dry-run", "show the change and the pull request text; write nothing")
    .option("--skip-gates", "open the pull request although gates are closed (needs --reason)")
    .option("--reason <text>", "why gates were skipped; written into the pull request")
    .addHelpText(
      "after",
      `
The gates configured for <to> are evaluated first (see ngx-release gate <to>): closed gates refuse
with exit 1 unless --skip-gates --reason "<why>" (the reason is written into the pull request).
With --dry-run the change and the pull request text are shown first, then the closed gates (exit 1).
Without GITHUB_TOKEN the branch and commit are made in the local checkout (working tree and index
untouched) and the pull request text is printed. With GITHUB_TOKEN and GITHUB_REPOSITORY (and
GITHUB_API_URL on GitHub Enterprise) the branch, commit and pull request are made on GitHub.
A rerun with the same versions changes nothing; newer versions update the same branch and PR.
NGX_SOURCE_REPOSITORY=<owner>/<name> (the application repository) links image revisions in the PR.
Exit codes: 0 opened, updated or nothing to promote · 1 gates closed or a rejected version ·
2 bad input (unknown environment, backwards or skipping, unpinned images, a registry not in
allowedRegistries, bad overlay) · 3 GitHub failed.

Examples:
  ngx-release promote dev staging --dry-run
  ngx-release promote staging production --json`,
    )
    .action(async (from: string, to: string, opts: PromoteOptions, cmd: Command) => {
      const { environmentByName, loadRepo } = await import("../config/load.js");
      const { checkOrder } = await import("../promotion/plan.js");
      const ctx = contextFrom(cmd);
      const repo = loadRepo(ctx.root);
      // bad input first (exit 2), then the gates (exit 1 when closed), then the forge
      checkOrder(repo, environmentByName(repo, from), environmentByName(repo, to), Boolean(opts.allowSkip));
      const { gatesForPromotion } = await import("../gates/promotion.js");
      const gates = await gatesForPromotion(repo, to, ctx.env, {
        ...(opts.skipGates ? { skipGates: true } : {}),
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
        // a dry run shows the change and the PR text even when gates are closed, then exits 1
        ...(opts.dryRun ? { dryRun: true } : {}),
        progress: (m) => ctx.info(m),
      });
      const { createForge } = await import("../adapters/forge-factory.js");
      const { promote } = await import("../promotion/promote.js");
      const forge = await createForge(ctx.env, repo);
      const result = await promote({
        repo,
        forge,
        from,
        to,
        allowSkip: Boolean(opts.allowSkip),
        dryRun: Boolean(opts.dryRun),
        gates: gates.gates,
        ...(gates.note ? { note: gates.note } : {}),
        rejected: gates.rejected,
        ...(ctx.env.NGX_SOURCE_REPOSITORY ? { sourceRepository: ctx.env.NGX_SOURCE_REPOSITORY } : {}),
        progress: (m) => ctx.info(m),
      });
      reportChange(
        ctx,
        result,
        forge.kind,
        `nothing to promote: ${to} already has the images of ${from}`,
        gates.refusal ? { gatesClosed: gates.refusal.reasons } : {},
      );
      if (gates.refusal && ctx.json) {
        // one JSON document on stdout (with gatesClosed); the refusal itself on stderr
        ctx.stderr.write(`error: ${gates.refusal.message}\n`);
        process.exitCode = gates.refusal.exitCode;
      } else if (gates.refusal) throw gates.refusal;
    });
}

/** Output shared by promote and release (human table or --json). */
export function reportChange(
  ctx: Context,
  result: ChangeResult,
  forge: "github" | "local",
  nothing: string,
  extra: Record<string, unknown> = {},
): void {
  const pr = result.outcome?.pullRequest;
  actionsOutput(ctx.env).summary(
    pullRequestSummary(`ngx-release: ${result.env} ${result.status}`, result.text, pr?.url),
  );
  if (ctx.json) {
    ctx.printJson({
      status: result.status,
      environment: result.env,
      branch: result.branch,
      forge,
      changes: result.changes.map((c) => ({
        component: c.component,
        from: c.from ? imageRef(c.from) : null,
        to: imageRef(c.to),
      })),
      resourcesChanged: result.diff.map((d) => d.ref),
      commit: result.outcome
        ? {
            sha: result.outcome.commit.sha,
            status: result.outcome.commit.status,
            retries: result.outcome.commit.retries,
          }
        : null,
      pullRequest: pr
        ? { number: pr.number, url: pr.url, title: pr.title, status: result.outcome?.pullRequestStatus }
        : null,
      superseded: result.outcome?.superseded ?? [],
      ...(result.status === "planned" ? { title: result.text?.title, body: result.text?.body } : {}),
      ...extra,
    });
    return;
  }
  if (result.status === "nothing-to-do") {
    ctx.print(nothing);
    return;
  }
  ctx.print(result.text?.title ?? "");
  ctx.print(
    table(
      ["component", "from", "to"],
      result.changes.map((c) => [c.component, c.from ? versionOf(c.from) : "—", versionOf(c.to)]),
    ),
  );
  if (result.status === "planned") {
    ctx.print(
      `\n--dry-run: nothing written. ${result.branch} would carry this; the pull request would read:\n`,
    );
    ctx.print(result.text?.body ?? "");
    return;
  }
  const o = result.outcome;
  if (!o) return;
  const commit = `${o.commit.sha.slice(0, 12)} (${o.commit.status}${o.commit.retries ? `, after ${o.commit.retries} lost race(s)` : ""})`;
  if (o.mode === "commit") {
    ctx.print(`committed to ${o.branch}: ${commit}`);
    return;
  }
  ctx.print(`branch ${o.branch}: ${commit}`);
  if (pr) ctx.print(`pull request #${pr.number} ${o.pullRequestStatus}: ${pr.url}`);
  if (forge === "local" && o.pullRequestStatus !== "unchanged") {
    ctx.print(`\n--- pull request text (labels: ${pr?.labels.join(", ")}) ---\n${result.text?.body ?? ""}`);
  }
}
