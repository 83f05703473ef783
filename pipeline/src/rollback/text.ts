// The rollback pull request's note (shown above the images table of promotion/pull-request-text.ts)
// and the comment left on a promotion pull request a rollback closes. Pure.
// Everything a dispatch payload, a person's --reason or Argo CD wrote is foreign: it goes through
// output/inert.ts (mdText / mdCode), each piece cut to a fixed length *before* it is composed, so
// the note is bounded (≈ 12 KB at most) and the body stays under GitHub's 65,536 characters.
import { logText, mdCode, mdText } from "../output/inert.js";
import type { AbortOutcome } from "./abort.js";
import type { FailedAnalysis } from "./analysis-run.js";
import type { Confirmation } from "./confirm.js";
import type { DispatchPayload } from "./payload.js";

/** longest foreign texts shown (characters, before escaping) */
const REASON_MAX = 1000;
const MESSAGE_MAX = 1000;
const CELL_MAX = 200;
const METRICS_MAX = 20;

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
  /** what Argo CD said about the dispatch */
  readonly confirmation?: Confirmation;
  /** ledger records not used (not the pipeline's, or not backed by Git) */
  readonly ignoredRecords?: readonly { id: string; why: string }[];
}

const cell = (s: string) => mdText(s, CELL_MAX);

export function rollbackNote(i: RollbackNoteInput): string {
  const lines: string[] = [];
  lines.push(`**Rollback of ${i.env}** — reason: ${mdText(i.reason, REASON_MAX)}`);
  lines.push("");
  lines.push(
    `Version \`${i.failedVersion}\` is **rejected** (promote and release refuse it until \`ngx-release unreject ${i.failedVersion} --reason …\`). ` +
      `Restoring \`${i.targetVersion}\` (${i.how === "requested" ? "requested with --to" : "last known good"}: succeeded in ${i.env}${i.targetSucceededAt ? ` at ${i.targetSucceededAt}` : ""}): the overlay as it was at commit \`${i.targetSha}\`.`,
  );
  if (i.payload) {
    const p = i.payload;
    lines.push("");
    lines.push(
      `Requested by a dispatch (${p.trigger ? mdCode(p.trigger, 60) : "no trigger named"}): Rollout ${mdCode(p.rollout, 100)}${p.revision ? ` revision ${mdCode(p.revision, 20)}` : ""}${p.message ? ` — ${mdText(p.message, MESSAGE_MAX)}` : ""}.`,
    );
  }
  if (i.confirmation) {
    const c = i.confirmation;
    lines.push("");
    lines.push(
      c.status === "confirmed"
        ? // fixed text: a rerun that sees the Rollout aborted by the first run leaves the body alone
          "Confirmed through Argo CD before anything was written (the Rollout is aborted or Degraded, or its analysis failed at the payload's revision)."
        : c.status === "unconfirmed"
          ? `**NOT confirmed by Argo CD** (${mdText(c.error, MESSAGE_MAX)}): nothing was rejected or aborted, and this pull request is left for review. Check the Rollout in Argo CD before merging; rerunning the workflow once Argo CD answers finishes the rollback.`
          : `Argo CD does not confirm the dispatch: ${mdText(c.reported, MESSAGE_MAX)}.`,
    );
  }
  if (i.ignoredRecords && i.ignoredRecords.length > 0) {
    lines.push("");
    lines.push("Ledger records not used for this choice:");
    for (const r of i.ignoredRecords.slice(0, METRICS_MAX))
      lines.push(`- deployment ${mdCode(r.id, 20)}: ${mdText(r.why, CELL_MAX * 2)}`);
    if (i.ignoredRecords.length > METRICS_MAX)
      lines.push(`- … ${i.ignoredRecords.length - METRICS_MAX} more`);
  }
  if (i.analysis) {
    const a = i.analysis;
    lines.push("");
    lines.push(
      `Failed analysis run ${mdCode(a.name, 100)} (${mdText(a.phase, 20)})${a.message ? `: ${mdText(a.message, MESSAGE_MAX)}` : ""}`,
    );
    lines.push("");
    lines.push("| metric | phase | last measured values | message |");
    lines.push("| --- | --- | --- | --- |");
    for (const m of a.metrics.slice(0, METRICS_MAX)) {
      lines.push(
        `| ${cell(m.name)} | ${cell(m.phase)} | ${cell(m.values.join(", ") || "—")} | ${cell(m.message ?? "")} |`,
      );
    }
    if (a.metrics.length > METRICS_MAX) lines.push(`| … ${a.metrics.length - METRICS_MAX} more | | | |`);
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
    default: {
      const error = markdown
        ? mdText(a.error ?? "failed", MESSAGE_MAX)
        : logText(a.error ?? "failed", MESSAGE_MAX);
      return `${notDone}: ${error}${per ? ` (${per})` : ""}`;
    }
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
