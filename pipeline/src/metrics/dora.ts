// The four delivery metrics (DORA) of one environment, computed from the deployment ledger alone:
// deployment frequency, lead time for changes, change failure rate and time to restore. Pure: the
// caller supplies the deployments, the rejections, when each change started (lead-start.ts) and the
// window. Every figure carries the counts behind it, so a reader can tell "0%" from "nothing to measure".
import type { DeploymentRecord, Rejection } from "../ledger/types.js";
import { parseHumanDuration } from "../time/duration.js";

export interface Window {
  /** inclusive */
  readonly since: Date;
  /** exclusive */
  readonly until: Date;
}

/** where a change's lead time starts, with how it was found */
export interface ChangeStart {
  /** ISO-8601 */
  readonly at: string;
  readonly source: "image source commit" | "promotion first commit";
  /** the commit whose time was used */
  readonly commit?: string;
}

export interface DeliveryInput {
  readonly environment: string;
  /** the environment's deployments (any order) */
  readonly deployments: readonly DeploymentRecord[];
  readonly rejections: readonly Rejection[];
  /** by deployment id; missing = start unknown */
  readonly starts: ReadonlyMap<string, ChangeStart>;
  readonly window: Window;
}

export interface DeploymentFrequency {
  /** deployments that reached success inside the window */
  readonly successful: number;
  /** deployments created inside the window (successful or not) */
  readonly attempted: number;
  readonly perDay: number;
  readonly perWeek: number;
}

export interface DurationStats {
  /** how many values the statistics are computed from */
  readonly count: number;
  /** milliseconds; undefined when count is 0 */
  readonly medianMs?: number;
  readonly p90Ms?: number;
}

export interface LeadTime extends DurationStats {
  /** successful deployments in the window */
  readonly deployments: number;
  /** of those, how many had no known start */
  readonly unknownStart: number;
  readonly bySource: Readonly<Record<ChangeStart["source"], number>>;
}

export type FailureReason = "marked failure" | "rolled back" | "version rejected";

export interface FailedDeployment {
  readonly id: string;
  readonly version: string;
  readonly reasons: readonly FailureReason[];
  /** when the failure was first seen (ISO-8601) */
  readonly failedAt: string;
  /** the first success after it (ISO-8601), when there is one */
  readonly restoredAt?: string;
  readonly restoreMs?: number;
}

export interface ChangeFailureRate {
  readonly failed: number;
  readonly deployments: number;
  /** failed ÷ deployments; undefined when there were none */
  readonly rate?: number;
}

export interface TimeToRestore {
  /** failures in the window that were followed by a success */
  readonly restored: number;
  /** failures still without a later success */
  readonly unrestored: number;
  readonly medianMs?: number;
}

export interface DeliveryMetrics {
  readonly environment: string;
  readonly window: { readonly since: string; readonly until: string; readonly days: number };
  readonly deploymentFrequency: DeploymentFrequency;
  readonly leadTime: LeadTime;
  readonly changeFailureRate: ChangeFailureRate;
  readonly timeToRestore: TimeToRestore;
  readonly failures: readonly FailedDeployment[];
}

const DAY_MS = 86_400_000;

const ms = (iso: string) => Date.parse(iso);
/** ledger ids: GitHub numbers or "local-<n>"; same-second deployments keep their creation order */
const idOrder = (id: string) => Number(/(\d+)$/.exec(id)?.[1] ?? 0);

function inWindow(iso: string | undefined, w: Window): boolean {
  if (!iso) return false;
  const t = ms(iso);
  return t >= w.since.getTime() && t < w.until.getTime();
}

/** median of sorted values: the middle one, or the mean of the two middle ones */
export function median(sorted: readonly number[]): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** nearest-rank percentile of sorted values: the value at rank ⌈p·n⌉ */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const rank = Math.max(1, Math.ceil(p * n));
  return sorted[rank - 1];
}

function stats(values: readonly number[]): DurationStats {
  const sorted = [...values].sort((a, b) => a - b);
  const m = median(sorted);
  const p90 = percentile(sorted, 0.9);
  return {
    count: sorted.length,
    ...(m !== undefined ? { medianMs: m } : {}),
    ...(p90 !== undefined ? { p90Ms: p90 } : {}),
  };
}

function firstFailureStatus(d: DeploymentRecord): string | undefined {
  return d.statuses.find((s) => s.state === "failure" || s.state === "error")?.createdAt;
}

/**
 * Why a deployment counts as a failed change: a failure/error status; or the next deployment went back
 * to a version this environment ran before it (a rollback); or its version was rejected in this
 * environment (ngx-release rollback rejects the version it rolls back from).
 */
function failureOf(
  d: DeploymentRecord,
  earlierVersions: ReadonlySet<string>,
  next: DeploymentRecord | undefined,
  rejection: Rejection | undefined,
): { reasons: FailureReason[]; failedAt: string } | undefined {
  const reasons: FailureReason[] = [];
  const times: string[] = [];
  const failedStatus = firstFailureStatus(d);
  if (failedStatus) {
    reasons.push("marked failure");
    times.push(failedStatus);
  }
  if (next && next.version !== d.version && earlierVersions.has(next.version)) {
    reasons.push("rolled back");
    times.push(next.createdAt);
  }
  if (rejection) {
    reasons.push("version rejected");
    times.push(rejection.at);
  }
  if (reasons.length === 0) return undefined;
  return { reasons, failedAt: times.sort((a, b) => ms(a) - ms(b))[0] as string };
}

/** the first success status at or after `after`, on this deployment or a later one */
function restoredAt(
  after: string,
  chronological: readonly DeploymentRecord[],
  from: number,
): string | undefined {
  let best: string | undefined;
  for (let i = from; i < chronological.length; i++) {
    const d = chronological[i] as DeploymentRecord;
    for (const s of d.statuses) {
      if (s.state === "success" && ms(s.createdAt) >= ms(after) && (!best || ms(s.createdAt) < ms(best))) {
        best = s.createdAt;
      }
    }
  }
  return best;
}

export function deliveryMetrics(input: DeliveryInput): DeliveryMetrics {
  const { window: w } = input;
  const days = (w.until.getTime() - w.since.getTime()) / DAY_MS;
  const chronological = input.deployments
    .filter((d) => d.environment === input.environment)
    .sort((a, b) => ms(a.createdAt) - ms(b.createdAt) || idOrder(a.id) - idOrder(b.id));

  // the latest decision per version, for this environment (or without one)
  const rejections = new Map<string, Rejection>();
  for (const r of input.rejections) {
    if (r.rejected && (r.environment === undefined || r.environment === input.environment)) {
      rejections.set(r.version, r);
    }
  }

  const attempted = chronological.filter((d) => inWindow(d.createdAt, w));
  const successful = chronological.filter((d) => inWindow(d.succeededAt, w));

  // lead time: successful deployments in the window with a known start
  const leadValues: number[] = [];
  const bySource: Record<ChangeStart["source"], number> = {
    "image source commit": 0,
    "promotion first commit": 0,
  };
  for (const d of successful) {
    const start = input.starts.get(d.id);
    if (!start || !d.succeededAt) continue;
    leadValues.push(Math.max(0, ms(d.succeededAt) - ms(start.at)));
    bySource[start.source] += 1;
  }

  // change failure rate and time to restore: deployments created in the window
  // a rejection belongs to the newest deployment of its version created at or before the decision
  const rejectedDeployment = new Map<string, string>();
  for (const [version, r] of rejections) {
    const owner = chronological.filter((d) => d.version === version && ms(d.createdAt) <= ms(r.at)).at(-1);
    if (owner) rejectedDeployment.set(owner.id, version);
  }

  const failures: FailedDeployment[] = [];
  const seen = new Set<string>();
  chronological.forEach((d, i) => {
    const earlier = new Set(seen);
    seen.add(d.version);
    if (!inWindow(d.createdAt, w)) return;
    const rejection = rejectedDeployment.has(d.id) ? rejections.get(d.version) : undefined;
    const f = failureOf(d, earlier, chronological[i + 1], rejection);
    if (!f) return;
    const restored = restoredAt(f.failedAt, chronological, i);
    const restoredInTime = restored && ms(restored) < w.until.getTime() ? restored : undefined;
    failures.push({
      id: d.id,
      version: d.version,
      reasons: f.reasons,
      failedAt: f.failedAt,
      ...(restoredInTime
        ? { restoredAt: restoredInTime, restoreMs: ms(restoredInTime) - ms(f.failedAt) }
        : {}),
    });
  });
  const restoreValues = failures
    .map((f) => f.restoreMs)
    .filter((v): v is number => v !== undefined)
    .sort((a, b) => a - b);
  const restoreMedian = median(restoreValues);

  return {
    environment: input.environment,
    window: { since: w.since.toISOString(), until: w.until.toISOString(), days },
    deploymentFrequency: {
      successful: successful.length,
      attempted: attempted.length,
      perDay: days > 0 ? successful.length / days : 0,
      perWeek: days > 0 ? (successful.length * 7) / days : 0,
    },
    leadTime: {
      ...stats(leadValues),
      deployments: successful.length,
      unknownStart: successful.length - leadValues.length,
      bySource,
    },
    changeFailureRate: {
      failed: failures.length,
      deployments: attempted.length,
      ...(attempted.length > 0 ? { rate: failures.length / attempted.length } : {}),
    },
    timeToRestore: {
      restored: restoreValues.length,
      unrestored: failures.length - restoreValues.length,
      ...(restoreMedian !== undefined ? { medianMs: restoreMedian } : {}),
    },
    failures,
  };
}

/**
 * "30d", "12h", "2w" → milliseconds; undefined when the text is not one (or is zero). The human
 * duration grammar of time/duration.ts with units h, d, w — not a Go duration.
 */
export function parseSince(text: string): number | undefined {
  try {
    const ms = parseHumanDuration(text.trim(), ["h", "d", "w"]);
    return ms > 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}
