// The statistics of the comparative analysis templates (rollouts/analysis/
// analysis-template-error-rate-comparison.yaml, analysis-template-latency-comparison.yaml), in ONE
// place: `ngx-release analyze --explain` explains a measurement with these functions, and
// `ngx-release judge simulate` judges simulated canaries with them. Each `…Value` function returns
// exactly the number the template's PromQL returns for the same counts (a test checks this on a
// real Prometheus), sentinel -1 included; the template's conditions then decide.

// ---------------------------------------------------------------------------------------------
// The standard normal distribution

const SQRT2PI = Math.sqrt(2 * Math.PI);

/** Standard normal density φ(x). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT2PI;
}

/**
 * Upper tail Q(x) = 1 − Φ(x), accurate to ~1e-15 relative: Marsaglia's Taylor series
 * Φ(x) = ½ + φ(x)·(x + x³/3 + x⁵/15 + …) in the centre, the Laplace continued fraction
 * Q(x) = φ(x) / (x + 1/(x + 2/(x + 3/(x + …)))) in the tails (no cancellation there).
 */
export function normalSf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x === Number.NEGATIVE_INFINITY) return 1;
  if (Math.abs(x) < 3) {
    let term = x;
    let sum = x;
    for (let i = 1; i < 200; i++) {
      term *= (x * x) / (2 * i + 1);
      const next = sum + term;
      if (next === sum) break;
      sum = next;
    }
    return 0.5 - normalPdf(x) * sum;
  }
  if (x < 0) return 1 - normalSf(-x);
  // continued fraction, evaluated backwards from a depth that converges for x ≥ 3
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / f;
  return normalPdf(x) / f;
}

/** Φ(x), the standard normal CDF. */
export function normalCdf(x: number): number {
  return normalSf(-x);
}

// Acklam's rational approximation of Φ⁻¹ (relative error < 1.15e-9), refined by one Halley step.
const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
];
const B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
];
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** Φ⁻¹(p), the standard normal quantile (z such that Φ(z) = p). */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const [a0, a1, a2, a3, a4, a5] = A as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = B as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = C as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = D as [number, number, number, number];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
      (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  // Halley refinement: e = Φ(x) − p, computed on the smaller tail to keep relative precision
  const e = p < 0.5 ? normalCdf(x) - p : -(normalSf(x) - (1 - p));
  const u = e * SQRT2PI * Math.exp(0.5 * x * x);
  return x - u / (1 + (x * u) / 2);
}

// ---------------------------------------------------------------------------------------------
// Test statistics

/** Counts of one side (canary or stable) over the measurement window, as increase() gives them. */
export interface ErrorCounts {
  readonly requests: number;
  readonly errors: number;
}

/**
 * The denominator floor of the two-proportion test, in the template too: with no errors on either
 * side (pooled p = 0) the difference is 0 and z is 0, not 0/0.
 */
export const VARIANCE_FLOOR = 1e-12;

export interface TwoProportion {
  readonly canaryRatio: number;
  readonly stableRatio: number;
  readonly pooled: number;
  /** standard error of the difference under H0 (pooled) */
  readonly se: number;
  /** (p_canary − p_stable) / se */
  readonly z: number;
}

/** One-sided two-proportion z-test, pooled variance: is the canary's error share above stable's? */
export function twoProportionZ(canary: ErrorCounts, stable: ErrorCounts): TwoProportion {
  const canaryRatio = canary.errors / canary.requests;
  const stableRatio = stable.errors / stable.requests;
  const pooled = (canary.errors + stable.errors) / (canary.requests + stable.requests);
  const se = Math.sqrt(
    Math.max(pooled * (1 - pooled), VARIANCE_FLOOR) * (1 / canary.requests + 1 / stable.requests),
  );
  return { canaryRatio, stableRatio, pooled, se, z: (canaryRatio - stableRatio) / se };
}

/** One-sided one-proportion z-test of `hits` out of `n` against p0 (normal approximation). */
export function oneProportionZ(
  hits: number,
  n: number,
  p0: number,
): { share: number; se: number; z: number } {
  const share = hits / n;
  const se = Math.sqrt((p0 * (1 - p0)) / n);
  return { share, se, z: (share - p0) / se };
}

// ---------------------------------------------------------------------------------------------
// Histograms

/** One cumulative bucket of a Prometheus histogram (le = +Inf for the last one). */
export interface Bucket {
  readonly le: number;
  /** observations ≤ le (cumulative), e.g. increase() over the window */
  readonly count: number;
}

/** Sorted by le; +Inf last. */
export function sortBuckets(buckets: readonly Bucket[]): readonly Bucket[] {
  for (let i = 1; i < buckets.length; i++)
    if ((buckets[i] as Bucket).le < (buckets[i - 1] as Bucket).le)
      return [...buckets].sort((a, b) => a.le - b.le);
  return buckets;
}

/** Prometheus' histogram_quantile over cumulative buckets (linear interpolation in the bucket). */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const b = sortBuckets(buckets);
  const last = b[b.length - 1];
  if (b.length < 2 || !last || last.le !== Number.POSITIVE_INFINITY) return Number.NaN;
  const total = last.count;
  if (total === 0 || Number.isNaN(total)) return Number.NaN;
  const rank = q * total;
  let i = b.findIndex((x) => x.count >= rank);
  if (i < 0) i = b.length - 1;
  if (i === b.length - 1) return (b[b.length - 2] as Bucket).le;
  const cur = b[i] as Bucket;
  if (i === 0 && cur.le <= 0) return cur.le;
  const start = i === 0 ? 0 : (b[i - 1] as Bucket).le;
  const prevCount = i === 0 ? 0 : (b[i - 1] as Bucket).count;
  return start + (cur.le - start) * ((rank - prevCount) / (cur.count - prevCount));
}

// ---------------------------------------------------------------------------------------------
// What the templates compute, and how they decide

/** Which statistic each template computes (`analyze --explain` and `judge simulate` use it). */
export type StatisticKind = "error-rate" | "latency-p95" | "error-comparison" | "latency-comparison";

export const STATISTIC_OF_TEMPLATE: Readonly<Record<string, StatisticKind>> = {
  "ngx-error-rate": "error-rate",
  "ngx-latency-p95": "latency-p95",
  "ngx-error-rate-comparison": "error-comparison",
  "ngx-latency-comparison": "latency-comparison",
};

/** The power the minimum detectable effect is computed at. */
export const DEFAULT_POWER = 0.8;

/** The template's "too few requests" answer: neither condition holds → Inconclusive. */
export const SENTINEL = -1;

export type Decision = "pass" | "fail" | "inconclusive";

export interface ComparisonParams {
  /** z_{1−α}: fail when the statistic exceeds it (template arg critical-z) */
  readonly criticalZ: number;
  /** smallest difference that counts as a regression (template arg margin) */
  readonly margin: number;
  /** minimum requests on EACH side in the window (template arg min-requests) */
  readonly minRequests: number;
}

export interface ErrorComparison {
  readonly canary: ErrorCounts;
  readonly stable: ErrorCounts;
  readonly test?: TwoProportion;
  /** p_canary − p_stable */
  readonly difference?: number;
  /** what the template's query returns: -1, or max(z, 0) when the difference exceeds the margin, else 0 */
  readonly value: number;
  readonly decision: Decision;
}

/** decision of a comparative template's value (its conditions: ≥ 0 && ≤ z → pass; > z → fail) */
export function decide(value: number, criticalZ: number): Decision {
  if (value > criticalZ) return "fail";
  if (value >= 0 && value <= criticalZ) return "pass";
  return "inconclusive";
}

/** ngx-error-rate-comparison: counts of both sides → the template's value and decision. */
export function errorComparison(
  canary: ErrorCounts,
  stable: ErrorCounts,
  params: ComparisonParams,
): ErrorComparison {
  const enough = (n: number) => n >= params.minRequests && n > 0;
  if (!enough(canary.requests) || !enough(stable.requests))
    return { canary, stable, value: SENTINEL, decision: "inconclusive" };
  const test = twoProportionZ(canary, stable);
  const difference = test.canaryRatio - test.stableRatio;
  const value = difference > params.margin ? Math.max(test.z, 0) : 0;
  return { canary, stable, test, difference, value, decision: decide(value, params.criticalZ) };
}

export interface LatencyComparison {
  /** the stable quantile as histogram_quantile interpolates it (undefined: too few requests) */
  readonly threshold?: number;
  readonly canaryRequests: number;
  readonly stableRequests: number;
  /** canary requests slower than the threshold, interpolated in the same bucket */
  readonly canarySlow?: number;
  readonly share?: number;
  readonly z?: number;
  readonly value: number;
  readonly decision: Decision;
}

export interface LatencyParams extends ComparisonParams {
  /** the stable quantile (0.95); the share expected above it when canary ≈ stable is 1 − q */
  readonly quantile: number;
}

/**
 * ngx-latency-comparison: both sides' cumulative buckets → the template's value and decision.
 *
 * T is the stable quantile q as histogram_quantile interpolates it: in the stable bucket (lo, hi]
 * holding rank q·S(+Inf), at the fraction f = (q·S(+Inf) − S(lo)) / (S(hi) − S(lo)). The canary's
 * requests at or below T are interpolated with the SAME fraction in the same bucket:
 * C(T) = C(lo) + (C(hi) − C(lo))·f. If canary and stable were alike, C(T)/C(+Inf) ≈ q whatever the
 * bucket layout, so the share above T is compared with p0 = 1 − q. T is itself estimated from the
 * stable sample, so the standard error counts both samples: √(p0(1−p0)(1/n_c + 1/n_s)).
 * Sets are chosen as the query does: hi side = {le : S(le)/S(+Inf) ≥ q} (its minimum), lo side =
 * the rest (its maximum, 0 when empty).
 */
export function latencyComparison(
  canary: readonly Bucket[],
  stable: readonly Bucket[],
  params: LatencyParams,
): LatencyComparison {
  const c = sortBuckets(canary);
  const canaryRequests = c[c.length - 1]?.count ?? 0;
  const s = sortBuckets(stable);
  const stableRequests = s[s.length - 1]?.count ?? 0;
  const q = params.quantile;
  if (!(canaryRequests >= params.minRequests && stableRequests >= params.minRequests && canaryRequests > 0))
    return { canaryRequests, stableRequests, value: SENTINEL, decision: "inconclusive" };
  let sHi: number | undefined;
  let cHi: number | undefined;
  let sLo: number | undefined;
  let cLo: number | undefined;
  for (let i = 0; i < s.length; i++) {
    const x = s[i] as Bucket;
    const high = x.count / stableRequests >= q;
    if (high) sHi = sHi === undefined || x.count < sHi ? x.count : sHi;
    else sLo = sLo === undefined || x.count > sLo ? x.count : sLo;
    // the canary bucket of the same le (same layout on both sides: same index)
    const same = c[i];
    const y = same !== undefined && same.le === x.le ? same : c.find((b) => b.le === x.le);
    if (!y) continue;
    if (high) cHi = cHi === undefined || y.count < cHi ? y.count : cHi;
    else cLo = cLo === undefined || y.count > cLo ? y.count : cLo;
  }
  if (sHi === undefined || cHi === undefined)
    return { canaryRequests, stableRequests, value: SENTINEL, decision: "inconclusive" };
  const sBelow = sLo ?? 0;
  const cBelow = cLo ?? 0;
  const f = (q * stableRequests - sBelow) / (sHi - sBelow);
  const atOrBelow = cBelow + (cHi - cBelow) * f;
  const p0 = 1 - q;
  // the query's arithmetic, in the query's order, for an exact match
  const share = 1 - atOrBelow / canaryRequests;
  const z = (share - p0) / Math.sqrt(p0 * (1 - p0) * (1 / canaryRequests + 1 / stableRequests));
  const value = share - p0 > params.margin ? Math.max(z, 0) : 0;
  return {
    threshold: histogramQuantile(q, s),
    canaryRequests,
    stableRequests,
    canarySlow: canaryRequests - atOrBelow,
    share,
    z,
    value,
    decision: decide(value, params.criticalZ),
  };
}

// ---------------------------------------------------------------------------------------------
// Minimum detectable effect

/**
 * The smallest canary error share this sample could have detected with the given power at the
 * template's critical z (one-sided, normal approximation, variance at the stable share):
 * p_stable + max(margin, (z_{1−α} + z_power) · √(p(1−p)(1/n_c + 1/n_s))).
 */
export function errorMde(
  canaryRequests: number,
  stableRequests: number,
  stableRatio: number,
  params: Pick<ComparisonParams, "criticalZ" | "margin">,
  power = 0.8,
): { absolute: number; detectableRatio: number; relative: number } {
  const p = Math.min(Math.max(stableRatio, 1e-9), 1 - 1e-9);
  const se = Math.sqrt(p * (1 - p) * (1 / canaryRequests + 1 / stableRequests));
  const absolute = Math.max(params.margin, (params.criticalZ + normalQuantile(power)) * se);
  const detectableRatio = stableRatio + absolute;
  return {
    absolute,
    detectableRatio,
    relative: stableRatio > 0 ? detectableRatio / stableRatio : Number.POSITIVE_INFINITY,
  };
}

/** The smallest share of canary requests above the stable quantile this sample could detect. */
export function latencyMde(
  canaryRequests: number,
  stableRequests: number,
  params: Pick<LatencyParams, "criticalZ" | "margin" | "quantile">,
  power = 0.8,
): { share: number } {
  const p0 = 1 - params.quantile;
  const se = Math.sqrt(p0 * (1 - p0) * (1 / canaryRequests + 1 / stableRequests));
  return { share: p0 + Math.max(params.margin, (params.criticalZ + normalQuantile(power)) * se) };
}

// ---------------------------------------------------------------------------------------------
// The threshold templates' values (for the simulation's "thresholds" set)

/** ngx-error-rate: the canary's 5xx share, -1 below min-requests. */
export function errorRateValue(canary: ErrorCounts, minRequests: number): number {
  if (!(canary.requests >= minRequests) || canary.requests <= 0) return SENTINEL;
  return canary.errors / canary.requests;
}

/** ngx-latency-p95: the canary's p95 from its buckets, -1 below min-requests. */
export function latencyP95Value(canary: readonly Bucket[], minRequests: number, q = 0.95): number {
  const b = sortBuckets(canary);
  const total = b[b.length - 1]?.count ?? 0;
  if (!(total >= minRequests) || total <= 0) return SENTINEL;
  return histogramQuantile(q, b);
}

// ---------------------------------------------------------------------------------------------
// Binomial confidence intervals (for simulated rates)

/** Wilson score interval for k successes in n trials at the given two-sided confidence. */
export function wilsonInterval(k: number, n: number, confidence = 0.95): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
