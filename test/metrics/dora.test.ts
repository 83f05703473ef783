import { describe, expect, it } from "vitest";
import { deliveryMetrics, median, parseSince, percentile } from "../../pipeline/src/metrics/dora.js";
import {
  alignedEnd,
  emptyMessage,
  gaugePoints,
  isEmpty,
  metricsText,
} from "../../pipeline/src/metrics/report.js";
import { DEPLOYMENTS, HOUR, MINUTE, REJECTIONS, STARTS, WINDOW } from "./ledger-fixture.js";

const known = () =>
  deliveryMetrics({
    environment: "production",
    deployments: DEPLOYMENTS,
    rejections: REJECTIONS,
    starts: STARTS,
    window: WINDOW,
  });

describe("delivery metrics on a ledger with known answers", () => {
  it("deployment frequency counts successes in the window, with the attempts", () => {
    const m = known();
    expect(m.window).toEqual({
      since: "2026-11-01T00:00:00.000Z",
      until: "2026-11-11T00:00:00.000Z",
      days: 10,
    });
    expect(m.deploymentFrequency).toEqual({ successful: 4, attempted: 6, perDay: 0.4, perWeek: 2.8 });
  });

  it("lead time: median and nearest-rank p90 of the known starts, unknown starts counted", () => {
    expect(known().leadTime).toEqual({
      count: 3,
      medianMs: 3 * HOUR,
      p90Ms: 24 * HOUR,
      deployments: 4,
      unknownStart: 1,
      bySource: { "image source commit": 1, "promotion first commit": 2 },
    });
  });

  it("change failure rate: marked failure, rolled back or rejected, each failure once", () => {
    const m = known();
    expect(m.changeFailureRate).toEqual({ failed: 3, deployments: 6, rate: 0.5 });
    expect(m.failures.map((f) => [f.id, f.reasons])).toEqual([
      ["2", ["marked failure", "rolled back", "version rejected"]],
      ["5", ["marked failure"]],
      ["6", ["marked failure"]],
    ]);
    expect(m.failures[0]).toMatchObject({
      failedAt: "2026-11-04T10:00:00Z",
      restoredAt: "2026-11-04T12:00:00Z",
      restoreMs: 2 * HOUR,
    });
  });

  it("time to restore: failure → next success, median; a success after the window does not count", () => {
    const m = known();
    expect(m.timeToRestore).toEqual({ restored: 2, unrestored: 1, medianMs: 82.5 * MINUTE });
    expect(m.failures[2]?.restoredAt).toBeUndefined();
    // with the window reaching past deployment 7's success, failure 6 is restored after 4h30m
    const later = deliveryMetrics({
      environment: "production",
      deployments: DEPLOYMENTS,
      rejections: REJECTIONS,
      starts: STARTS,
      window: { since: WINDOW.since, until: new Date("2026-11-12T00:00:00Z") },
    });
    expect(later.failures.find((f) => f.id === "6")?.restoreMs).toBe(4.5 * HOUR);
    expect(later.timeToRestore).toEqual({ restored: 3, unrestored: 0, medianMs: 2 * HOUR });
  });

  it("a rollback is detected from the versions alone (no failure status, no rejection)", () => {
    const m = deliveryMetrics({
      environment: "production",
      deployments: DEPLOYMENTS.map((d) =>
        d.id === "2"
          ? { ...d, statuses: d.statuses.filter((s) => s.state !== "failure"), state: "in_progress" }
          : d,
      ),
      rejections: [],
      starts: STARTS,
      window: WINDOW,
    });
    expect(m.failures.find((f) => f.id === "2")).toMatchObject({
      reasons: ["rolled back"],
      failedAt: "2026-11-04T10:30:00Z",
      restoreMs: 1.5 * HOUR,
    });
  });

  it("reads clearly, with the counts behind every figure", () => {
    const text = metricsText(known());
    expect(text).toContain("0.40/day, 2.80/week");
    expect(text).toContain("4 successful of 6 deployments");
    expect(text).toContain("median 3h, p90 1d");
    expect(text).toContain("3 of 4 successful deployments with a known start");
    expect(text).toContain("50.0%");
    expect(text).toContain("3 failed of 6 deployments");
    expect(text).toContain("median 1h 22m");
    expect(text).toContain("2 restored, 1 not restored yet");
  });

  it("exports every figure that exists as a gauge, in seconds", () => {
    const points = Object.fromEntries(gaugePoints(known()).map((p) => [p.metric, p.value]));
    expect(points).toEqual({
      deployments_per_day: 0.4,
      deployments: 4,
      failed_deployments: 3,
      change_failure_rate: 0.5,
      lead_time_median_seconds: 3 * 3600,
      lead_time_p90_seconds: 24 * 3600,
      time_to_restore_median_seconds: 82.5 * 60,
    });
  });
});

describe("an empty ledger", () => {
  const m = deliveryMetrics({
    environment: "production",
    deployments: DEPLOYMENTS.filter((d) => d.environment === "staging"),
    rejections: [],
    starts: new Map(),
    window: WINDOW,
  });
  it("says so, and has no figures it cannot back", () => {
    expect(isEmpty(m)).toBe(true);
    expect(metricsText(m)).toBe(emptyMessage(m));
    expect(emptyMessage(m)).toMatch(/^no deployments recorded in production since 2026-11-01 00:00 UTC/);
    expect(m.changeFailureRate.rate).toBeUndefined();
    expect(m.leadTime.medianMs).toBeUndefined();
    expect(gaugePoints(m).map((p) => [p.metric, p.value])).toEqual([
      ["deployments_per_day", 0],
      ["deployments", 0],
      ["failed_deployments", 0],
    ]);
  });
});

describe("helpers", () => {
  it("median and nearest-rank percentile", () => {
    expect(median([])).toBeUndefined();
    expect(median([1, 2, 3])).toBe(2);
    expect(median([1, 2, 3, 10])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([5], 0.9)).toBe(5);
  });
  it("parses windows and refuses others", () => {
    expect(parseSince("30d")).toBe(30 * 24 * HOUR);
    expect(parseSince("12h")).toBe(12 * HOUR);
    expect(parseSince("2w")).toBe(14 * 24 * HOUR);
    for (const bad of ["0d", "30", "1y", "-1d", "d"]) expect(parseSince(bad)).toBeUndefined();
  });
  it("aligns the export time to the hour", () => {
    expect(alignedEnd(new Date("2026-11-26T10:59:59.999Z")).toISOString()).toBe("2026-11-26T10:00:00.000Z");
  });
});
