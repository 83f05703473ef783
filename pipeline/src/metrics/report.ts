// How the delivery metrics read for people, and the gauges exported to Cloud Monitoring.

import { table } from "../output/format.js";
import { formatDuration } from "../time/duration.js";
import type { DeliveryMetrics } from "./dora.js";

const dur = (v: number | undefined) => (v === undefined ? "–" : formatDuration(v));
const pct = (v: number | undefined) => (v === undefined ? "–" : `${(v * 100).toFixed(1)}%`);
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const day = (iso: string) => iso.slice(0, 16).replace("T", " ");

export function isEmpty(m: DeliveryMetrics): boolean {
  return m.deploymentFrequency.attempted === 0 && m.deploymentFrequency.successful === 0;
}

export function emptyMessage(m: DeliveryMetrics): string {
  return `no deployments recorded in ${m.environment} since ${day(m.window.since)} UTC (window ${num(m.window.days)}d up to ${day(m.window.until)} UTC)`;
}

export function metricsText(m: DeliveryMetrics): string {
  if (isEmpty(m)) return emptyMessage(m);
  const f = m.deploymentFrequency;
  const l = m.leadTime;
  const c = m.changeFailureRate;
  const r = m.timeToRestore;
  const lines = [
    `delivery metrics for ${m.environment}, ${day(m.window.since)} → ${day(m.window.until)} UTC (${num(m.window.days)} days)`,
    "",
    table(
      ["metric", "value", "based on"],
      [
        [
          "deployment frequency",
          `${f.perDay.toFixed(2)}/day, ${f.perWeek.toFixed(2)}/week`,
          `${f.successful} successful of ${f.attempted} deployments`,
        ],
        [
          "lead time for changes",
          l.count ? `median ${dur(l.medianMs)}, p90 ${dur(l.p90Ms)}` : "–",
          `${l.count} of ${l.deployments} successful deployments with a known start` +
            (l.count
              ? ` (${l.bySource["image source commit"]} image source commit, ${l.bySource["promotion first commit"]} promotion first commit)`
              : ""),
        ],
        ["change failure rate", pct(c.rate), `${c.failed} failed of ${c.deployments} deployments`],
        [
          "time to restore",
          r.restored ? `median ${dur(r.medianMs)}` : "–",
          `${r.restored} restored, ${r.unrestored} not restored yet`,
        ],
      ],
    ),
  ];
  if (m.failures.length > 0) {
    lines.push("", "failed deployments:");
    for (const x of m.failures) {
      lines.push(
        `  ${x.id} version ${x.version}: ${x.reasons.join(", ")} at ${day(x.failedAt)}` +
          (x.restoredAt ? `, restored ${day(x.restoredAt)} (${dur(x.restoreMs)})` : ", not restored"),
      );
    }
  }
  return lines.join("\n");
}

/** one gauge point to export: metric suffix under custom.googleapis.com/ngx/delivery/ */
export interface GaugePoint {
  readonly metric: string;
  readonly description: string;
  readonly unit: string;
  readonly value: number;
}

export const METRIC_PREFIX = "custom.googleapis.com/ngx/delivery";

/**
 * The gauges for a window: every figure that exists, with the counts behind it. A figure without data
 * (no lead time measured) is left out rather than written as 0.
 */
export function gaugePoints(m: DeliveryMetrics): GaugePoint[] {
  const points: GaugePoint[] = [
    {
      metric: "deployments_per_day",
      description: "Successful deployments per day over the window",
      unit: "1/d",
      value: m.deploymentFrequency.perDay,
    },
    {
      metric: "deployments",
      description: "Successful deployments in the window",
      unit: "1",
      value: m.deploymentFrequency.successful,
    },
    {
      metric: "failed_deployments",
      description: "Deployments in the window followed by a rollback or marked failure",
      unit: "1",
      value: m.changeFailureRate.failed,
    },
  ];
  const add = (metric: string, description: string, unit: string, value: number | undefined) => {
    if (value !== undefined) points.push({ metric, description, unit, value });
  };
  add(
    "change_failure_rate",
    "Failed deployments ÷ deployments over the window",
    "1",
    m.changeFailureRate.rate,
  );
  const s = (v: number | undefined) => (v === undefined ? undefined : v / 1000);
  add(
    "lead_time_median_seconds",
    "Median lead time for changes over the window",
    "s",
    s(m.leadTime.medianMs),
  );
  add(
    "lead_time_p90_seconds",
    "90th percentile lead time for changes over the window",
    "s",
    s(m.leadTime.p90Ms),
  );
  add(
    "time_to_restore_median_seconds",
    "Median time to restore over the window",
    "s",
    s(m.timeToRestore.medianMs),
  );
  return points;
}

/** the window end aligned down to the hour: reruns within the hour write the same point */
export function alignedEnd(until: Date): Date {
  return new Date(Math.floor(until.getTime() / 3_600_000) * 3_600_000);
}
