// The pure parts of a load test: the plan (stages, caps, bad values), the request mix, percentiles and
// SLO verdicts, and how replica readings become a scaling summary.
import { describe, expect, it } from "vitest";
import { loadTestSchema } from "../../pipeline/src/config/schema.js";
import { InputError } from "../../pipeline/src/errors.js";
import { mixPicker, planProfile } from "../../pipeline/src/loadtest/profile.js";
import { figuresOf, percentile, sloBreaches } from "../../pipeline/src/loadtest/stats.js";
import { scalingOf } from "../../pipeline/src/loadtest/watch.js";

const env = { name: "staging" } as Parameters<typeof planProfile>[0];
const lt = (extra: Record<string, unknown> = {}) =>
  loadTestSchema.parse({ url: "https://api.staging.example.com", rate: 40, mix: [{ path: "/" }], ...extra });

describe("planProfile", () => {
  it("ramps in equal steps below the rate, then holds it", () => {
    const p = planProfile(env, lt({ ramp: "2m", rampSteps: 3, duration: "5m" }));
    expect(p.stages).toEqual([
      { phase: "ramp", rate: 10, seconds: 40 },
      { phase: "ramp", rate: 20, seconds: 40 },
      { phase: "ramp", rate: 30, seconds: 40 },
      { phase: "hold", rate: 40, seconds: 300 },
    ]);
    expect(p.totalSeconds).toBe(420);
    expect(p.slo).toEqual({ p95Ms: 2000, errorRate: 0.05 });
  });

  it("--find-capacity steps from the rate to maxRate", () => {
    const p = planProfile(env, lt({ ramp: "0s", capacity: { step: 20, stepDuration: "1m", maxRate: 100 } }), {
      findCapacity: true,
    });
    expect(p.stages.map((s) => [s.phase, s.rate])).toEqual([
      ["capacity", 40],
      ["capacity", 60],
      ["capacity", 80],
      ["capacity", 100],
    ]);
  });

  it.each([
    [{ rate: "0" }, /--rate "0": expected requests per second greater than 0/],
    [{ rate: "abc" }, /--rate "abc"/],
    [{ duration: "forever" }, /--duration "forever"/],
    [{ duration: "30m" }, /ramp 1m \+ --duration 30m = 1860s is over the cap .*maxDuration = 30m/],
  ])("refuses %j before any traffic (InputError, exit 2)", (o, message) => {
    expect(() => planProfile(env, lt(), o)).toThrow(InputError);
    expect(() => planProfile(env, lt(), o)).toThrow(message);
  });

  it("the schema refuses non-http(s) URLs, rates ≤ 0 and an empty mix", () => {
    for (const bad of [
      { url: "ftp://x" },
      { url: "api.example.com" },
      { rate: 0 },
      { rate: -1 },
      { mix: [] },
    ]) {
      expect(
        loadTestSchema.safeParse({ url: "https://x", rate: 1, mix: [{ path: "/" }], ...bad }).success,
      ).toBe(false);
    }
  });
});

describe("mixPicker", () => {
  it("interleaves routes in proportion to their weights", () => {
    const pick = mixPicker([
      { method: "GET", path: "/", weight: 8, label: "GET /" },
      { method: "GET", path: "/readyz", weight: 1, label: "GET /readyz" },
      { method: "GET", path: "/healthz", weight: 1, label: "GET /healthz" },
    ]);
    const first = Array.from({ length: 10 }, (_, n) => pick(n).index);
    expect(first.filter((i) => i === 0)).toHaveLength(8);
    expect(first.filter((i) => i === 1)).toHaveLength(1);
    expect(first.filter((i) => i === 2)).toHaveLength(1);
  });
});

describe("figures and SLOs", () => {
  it("nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 0.5), percentile(sorted, 0.95), percentile(sorted, 0.99)]).toEqual([
      50, 95, 99,
    ]);
    expect(percentile([], 0.95)).toBe(0);
  });

  it("latency counts from the intended send time; errors are 5xx and no answer, not 4xx; stopped requests are left out", () => {
    const f = figuresOf([
      { route: 0, stage: 0, intendedMs: 0, sentMs: 900, endMs: 1000, status: 200 },
      { route: 0, stage: 0, intendedMs: 100, sentMs: 100, endMs: 150, status: 404 },
      { route: 0, stage: 0, intendedMs: 200, sentMs: 200, endMs: 260, status: 503 },
      { route: 0, stage: 0, intendedMs: 300, endMs: 5300, error: "timeout" },
      { route: 0, stage: 0, intendedMs: 400, endMs: 410, error: "stopped" },
    ]);
    expect(f).toMatchObject({ requests: 4, answered: 3, errors: 2, errorRate: 0.5, maxSendDelayMs: 900 });
    expect(f.outcomes).toEqual({ "2xx": 1, "4xx": 1, "5xx": 1, timeout: 1 });
    expect(f.latency.maxMs).toBe(5000);
    expect(f.serviceTime.maxMs).toBe(100);
  });

  it("names the SLO and by how much", () => {
    const f = figuresOf(
      Array.from({ length: 20 }, (_, i) => ({
        route: 0,
        stage: 0,
        intendedMs: 0,
        sentMs: 0,
        endMs: i < 18 ? 100 : 2500,
        status: i === 0 ? 500 : 200,
      })),
    );
    expect(sloBreaches(f, { p95Ms: 2000, errorRate: 0.05 }).map((b) => b.message)).toEqual([
      "p95 latency 2.50 s ≥ the SLO 2.00 s (over by 500 ms)",
      "errors 5.0 % ≥ the SLO 5.0 % (over by 0.0 points; 1 of 20)",
    ]);
    expect(sloBreaches(f, { p95Ms: 3000, errorRate: 0.1 })).toEqual([]);
  });
});

describe("scalingOf", () => {
  it("start, max, time to scale out and whether maxReplicas was hit", () => {
    const s = scalingOf([
      { atMs: 0, workloads: { "api-gateway": { replicas: 3, maxReplicas: 10 }, redis: { replicas: 1 } } },
      { atMs: 15_000, workloads: { "api-gateway": { replicas: 3, desired: 5, maxReplicas: 10 } } },
      { atMs: 30_000, workloads: { "api-gateway": { replicas: 5, maxReplicas: 10 } } },
      { atMs: 45_000, workloads: { "api-gateway": { replicas: 10, desired: 10, maxReplicas: 10 } } },
    ]);
    expect(s).toEqual([
      {
        name: "api-gateway",
        startReplicas: 3,
        maxReplicas: 10,
        endReplicas: 10,
        timeToScaleOutMs: 30_000,
        hpaMaxReplicas: 10,
        hitMax: true,
      },
      { name: "redis", startReplicas: 1, maxReplicas: 1, endReplicas: 1, hitMax: false },
    ]);
  });
});
