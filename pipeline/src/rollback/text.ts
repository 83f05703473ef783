// The rollback pull request's note (shown above the images table of promotion/pull-request-text.ts)
// and the comment left on a promotion pull request a rollback closes. Pure.
import type { AbortOutcome } from "./abort.js";
import type { FailedAnalysis } from "./analysis-run.js";
import type { DispatchPayload } from "./payload.js";

export interface RollbackNoteInput {
  readonly env: string;
  readonly reason: string;
  readonly failedVersion: string;
  readonly targetVersion: string;
  readonly targetSha: string;
  readonly targetSucceededAt?: string;
  readonly how: "last-known-good" | "requested";
  readonly payload?: DispatchPayload;
  readonly analysis?: FailedAnalysis;
  readonly abort: AbortOutcome;
  readonly autoMerge: boolean;
  readonly autoMergeSetting: string;
  readonly rolloutUrl?: string;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function rollbackNote(i: RollbackNoteInput): string {
  const lines: string[] = [];
  lines.push(`**Rollback of ${i.env}** — reason: ${i.reason}`);
  lines.push("");
  lines.push(
    `Version \`${i.failedVersion}\` is **rejected** (promote and release refuse it until \`ngx-release unreject ${i.failedVersion} --reason …\`). ` +
      `Restoring \`${i.targetVersion}\` (${i.how === "requested" ? "requested with --to" : "last known good"}: succeeded in ${i.env}${i.targetSucceededAt ? ` at ${i.targetSucceededAt}` : ""}, commit \`${i.targetSha.slice(0, 7)}\`).`,
  );
  if (i.payload) {
    const p = i.payload;
    lines.push("");
    lines.push(
      `Triggered by Argo Rollouts (${p.trigger ?? "rollout-aborted"}): Rollout \`${p.rollout}\`${p.revision ? ` revision ${p.revision}` : ""}${p.message ? ` — ${p.message}` : ""}.`,
    );
  }
  if (i.analysis) {
    const a = i.analysis;
    lines.push("");
    lines.push(`Failed analysis run \`${a.name}\` (${a.phase})${a.message ? `: ${a.message}` : ""}`);
    lines.push("");
    lines.push("| metric | phase | last measured values | message |");
    lines.push("| --- | --- | --- | --- |");
    for (const m of a.metrics) {
      lines.push(
        `| ${cell(m.name)} | ${m.phase} | ${cell(m.values.join(", ") || "—")} | ${cell(m.message ?? "")} |`,
      );
    }
  }
  lines.push("");
  lines.push(`Abort through Argo CD: ${abortLine(i.abort)}`);
  if (i.rolloutUrl) lines.push(`Argo CD: ${i.rolloutUrl}`);
  lines.push("");
  lines.push(
    i.autoMerge
      ? `Merged automatically (rollback.autoMerge: ${i.autoMergeSetting}).`
      : `Review and merge to restore Git (rollback.autoMerge: ${i.autoMergeSetting}).`,
  );
  return lines.join("\n");
}

/** one line on the abort; `markdown` false for a terminal */
export function abortLine(a: AbortOutcome, markdown = true): string {
  const notDone = markdown ? "**NOT done**" : "NOT done";
  // in the PR, an aborted Rollout reads the same whichever run aborted it (a rerun leaves the text alone)
  const result = (r: string) => (markdown && r === "already-aborted" ? "aborted" : r);
  const per = a.rollouts.map((r) => `${r.name} ${result(r.result)}`).join(", ");
  switch (a.status) {
    case "done":
      return `done (${per || "no Rollouts"})`;
    case "skipped":
      return "not attempted (dry run)";
    case "not-configured":
      return `${notDone}: ARGOCD_SERVER is not set`;
    default:
      return `${notDone}: ${a.error ?? "failed"}${per ? ` (${per})` : ""}`;
  }
}

export function closedPromotionComment(env: string, failedVersion: string, rollbackBranch: string): string {
  return [
    `Closed by \`ngx-release rollback ${env}\`: ${env} is being rolled back (version \`${failedVersion}\` rejected) on \`${rollbackBranch}\`.`,
    "",
    "This pull request was computed against the state before the rollback and its gate results are stale.",
    `Run \`ngx-release promote <from> ${env}\` again once the rollback has landed; it opens a fresh pull request (and refuses rejected versions).`,
  ].join("\n");
}
