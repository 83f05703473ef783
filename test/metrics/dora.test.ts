import { describe, expect, it } from "vitest";
import { withStatuses } from "../../pipeline/src/ledger/types.js";
import { deliveryMetrics, median, parseSince, percentile } from "../../pipeline/src/metrics/dora.js";
import { type CommitClock, changeStarts } from "../../pipeline/src/metrics/lead-start.js";
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

describe("rejections", () => {
  it("belong to the newest deployment of the version created before the decision", () => {
    const m = deliveryMetrics({
      environment: "production",
      deployments: DEPLOYMENTS,
      rejections: [
        ...REJECTIONS,
        {
          version: "a1",
          rejected: true,
          reason: "late finding",
          at: "2026-11-05T00:00:00Z",
          environment: "production",
        },
      ],
      starts: STARTS,
      window: WINDOW,
    });
    // deployment 3 (a1 again, the rollback) is the one rejected, not deployment 1
    expect(m.failures.map((f) => f.id)).toEqual(["2", "3", "5", "6"]);
    expect(m.failures[1]).toMatchObject({ reasons: ["version rejected"], failedAt: "2026-11-05T00:00:00Z" });
    // restored by deployment 4's success on 11-06 09:00
    expect(m.failures[1]?.restoreMs).toBe(33 * HOUR);
  });

  it("an unreject (rejected: false) or another environment's rejection does not count", () => {
    const m = deliveryMetrics({
      environment: "production",
      deployments: DEPLOYMENTS,
      rejections: [{ version: "a4", rejected: false, reason: "fixed", at: "2026-11-09T00:00:00Z" }],
      starts: STARTS,
      window: WINDOW,
    });
    expect(m.failures.find((f) => f.id === "5")?.reasons).toEqual(["marked failure"]);
    expect(m.failures.find((f) => f.id === "4")).toBeUndefined();
  });
});

describe("where a change starts", () => {
  const record = (id: string, environment: string, version: string, createdAt: string, tag?: string) =>
    withStatuses(
      {
        id,
        environment,
        sha: id.padEnd(40, "a"),
        version,
        createdAt,
        images: [
          { name: "ngx/orchestrator", ...(tag ? { newTag: tag } : { digest: `sha256:${"1".repeat(64)}` }) },
        ],
      },
      [],
    );
  // the commit clock as the forge would answer: known commits and their first-commit times
  const clock: CommitClock = {
    async firstCommitTime(sha) {
      const times: Record<string, string> = {
        ["stg".padEnd(40, "a")]: "2026-11-02T08:00:00.000Z",
        ["prd".padEnd(40, "a")]: "2026-11-03T08:00:00.000Z",
        ["late".padEnd(40, "a")]: "2026-11-01T00:00:00.000Z",
      };
      return times[sha] ? { at: times[sha] as string, commit: sha } : undefined;
    },
    async sourceCommitTime(tag) {
      return tag.startsWith("abc1234") ? "2026-10-30T12:00:00.000Z" : undefined;
    },
  };

  it("prefers an image's source commit, else the earliest promotion commit of the version in the chain", async () => {
    const stg = record("stg", "staging", "v1", "2026-11-02T09:00:00Z");
    const prd = record("prd", "production", "v1", "2026-11-03T09:00:00Z");
    // created after prd: its (earlier) commit time must not move prd's start
    const late = record("late", "staging", "v1", "2026-11-04T09:00:00Z");
    const tagged = record("tagged", "production", "v2", "2026-11-05T09:00:00Z", "sha-abc1234");
    const unknown = record("unknown", "production", "v3", "2026-11-06T09:00:00Z", "1.5.0");
    const starts = await changeStarts([prd, tagged, unknown], [stg, prd, late, tagged, unknown], clock);
    expect(starts.get("prd")).toEqual({
      at: "2026-11-02T08:00:00.000Z",
      source: "promotion first commit",
      commit: stg.sha,
    });
    expect(starts.get("tagged")).toEqual({
      at: "2026-10-30T12:00:00.000Z",
      source: "image source commit",
      commit: "abc1234",
    });
    expect(starts.has("unknown")).toBe(false);
  });
});
