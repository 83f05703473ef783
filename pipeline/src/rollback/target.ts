// Which version a rollback restores: pure functions over the ledger's records.
//   - automatic: the newest deployment of the environment that reached success, whose version is not
//     rejected and is not the failing one (the last known good);
//   - --to <version>: that version must have reached success in this environment and not be rejected.
// A version that never succeeded in the environment is never a target.
import { CheckFailedError, InputError } from "../errors.js";
import type { DeploymentRecord, Rejection } from "../ledger/types.js";
import { VERSION_PATTERN } from "../ledger/version.js";

export interface TargetChoice {
  readonly deployment: DeploymentRecord;
  readonly how: "last-known-good" | "requested";
}

export class NoKnownGoodError extends CheckFailedError {}

export function chooseTarget(input: {
  readonly env: string;
  /** newest first */
  readonly deployments: readonly DeploymentRecord[];
  /** the latest decision per version (ledger.listRejections) */
  readonly rejections: readonly Rejection[];
  /** the version Git names now (the one being rolled back) */
  readonly failedVersion: string;
  readonly to?: string;
}): TargetChoice {
  const rejected = new Map(input.rejections.filter((r) => r.rejected).map((r) => [r.version, r]));
  const succeeded = input.deployments.filter((d) => d.succeededAt);
  if (input.to !== undefined) {
    const to = input.to.trim();
    if (!VERSION_PATTERN.test(to)) {
      throw new InputError(
        `--to ${JSON.stringify(input.to)} is not a version id (12 lower-case hex digits)`,
        {
          hint: `ngx-release status ${input.env} lists the versions deployed there`,
        },
      );
    }
    if (to === input.failedVersion) {
      throw new InputError(`--to ${to} is the version ${input.env} names now: nothing to roll back to`);
    }
    const r = rejected.get(to);
    if (r) {
      throw new CheckFailedError(
        `refusing to roll ${input.env} back to ${to}: that version is rejected${r.environment ? ` (failed in ${r.environment})` : ""} since ${r.at}: ${r.reason}`,
        { hint: `ngx-release unreject ${to} --reason "<why it is safe>" first, or omit --to` },
      );
    }
    const d = succeeded.find((x) => x.version === to);
    if (!d) {
      const seen = input.deployments.some((x) => x.version === to);
      throw new CheckFailedError(
        `refusing to roll ${input.env} back to ${to}: it ${seen ? "was deployed there but never reached success" : "was never deployed there"} (a rollback only restores versions that succeeded in ${input.env})`,
        { hint: `versions that succeeded in ${input.env}: ${listGood(succeeded, rejected) || "none"}` },
      );
    }
    return { deployment: d, how: "requested" };
  }
  const d = succeeded.find((x) => x.version !== input.failedVersion && !rejected.has(x.version));
  if (!d) {
    throw new NoKnownGoodError(
      `ALERT: no known good version of ${input.env} to roll back to: the ledger has ${succeeded.length} successful deployment(s) there, none other than the failing version ${input.failedVersion} and not rejected. Git still names ${input.failedVersion}.`,
      {
        hint: `fix forward (release a corrected image), or roll back to a version by hand: ngx-release rollback ${input.env} --to <version> --reason "…"`,
      },
    );
  }
  return { deployment: d, how: "last-known-good" };
}

function listGood(succeeded: readonly DeploymentRecord[], rejected: ReadonlyMap<string, Rejection>): string {
  return [...new Set(succeeded.filter((d) => !rejected.has(d.version)).map((d) => d.version))]
    .slice(0, 5)
    .join(", ");
}
