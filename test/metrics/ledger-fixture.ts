// A production ledger with hand-computed delivery metrics (window 2026-11-01 → 2026-11-11, 10 days):
//
//  id  version  created       statuses                                    start (lead time)
//  0   a0       10-30 10:00   success 10:30                               (before the window)
//  1   a1       11-02 10:00   in_progress 10:00, success 11-02 11:00      11-01 11:00 promotion → 24h
//  2   a2       11-04 09:00   in_progress 09:00, failure 11-04 10:00      (rejected 10:05, rolled back by 3)
//  3   a1       11-04 10:30   success 11-04 12:00                          unknown start
//  4   a3       11-06 08:00   success 11-06 09:00                          11-06 06:00 image → 3h
//  5   a4       11-08 14:00   success 15:00, failure 16:00, success 16:45 11-08 12:00 promotion → 3h
//  6   a5       11-10 20:00   failure 11-10 21:00                          (never succeeded)
//  7   a6       11-11 01:00   success 11-11 01:30                          (after the window)
//  s1  a3       11-05 12:00   staging, success (another environment: ignored)
//
// deployment frequency: 4 successful (1, 3, 4, 5) of 6 created in the window (1–6) → 0.4/day, 2.8/week
// lead time: [3h, 3h, 24h] → median 3h, p90 (nearest rank ⌈0.9·3⌉ = 3) 24h; 1 unknown start
// change failure rate: 2 (marked failure, rolled back, version rejected; failed 10:00, restored 12:00
//   → 2h), 5 (marked failure 16:00, restored 16:45 → 45m), 6 (failure, not restored inside the
//   window) → 3 ÷ 6 = 0.5
// time to restore: median of [45m, 2h] = 82.5m; 1 not restored
import type { DeploymentRecord, DeploymentState, Rejection } from "../../pipeline/src/ledger/types.js";
import { withStatuses } from "../../pipeline/src/ledger/types.js";
import type { ChangeStart } from "../../pipeline/src/metrics/dora.js";

export const WINDOW = { since: new Date("2026-11-01T00:00:00Z"), until: new Date("2026-11-11T00:00:00Z") };

const t = (md: string) => `2026-${md}:00Z`;

function dep(
  id: string,
  version: string,
  created: string,
  statuses: [DeploymentState, string][],
  environment = "production",
): DeploymentRecord {
  return withStatuses(
    { id, environment, sha: `${id}`.padEnd(40, "0"), version, images: [], createdAt: t(created) },
    statuses.map(([state, at]) => ({ state, createdAt: t(at) })),
  );
}

export const DEPLOYMENTS: DeploymentRecord[] = [
  dep("0", "a0", "10-30T10:00", [["success", "10-30T10:30"]]),
  dep("1", "a1", "11-02T10:00", [
    ["in_progress", "11-02T10:00"],
    ["success", "11-02T11:00"],
  ]),
  dep("2", "a2", "11-04T09:00", [
    ["in_progress", "11-04T09:00"],
    ["failure", "11-04T10:00"],
  ]),
  dep("3", "a1", "11-04T10:30", [["success", "11-04T12:00"]]),
  dep("4", "a3", "11-06T08:00", [["success", "11-06T09:00"]]),
  dep("5", "a4", "11-08T14:00", [
    ["success", "11-08T15:00"],
    ["failure", "11-08T16:00"],
    ["success", "11-08T16:45"],
  ]),
  dep("6", "a5", "11-10T20:00", [["failure", "11-10T21:00"]]),
  dep("7", "a6", "11-11T01:00", [["success", "11-11T01:30"]]),
  dep("101", "a3", "11-05T12:00", [["success", "11-05T13:00"]], "staging"),
];

export const REJECTIONS: Rejection[] = [
  { version: "a2", rejected: true, reason: "canary failed", at: t("11-04T10:05"), environment: "production" },
  // another environment's decision does not make a production deployment a failure
  { version: "a3", rejected: true, reason: "staging only", at: t("11-05T14:00"), environment: "staging" },
];

export const STARTS = new Map<string, ChangeStart>([
  ["1", { at: t("11-01T11:00"), source: "promotion first commit" }],
  ["4", { at: t("11-06T06:00"), source: "image source commit" }],
  ["5", { at: t("11-08T12:00"), source: "promotion first commit" }],
  ["6", { at: t("11-10T19:00"), source: "promotion first commit" }],
]);

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
