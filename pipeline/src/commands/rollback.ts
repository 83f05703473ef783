// ngx-release rollback <env> --reason <text> [--to <version>] | rollback --from-dispatch <payload.json>
import { readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { ExitCode, InputError } from "../errors.js";
import { actionsOutput, pullRequestSummary } from "../output/actions.js";
import { table } from "../output/format.js";
import { logText } from "../output/inert.js";
import { type ImageEntry, imageRef } from "../promotion/image-ref.js";
import type { RollbackOutcome } from "../rollback/rollback.js";
import { abortLine } from "../rollback/text.js";
import { actionsRunUrl, type Context, contextFrom } from "./context.js";

interface Options {
  reason?: string;
  to?: string;
  fromDispatch?: string;
  dryRun?: boolean;
}

export function register(program: Command): void {
  program
    .command("rollback")
    .description(
      "abort the environment's canaries through Argo CD and restore its last known good images in Git (rollback/<env> PR); the failing version is rejected",
    )
    .argument(
      "[env]",
      "environment to roll back, e.g. production (taken from the payload with --from-dispatch)",
    )
    .option(
      "--reason <text>",
      "why (written into the PR, the ledger and the rejection); required without --from-dispatch",
    )
    .option(
      "--to <version>",
      "restore this version id (12 hex; must have succeeded in <env> and not be rejected)",
    )
    .option(
      "--from-dispatch <payload.json>",
      "the repository_dispatch body sent by the Argo Rollouts notification",
    )
    .option("--dry-run", "show what would be aborted and restored; write nothing, abort nothing")
    .addHelpText(
      "after",
      `
Steps (each idempotent, so a rerun or a duplicate dispatch finishes the same work):
  0. with --from-dispatch: a payload of 64 KB or more is refused unread (exit 2); then Argo CD must
     confirm the Rollout named failed (aborted, Degraded, or a Failed AnalysisRun at the payload's
     revision) before anything is written
  1. abort every Rollout of <env> that Argo CD reports as progressing or paused (ARGOCD_SERVER)
  2. choose the target: the newest deployment of <env> made by the pipeline identity that succeeded
     and is not rejected (or --to); its images are read from Git at that deployment's commit
  3. reject the failing version (promote and release refuse it until \`ngx-release unreject\`) and
     mark its deployment failure
  4. close open promote/<env> and release/<env> pull requests with a comment
  5. one commit on rollback/<env> restoring exactly those images, one PR; merged automatically when
     rollback.autoMerge (environments/promotion.yaml) says so and the dispatch names a failed
     analysis or abort; Argo CD's auto-sync applies it

Exit codes: 0 rolled back; a stale or duplicate dispatch acknowledged; a rerun finished an
     earlier rollback (docs/rollback.md lists every outcome)
  1  Argo CD does not confirm the dispatch (nothing written); no known good version; --to refused;
     the auto-merge refused
  2  bad input: payload field missing, payload of 64 KB or more, bad version id, no --reason
  3  a remote failed: Argo CD could not be asked (PR left for review, nothing rejected), or Git was
     rolled back but the Rollouts were NOT aborted; rerun once Argo CD answers to finish

Examples:
  ngx-release rollback production --reason "p95 latency doubled after 1.4.2"
  ngx-release rollback staging --to 3f2a9c1b7d4e --reason "restore before the schema change" --dry-run
  ngx-release rollback --from-dispatch "$RUNNER_TEMP/payload.json" --json`,
    )
    .action(async (envArg: string | undefined, opts: Options, cmd: Command) => {
      const { argoCdFromEnv } = await import("../adapters/argocd.js");
      const { environmentByName, loadRepo } = await import("../config/load.js");
      const ctx = contextFrom(cmd);
      const repo = loadRepo(ctx.root);
      const { parseDispatchPayload, reasonFromPayload, DISPATCH_FILE_LIMIT } = await import(
        "../rollback/payload.js"
      );
      let payload: import("../rollback/payload.js").DispatchPayload | undefined;
      if (opts.fromDispatch) {
        let text: string;
        try {
          // refused unread when far over GitHub's client_payload limit: nothing is parsed or asked
          const size = statSync(opts.fromDispatch).size;
          if (size > DISPATCH_FILE_LIMIT) {
            throw new InputError(
              `--from-dispatch ${opts.fromDispatch}: ${size} bytes; GitHub refuses a repository_dispatch whose client_payload is 64 KB or more, so this file did not come from GitHub (refused unread above ${DISPATCH_FILE_LIMIT} bytes)`,
            );
          }
          text = readFileSync(opts.fromDispatch, "utf8");
        } catch (e) {
          if (e instanceof InputError) throw e;
          throw new InputError(`--from-dispatch ${opts.fromDispatch}: cannot read the file`, { cause: e });
        }
        payload = parseDispatchPayload(text, opts.fromDispatch);
        if (envArg && envArg !== payload.environment) {
          throw new InputError(
            `<env> ${envArg} does not match the payload's environment ${payload.environment} (${opts.fromDispatch})`,
          );
        }
      }
      const envName = payload?.environment ?? envArg;
      if (!envName)
        throw new InputError(
          "name the environment to roll back (rollback <env>) or pass --from-dispatch <payload.json>",
        );
      const env = environmentByName(repo, envName);
      // the reason reaches the ledger, the PR, the commit and the log: one inert line
      const given = opts.reason?.trim() ? logText(opts.reason.trim(), 1000) : undefined;
      const reason = given || (payload ? reasonFromPayload(payload) : undefined);
      if (!reason)
        throw new InputError('--reason "<why>" is required (it goes into the PR and the rejection)');
      if (opts.to !== undefined && payload)
        throw new InputError("--to cannot be combined with --from-dispatch");

      const logUrl = actionsRunUrl(ctx.env);
      const { createForge } = await import("../adapters/forge-factory.js");
      const { openLedger } = await import("../ledger/open.js");
      const { rollback } = await import("../rollback/rollback.js");
      const forge = await createForge(ctx.env, repo);
      const ledger = await openLedger(repo, ctx.env, ctx.now);
      const argocd = argoCdFromEnv(ctx.env, repo.config);
      const outcome = await rollback({
        repo,
        forge,
        ledger,
        ...(argocd ? { argocd } : {}),
        env: env.name,
        reason,
        ...(opts.to !== undefined ? { to: opts.to } : {}),
        ...(payload ? { payload } : {}),
        dryRun: Boolean(opts.dryRun),
        ...(logUrl ? { logUrl } : {}),
        progress: (m) => ctx.info(m),
      });
      finish(ctx, outcome, forge.kind, ledger.kind);
    });
}

/** the exit status of an outcome that was written: what still needs a person */
function problem(o: RollbackOutcome): { code: ExitCode; message: string; hint?: string } | undefined {
  if (o.status === "no-known-good") {
    return {
      code: ExitCode.checkFailed,
      message: o.message,
      hint: `fix forward, or: ngx-release rollback ${o.environment} --to <version> --reason "…"`,
    };
  }
  if (o.confirmation?.status === "unconfirmed") {
    const pr = o.publish?.pullRequest;
    return {
      code: ExitCode.remote,
      message: `the dispatch could NOT be confirmed through Argo CD (${o.confirmation.error}): ${pr ? `rollback PR #${pr.number} is left for review (not merged); ` : ""}nothing rejected, nothing aborted`,
      hint: "check the Rollout in Argo CD; rerun this rollback once Argo CD answers and it finishes the work",
    };
  }
  if (o.status === "finished" && o.abort?.status === "failed") {
    return {
      code: ExitCode.remote,
      message: `Git is rolled back, but the Rollouts are still NOT aborted through Argo CD: ${o.abort.error}`,
      hint: "rerun once Argo CD answers",
    };
  }
  if (o.status !== "rolled-back") return undefined;
  if (o.autoMerge.wanted && !o.autoMerge.merged) {
    return {
      code: ExitCode.checkFailed,
      message: `rollback PR #${o.publish?.pullRequest?.number} was opened but NOT merged: ${o.autoMerge.message ?? "merge refused"}`,
      hint: "merge it by hand (branch protection may require a review)",
    };
  }
  if (o.abort?.status === "failed") {
    return {
      code: ExitCode.remote,
      message: `Git was rolled back, but the Rollouts were NOT aborted through Argo CD: ${o.abort.error}`,
      hint: "once Argo CD is back its sync of the restored images ends the canary; to stop it sooner: kubectl argo rollouts abort <rollout> -n ngx-agents (a manual rollback can simply be rerun)",
    };
  }
  if (o.restoredError) {
    return {
      code: ExitCode.remote,
      message: `rolled back and merged, but the restored deployment was not recorded: ${o.restoredError}`,
      hint: `ngx-release record ${o.environment} records it (promote.yaml runs it on the push to main)`,
    };
  }
  return undefined;
}

/** "1.4.2 @3f2a9c1b7d4e" — the tag and the start of the digest */
function short(image: ImageEntry): string {
  const digest = image.digest ? `@${image.digest.replace(/^sha256:/, "").slice(0, 12)}` : "";
  return [image.newTag, digest].filter(Boolean).join(" ") || imageRef(image);
}

function finish(ctx: Context, o: RollbackOutcome, forge: string, ledger: string): void {
  const p = problem(o);
  actionsOutput(ctx.env).summary(pullRequestSummary(`ngx-release rollback: ${o.message}`, o.text));
  if (ctx.json) {
    ctx.printJson({
      status: o.status,
      environment: o.environment,
      message: o.message,
      forge,
      ledger,
      failedVersion: o.failedVersion ?? null,
      target: o.target ?? null,
      changes: o.changes.map((c) => ({
        component: c.component,
        from: c.from ? imageRef(c.from) : null,
        to: imageRef(c.to),
      })),
      abort: o.abort ?? null,
      analysis: o.analysis ?? null,
      rejected: o.rejected ?? null,
      failedDeployment: o.failedDeployment ?? null,
      closedPullRequests: o.closedPullRequests,
      branch: o.branch,
      commit: o.publish ? { sha: o.publish.commit.sha, status: o.publish.commit.status } : null,
      pullRequest: o.publish?.pullRequest
        ? {
            number: o.publish.pullRequest.number,
            url: o.publish.pullRequest.url,
            status: o.publish.pullRequestStatus,
          }
        : null,
      autoMerge: o.autoMerge,
      restored: o.restored
        ? { deploymentId: o.restored.deploymentId, state: o.restored.state, sha: o.restored.sha }
        : null,
      ...(o.restoredError ? { restoredError: o.restoredError } : {}),
      ...(o.refresh ? { refresh: o.refresh } : {}),
      confirmation: o.confirmation ?? null,
      ignoredRecords: o.ignoredRecords ?? [],
      ...(o.status === "planned" ? { title: o.text?.title, body: o.text?.body } : {}),
      ...(p ? { error: { message: p.message, hint: p.hint, exitCode: p.code } } : {}),
    });
    if (p) process.exitCode = p.code;
    return;
  }
  if (o.status === "stale") {
    ctx.print(o.message);
    return;
  }
  // no known good: the alert itself goes to stderr below, once
  if (o.status === "no-known-good") ctx.print(`${o.environment}: NOT rolled back (no known good version)`);
  else ctx.print(o.status === "planned" ? `[dry run] ${o.message}` : o.message);
  if (o.changes.length) {
    ctx.print(
      table(
        ["component", "from (failing)", "to (restored)"],
        o.changes.map((c) => [c.component, c.from ? short(c.from) : "—", short(c.to)]),
      ),
    );
  }
  if (o.confirmation)
    ctx.print(
      `Argo CD: ${o.confirmation.status === "unconfirmed" ? `NOT asked (${o.confirmation.error})` : `${o.confirmation.status}: ${o.confirmation.reported}`}`,
    );
  for (const r of o.ignoredRecords ?? [])
    ctx.print(`ignored ledger record ${logText(r.id, 20)}: ${logText(r.why, 300)}`);
  if (o.abort) ctx.print(`abort: ${abortLine(o.abort, false)}`);
  if (o.rejected !== undefined)
    ctx.print(`version ${o.failedVersion}: ${o.rejected ? "rejected now" : "already rejected"}`);
  if (o.failedDeployment)
    ctx.print(
      `deployment ${o.failedDeployment.id}: ${o.failedDeployment.marked ? "marked failure" : "already failure"}`,
    );
  for (const n of o.closedPullRequests)
    ctx.print(`closed promotion pull request #${n} (stale after the rollback)`);
  const pr = o.publish?.pullRequest;
  if (o.publish)
    ctx.print(`branch ${o.branch}: ${o.publish.commit.sha.slice(0, 12)} (${o.publish.commit.status})`);
  if (pr) ctx.print(`pull request #${pr.number} ${o.publish?.pullRequestStatus}: ${pr.url}`);
  if (o.autoMerge.wanted) {
    ctx.print(
      o.autoMerge.merged
        ? `merged: ${o.autoMerge.sha?.slice(0, 12)}`
        : `NOT merged: ${o.autoMerge.message ?? ""}`,
    );
  } else if (pr)
    ctx.print(`review needed: rollback.autoMerge is ${o.autoMerge.setting} for ${o.environment}`);
  if (o.refresh) ctx.print(`Argo CD refresh: ${o.refresh}`);
  if (o.restored)
    ctx.print(
      `restored deployment ${o.restored.deploymentId}: ${o.restored.state} (${o.restored.description})`,
    );
  if (o.status === "planned" && o.text) {
    ctx.print(
      `\n--dry-run: nothing written, nothing aborted. ${o.branch} would carry this; the pull request would read:\n`,
    );
    ctx.print(o.text.body);
  } else if (forge === "local" && o.text && o.publish?.pullRequestStatus === "created") {
    ctx.print(`\n--- pull request text ---\n${o.text.body}`);
  }
  if (p) {
    ctx.stderr.write(`error: ${p.message}\n${p.hint ? `hint: ${p.hint}\n` : ""}`);
    process.exitCode = p.code;
  }
}
