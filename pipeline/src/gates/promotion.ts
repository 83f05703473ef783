// What `promote` calls before writing anything: evaluate the gates for promoting into `to` and refuse
// (GateClosedError, exit 1, one reason per closed gate) unless the user skipped them with a reason,
// which then goes into the pull request. Also gives promote the ledger-backed rejected-versions lookup.
import type { Repo } from "../config/load.js";
import { GateClosedError, InputError } from "../errors.js";
import { openLedger } from "../ledger/open.js";
import { type RejectedLookup, rejectedVersionsFrom } from "../ledger/rejected.js";
import { clockFromEnv } from "../time/clock.js";
import type { GateResult } from "./index.js";
import { closedReasons, gateReportFor } from "./run.js";

export interface PromotionGates {
  /** the gate results to show in the pull request */
  readonly gates: readonly GateResult[];
  /** a line for the top of the pull request when gates were skipped */
  readonly note?: string;
  /** the rejected-versions lookup for promotion/plan.ts checkNotRejected */
  readonly rejected: RejectedLookup;
  /**
   * dry run with closed gates: the refusal a real run would throw, for the caller to report after
   * it has shown the change and the pull request text
   */
  readonly refusal?: GateClosedError;
}

export async function gatesForPromotion(
  repo: Repo,
  to: string,
  env: NodeJS.ProcessEnv,
  options: { skipGates?: boolean; reason?: string; dryRun?: boolean; progress?: (m: string) => void } = {},
): Promise<PromotionGates> {
  if (options.skipGates && !options.reason?.trim()) {
    throw new InputError('--skip-gates needs --reason "<why>" (it is written into the pull request)');
  }
  if (options.reason && !options.skipGates) {
    throw new InputError("--reason is only used with --skip-gates");
  }
  const ledger = await openLedger(repo, env, clockFromEnv(env));
  const rejected = rejectedVersionsFrom(ledger);
  options.progress?.(`evaluating the gates for ${to}`);
  const report = await gateReportFor(repo, to, env, { ledger });
  if (options.skipGates) {
    const closed = closedReasons(report);
    return {
      gates: report.gates,
      note: `⚠️ Gates skipped (--skip-gates): ${options.reason?.trim()}${closed.length ? ` — closed at the time: ${closed.join("; ")}` : ""}`,
      rejected,
    };
  }
  if (!report.open) {
    const reasons = closedReasons(report);
    const refusal = new GateClosedError(
      `refusing to promote into ${to}: ${reasons.length} gate(s) closed\n  ${reasons.join("\n  ")}`,
      reasons,
      {
        hint: `see ngx-release gate ${to}; to override: --skip-gates --reason "<why>"`,
      },
    );
    if (!options.dryRun) throw refusal;
    return { gates: report.gates, rejected, refusal };
  }
  return { gates: report.gates, rejected };
}
