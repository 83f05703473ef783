// statistics.ts against known values: the normal distribution (tables / high-precision references),
// the z statistics, Prometheus' histogram_quantile, the decisions the templates make, and the MDE.
import { describe, expect, it } from "vitest";
import { compileVerdict, measurementVerdict } from "../../pipeline/src/analysis/expression.js";
import {
  decide,
  errorComparison,
  errorMde,
  histogramQuantile,
  latencyComparison,
  latencyMde,
  normalCdf,
  normalQuantile,
  normalSf,
  oneProportionZ,
  SENTINEL,
  twoProportionZ,
  wilsonInterval,
} from "../../pipeline/src/analysis/statistics.js";

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe("the standard normal distribution", () => {
  it("Φ and its upper tail match reference values to 1e-12 relative", () => {
    const cases: [number, number][] = [
      [0, 0.5],
      [-1, 0.15865525393145705],
      [1.959963984540054, 0.975],
      [2.326347874040841, 0.99],
      [-3, 0.0013498980316300946],
      [-5, 2.866515718791939e-7],
      [-8, 6.22096057427178e-16],
      [-10, 7.619853024160527e-24],
    ];
    for (const [x, p] of cases) expect(rel(normalCdf(x), p), `Φ(${x})`).toBeLessThan(1e-12);
    expect(rel(normalSf(3.719016485455709), 1e-4)).toBeLessThan(1e-10);
    // the series/continued-fraction seam at |x| = 3 is continuous
    expect(rel(normalSf(2.9999999), normalSf(3.0000001))).toBeLessThan(1e-6);
  });

  it("Φ⁻¹ (Acklam + one Halley step) inverts Φ to 1e-12 and matches known quantiles", () => {
    const known: [number, number][] = [
      [0.5, 0],
      [0.95, 1.6448536269514722],
      [0.975, 1.959963984540054],
      [0.99, 2.3263478740408408],
      [0.999, 3.090232306167813],
      [0.9999, 3.719016485455709],
      [1e-10, -6.361340902404056],
    ];
    for (const [p, z] of known) expect(Math.abs(normalQuantile(p) - z), `Φ⁻¹(${p})`).toBeLessThan(1e-9);
    for (const p of [1e-12, 1e-6, 0.01, 0.02425, 0.3, 0.7, 0.97575, 0.999999])
      expect(rel(normalCdf(normalQuantile(p)), p), `Φ(Φ⁻¹(${p}))`).toBeLessThan(1e-12);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalQuantile(1.5)).toBeNaN();
  });
});

describe("test statistics", () => {
  it("two-proportion z with pooled variance (worked example)", () => {
    // 40/2000 vs 20/2000: p = 0.015, se = √(0.015·0.985·(2/2000)) = 0.0038438, z = 2.6016
    const t = twoProportionZ({ requests: 2000, errors: 40 }, { requests: 2000, errors: 20 });
    expect(t.pooled).toBeCloseTo(0.015, 12);
    expect(t.se).toBeCloseTo(Math.sqrt(0.015 * 0.985 * 0.001), 12);
    expect(t.z).toBeCloseTo(0.01 / Math.sqrt(0.015 * 0.985 * 0.001), 10);
    expect(t.z).toBeCloseTo(2.6016, 3);
    // no errors on either side: z is 0, not NaN (the template's variance floor)
    expect(twoProportionZ({ requests: 500, errors: 0 }, { requests: 900, errors: 0 }).z).toBe(0);
  });

  it("one-proportion z against p0", () => {
    const t = oneProportionZ(80, 1000, 0.05);
    expect(t.z).toBeCloseTo(0.03 / Math.sqrt(0.0475 / 1000), 12);
  });

  it("histogramQuantile interpolates like Prometheus' histogram_quantile", () => {
    const b = [
      { le: 0.1, count: 50 },
      { le: 0.25, count: 90 },
      { le: 0.5, count: 100 },
      { le: Number.POSITIVE_INFINITY, count: 100 },
    ];
    expect(histogramQuantile(0.5, b)).toBeCloseTo(0.1, 12); // rank 50 = end of the first bucket
    expect(histogramQuantile(0.95, b)).toBeCloseTo(0.25 + 0.25 * (5 / 10), 12);
    expect(histogramQuantile(0.25, b)).toBeCloseTo(0.05, 12); // first bucket starts at 0
    // rank in the +Inf bucket → the highest finite bound
    expect(
      histogramQuantile(0.99, [
        { le: 1, count: 90 },
        { le: Number.POSITIVE_INFINITY, count: 100 },
      ]),
    ).toBe(1);
    expect(
      histogramQuantile(0.5, [
        { le: Number.POSITIVE_INFINITY, count: 0 },
        { le: 1, count: 0 },
      ]),
    ).toBeNaN();
    // unsorted input is sorted first
    expect(histogramQuantile(0.95, [...b].reverse())).toBeCloseTo(0.375, 12);
  });
});

describe("the comparative templates' decisions", () => {
  const params = { criticalZ: 3.719, margin: 0.002, minRequests: 200 };

  it("maps a value to the template's verdict exactly as its conditions do", () => {
    const verdict = compileVerdict("result[0] >= 0 && result[0] <= 3.719", "result[0] > 3.719");
    for (const v of [-1, -0.5, 0, 1, 3.719, 3.7191, 50, Number.NaN]) {
      const expected = { pass: "Successful", fail: "Failed", inconclusive: "Inconclusive" }[decide(v, 3.719)];
      expect(verdict([v]).verdict, String(v)).toBe(expected);
      expect(
        measurementVerdict([v], "result[0] >= 0 && result[0] <= 3.719", "result[0] > 3.719").verdict,
      ).toBe(expected);
    }
    expect(verdict([]).verdict).toBe("Error");
  });

  it("errors: fails only when worse with confidence AND by more than the margin", () => {
    const stable = { requests: 30_000, errors: 300 };
    expect(errorComparison({ requests: 10_000, errors: 200 }, stable, params).decision).toBe("fail");
    const close = errorComparison({ requests: 10_000, errors: 115 }, stable, params);
    expect(close.decision).toBe("pass");
    // a huge sample makes +0.1 points significant, but it is below the 0.2-point margin → 0
    const huge = errorComparison(
      { requests: 10_000_000, errors: 110_000 },
      { requests: 30_000_000, errors: 300_000 },
      params,
    );
    expect(huge.test?.z).toBeGreaterThan(3.719);
    expect(huge).toMatchObject({ value: 0, decision: "pass" });
    // a better canary: negative z, value 0
    const better = errorComparison({ requests: 10_000, errors: 20 }, stable, { ...params, margin: -1 });
    expect(better.test?.z).toBeLessThan(0);
    expect(better.value).toBe(0);
  });

  it("errors: inconclusive (sentinel) while either side has fewer than min-requests", () => {
    const ok = { requests: 5000, errors: 50 };
    for (const [c, s] of [
      [{ requests: 199, errors: 100 }, ok],
      [ok, { requests: 199, errors: 0 }],
      [{ requests: 0, errors: 0 }, ok],
    ] as const)
      expect(errorComparison(c, s, params)).toMatchObject({ value: SENTINEL, decision: "inconclusive" });
    expect(errorComparison({ requests: 0, errors: 0 }, ok, { ...params, minRequests: 0 }).decision).toBe(
      "inconclusive",
    );
  });

  it("latency: the canary's share above the stable p95, interpolated in the same bucket", () => {
    const stable = [
      { le: 0.1, count: 900 },
      { le: 0.25, count: 990 },
      { le: 0.5, count: 1000 },
      { le: Number.POSITIVE_INFINITY, count: 1000 },
    ];
    const slow = [
      { le: 0.1, count: 500 },
      { le: 0.25, count: 800 },
      { le: 0.5, count: 1000 },
      { le: Number.POSITIVE_INFINITY, count: 1000 },
    ];
    const r = latencyComparison(slow, stable, { ...params, quantile: 0.95 });
    // stable p95: rank 950 in (0.1, 0.25] at f = (950 − 900) / (990 − 900) = 5/9
    const f = 50 / 90;
    expect(r.threshold).toBeCloseTo(0.1 + 0.15 * f, 12);
    expect(r.canarySlow).toBeCloseTo(1000 - (500 + 300 * f), 9);
    expect(r.share).toBeCloseTo(1 - (500 + 300 * f) / 1000, 12);
    expect(r.z).toBeCloseTo(((r.share ?? 0) - 0.05) / Math.sqrt(0.05 * 0.95 * (2 / 1000)), 9);
    expect(r.decision).toBe("fail");
    // a canary like stable: exactly the expected 5% above, whatever the bucket layout
    const same = latencyComparison(stable, stable, { ...params, quantile: 0.95 });
    expect(same.share).toBeCloseTo(0.05, 12);
    expect(same).toMatchObject({ value: 0, decision: "pass" });
    const scaled = stable.map((b) => ({ le: b.le, count: b.count * 3 }));
    expect(latencyComparison(scaled, stable, { ...params, quantile: 0.95 }).share).toBeCloseTo(0.05, 12);
    // the stable p95 in the first bucket: lo = 0
    const low = [
      { le: 0.1, count: 990 },
      { le: Number.POSITIVE_INFINITY, count: 1000 },
    ];
    expect(latencyComparison(low, low, { ...params, quantile: 0.95 }).share).toBeCloseTo(0.05, 12);
    expect(latencyComparison(slow, [], { ...params, quantile: 0.95 }).decision).toBe("inconclusive");
  });

  it("the minimum detectable effect is the difference detected with 80% power", () => {
    const mde = errorMde(3750, 11_250, 0.01, params, 0.8);
    // at p_c = p_s + MDE the expected z (variance at p_s) is z_α + z_0.8
    const se = Math.sqrt(0.01 * 0.99 * (1 / 3750 + 1 / 11_250));
    expect(mde.absolute / se).toBeCloseTo(3.719 + normalQuantile(0.8), 9);
    expect(mde.relative).toBeCloseTo((0.01 + mde.absolute) / 0.01, 12);
    // never below the margin
    expect(errorMde(1e9, 1e9, 0.01, params).absolute).toBe(0.002);
    expect(latencyMde(1000, 3000, { ...params, quantile: 0.95 }).share).toBeCloseTo(
      0.05 + (3.719 + normalQuantile(0.8)) * Math.sqrt(0.0475 * (1 / 1000 + 1 / 3000)),
      12,
    );
  });

  it("Wilson intervals", () => {
    const w = wilsonInterval(5, 100, 0.95);
    expect(w.low).toBeCloseTo(0.02154, 4);
    expect(w.high).toBeCloseTo(0.11175, 4);
    expect(wilsonInterval(0, 1000).low).toBe(0);
  });
});
