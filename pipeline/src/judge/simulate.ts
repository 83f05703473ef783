// `ngx-release judge simulate`: a Monte Carlo of the canary (model.ts) at a given traffic rate.
// Each run draws, minute by minute (the analysis tick), the requests each side serves (Poisson),
// their 5xx (binomial) and their latency histogram (multinomial over the buckets, latency
// log-normal), with the traffic split by pod count as Argo Rollouts scales a replica-weighted canary.
// At every measurement time each metric gets the window's counts, computes the number its PromQL
// would return with statistics.ts, and is judged by the template's own conditions; failureLimit,
// inconclusiveLimit and consecutiveErrorLimit decide when the AnalysisRun fails or errors (abort)
// or goes Inconclusive (pause).
// The same random draws serve every template set (common random numbers), so sets differ only by
// what they measure.

import type { Verdict } from "../analysis/expression.js";
import {
  type Bucket,
  errorComparison,
  errorRateValue,
  latencyComparison,
  latencyP95Value,
  normalCdf,
  normalQuantile,
  wilsonInterval,
} from "../analysis/statistics.js";
import { argByRole } from "../analysis/templates.js";
import { InputError } from "../errors.js";
import type { CanaryModel, MetricModel } from "./model.js";
import type { SimulationOptions } from "./options.js";
import { createRandom, type Random } from "./random.js";

export { DEFAULT_BUCKETS, DEFAULT_OPTIONS, type SimulationOptions } from "./options.js";

export interface Scenario {
  readonly name: string;
  readonly errorFactor: number;
  readonly latencyFactor: number;
}

export type SetName = "thresholds" | "comparative" | "both";
export const SET_NAMES: readonly SetName[] = ["thresholds", "comparative", "both"];

export interface Rate {
  readonly count: number;
  readonly runs: number;
  readonly rate: number;
  /** 95% Wilson interval */
  readonly low: number;
  readonly high: number;
}

export interface SetResult {
  readonly set: SetName;
  readonly templates: readonly string[];
  /** aborted before the first step of weight ≥ 50% */
  readonly abortedBefore50: Rate;
  /** aborted at any time during the canary */
  readonly aborted: Rate;
  /** paused for a human (an Inconclusive AnalysisRun) before any abort */
  readonly paused: Rate;
  /** median minutes from the start of the canary to the abort, among aborted runs */
  readonly medianMinutesToAbort?: number;
}

export interface MetricFirstMeasurement {
  readonly template: string;
  readonly metric: string;
  /** share of runs whose FIRST measurement of this metric was Failed (independent across runs) */
  readonly failed: Rate;
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly sets: readonly SetResult[];
  readonly firstMeasurement: readonly MetricFirstMeasurement[];
}

export interface SimulationResult {
  readonly options: SimulationOptions;
  readonly rollout: string;
  readonly replicas: number;
  readonly phases: CanaryModel["phases"];
  readonly fiftyAtMinutes: number;
  readonly endMinutes: number;
  readonly tickSeconds: number;
  readonly skippedTemplates: readonly string[];
  readonly scenarios: readonly ScenarioResult[];
}

export function scenarios(options: SimulationOptions): Scenario[] {
  return [
    { name: "identical canary", errorFactor: 1, latencyFactor: 1 },
    ...options.errorFactors.map((f) => ({ name: `errors ×${f}`, errorFactor: f, latencyFactor: 1 })),
    ...options.latencyFactors.map((f) => ({ name: `latency ×${f}`, errorFactor: 1, latencyFactor: f })),
  ];
}

function rate(count: number, runs: number): Rate {
  const { low, high } = wilsonInterval(count, runs, 0.95);
  return { count, runs, rate: runs > 0 ? count / runs : 0, low, high };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export function validateOptions(o: SimulationOptions): void {
  const bad = (flag: string, v: unknown, valid: string) => {
    throw new InputError(`${flag} ${v}: ${valid}`);
  };
  if (!(o.rate > 0 && Number.isFinite(o.rate)))
    bad("--rate", o.rate, "expected requests per second > 0, e.g. 50");
  if (!(o.baselineError >= 0 && o.baselineError < 1))
    bad("--baseline-error", o.baselineError, "expected a share in [0, 1), e.g. 0.01");
  if (!(o.baselineP95 > 0)) bad("--baseline-p95", o.baselineP95, "expected seconds > 0, e.g. 0.2");
  if (!(o.latencySigma > 0)) bad("--latency-sigma", o.latencySigma, "expected > 0, e.g. 0.5");
  if (!(Number.isInteger(o.runs) && o.runs >= 1 && o.runs <= 1_000_000))
    bad("--runs", o.runs, "expected a whole number in 1 … 1000000");
  if (!Number.isInteger(o.seed)) bad("--seed", o.seed, "expected a whole number");
  for (const f of [...o.errorFactors, ...o.latencyFactors])
    if (!(f > 0)) bad("a regression factor", f, "expected > 0");
  for (const f of o.errorFactors)
    if (o.baselineError * f >= 1) bad("--baseline-error", o.baselineError, `× ${f} is not a share below 1`);
}

/** Probabilities of each bucket interval (…, le] for a log-normal with the given p95, +Inf last. */
function bucketProbabilities(buckets: readonly number[], p95: number, sigma: number): Float64Array {
  const mu = Math.log(p95) - normalQuantile(0.95) * sigma;
  const out = new Float64Array(buckets.length + 1);
  let prev = 0;
  for (const [i, le] of buckets.entries()) {
    const cdf = normalCdf((Math.log(le) - mu) / sigma);
    out[i] = Math.max(0, cdf - prev);
    prev = cdf;
  }
  out[buckets.length] = Math.max(0, 1 - prev);
  return out;
}

function multinomialInto(
  rng: Random,
  n: number,
  probs: Float64Array,
  into: Float64Array,
  offset: number,
): void {
  let rest = n;
  let mass = 1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (rest <= 0 || mass <= 0) {
      into[offset + i] = 0;
      continue;
    }
    const x = i === probs.length - 1 ? rest : rng.binomial(rest, Math.min(1, p / mass));
    into[offset + i] = x;
    rest -= x;
    mass -= p;
  }
}

export interface MetricState {
  failed: number;
  inconclusive: number;
  /** Error measurements in a row (reset by any other verdict) */
  consecutiveErrors: number;
  measurements: number;
  /** seconds of the abort / pause this metric causes, when it does */
  abortAt?: number;
  pauseAt?: number;
  firstFailed?: boolean;
}

/**
 * One measurement's verdict into the metric's counters, as Argo Rollouts keeps them
 * (analysis/analysis.go runMeasurements): Failed and Inconclusive count toward failureLimit and
 * inconclusiveLimit; Error counts only toward consecutiveErrorLimit, and every other verdict resets
 * that run of errors. The metric ends (assessMetricStatus) when failed > failureLimit (Failed →
 * abort), inconclusive > inconclusiveLimit (Inconclusive → pause) or consecutive errors >
 * consecutiveErrorLimit (Error → the Rollout aborts as on Failed).
 */
export function countMeasurement(
  st: MetricState,
  m: Pick<MetricModel, "failureLimit" | "inconclusiveLimit" | "consecutiveErrorLimit">,
  verdict: Verdict,
  t: number,
): void {
  if (verdict === "Error") {
    st.consecutiveErrors++;
    if (st.consecutiveErrors > m.consecutiveErrorLimit) st.abortAt = t;
    return;
  }
  st.consecutiveErrors = 0;
  if (verdict === "Failed") {
    st.failed++;
    if (st.failed > m.failureLimit) st.abortAt = t;
  } else if (verdict === "Inconclusive") {
    st.inconclusive++;
    if (st.inconclusive > m.inconclusiveLimit) st.pauseAt = t;
  }
}

/** Runs the whole simulation. Deterministic for a seed. */
export function simulate(model: CanaryModel, options: SimulationOptions): SimulationResult {
  validateOptions(options);
  const metrics = model.metrics;
  const tickSec = [
    ...metrics.flatMap((m) => [m.intervalSec, m.windowSec, m.initialDelaySec]),
    ...model.phases.flatMap((p) => [p.startSec, p.endSec]).filter(Number.isFinite),
  ]
    .filter((x) => x > 0)
    .map((x) => Math.round(x))
    .reduce(gcd, 0);
  if (!(tickSec >= 1))
    throw new InputError("the canary's intervals, windows and pauses give no time step to simulate");
  if (!Number.isFinite(model.endSec))
    throw new InputError(
      `${model.rollout}: the canary has an indefinite pause; there is no end to simulate up to`,
    );
  const maxWindowTicks = Math.max(...metrics.map((m) => m.windowSec / tickSec));
  const endTicks = Math.ceil(model.endSec / tickSec);
  const preTicks = maxWindowTicks; // stable-only history before the canary starts
  const totalTicks = preTicks + endTicks;
  const nb = options.buckets.length + 1;
  const les = [...options.buckets, Number.POSITIVE_INFINITY];

  // per tick: canary requests, errors; stable requests, errors; bucket counts (non-cumulative)
  // running totals over ticks (index k + 1 = ticks 0 … k), so a window is one subtraction
  const cReq = new Float64Array(totalTicks + 1);
  const cErr = new Float64Array(totalTicks + 1);
  const sReq = new Float64Array(totalTicks + 1);
  const sErr = new Float64Array(totalTicks + 1);
  const cBuck = new Float64Array((totalTicks + 1) * nb);
  const sBuck = new Float64Array((totalTicks + 1) * nb);
  const cTick = new Float64Array(nb);
  const sTick = new Float64Array(nb);
  const shareAt = new Float64Array(totalTicks);
  for (let k = 0; k < totalTicks; k++) {
    const t = (k - preTicks) * tickSec;
    const phase = model.phases.find((p) => t >= p.startSec && t < p.endSec);
    shareAt[k] = t < 0 || !phase ? 0 : phase.canaryPods / (phase.canaryPods + phase.stablePods);
  }
  const stableProbs = bucketProbabilities(options.buckets, options.baselineP95, options.latencySigma);

  const sets: Record<SetName, MetricModel[]> = {
    thresholds: metrics.filter((m) => !m.comparative),
    comparative: metrics.filter((m) => m.comparative),
    both: [...metrics],
  };
  const activeSets = SET_NAMES.filter((s) => sets[s].length > 0);
  // one-entry cache of the window's histograms (see measure)
  let cacheKey = -1;
  let cacheRun = -1;
  let currentRun = 0;
  let cachedCanary: Bucket[] = [];
  let cachedStable: Bucket[] = [];

  const results: ScenarioResult[] = [];
  for (const [si, scenario] of scenarios(options).entries()) {
    // one stream per scenario, so adding a scenario does not change the others' draws
    const rng = createRandom((options.seed * 1_000_003 + si * 7919) | 0);
    const canaryProbs = bucketProbabilities(
      options.buckets,
      options.baselineP95 * scenario.latencyFactor,
      options.latencySigma,
    );
    const pC = options.baselineError * scenario.errorFactor;
    const pS = options.baselineError;
    const outcome: Record<SetName, { abortBefore50: number; abort: number; pause: number; times: number[] }> =
      {
        thresholds: { abortBefore50: 0, abort: 0, pause: 0, times: [] },
        comparative: { abortBefore50: 0, abort: 0, pause: 0, times: [] },
        both: { abortBefore50: 0, abort: 0, pause: 0, times: [] },
      };
    const firstFailed = new Array<number>(metrics.length).fill(0);

    for (let run = 0; run < options.runs; run++) {
      currentRun++;
      let generated = 0;
      const generateUpTo = (k: number) => {
        for (; generated <= k && generated < totalTicks; generated++) {
          const g = generated;
          const share = shareAt[g] as number;
          const nC = rng.poisson(options.rate * share * tickSec);
          const nS = rng.poisson(options.rate * (1 - share) * tickSec);
          cReq[g + 1] = (cReq[g] as number) + nC;
          sReq[g + 1] = (sReq[g] as number) + nS;
          cErr[g + 1] = (cErr[g] as number) + rng.binomial(nC, pC);
          sErr[g + 1] = (sErr[g] as number) + rng.binomial(nS, pS);
          multinomialInto(rng, nC, canaryProbs, cTick, 0);
          multinomialInto(rng, nS, stableProbs, sTick, 0);
          for (let b = 0; b < nb; b++) {
            cBuck[(g + 1) * nb + b] = (cBuck[g * nb + b] as number) + (cTick[b] as number);
            sBuck[(g + 1) * nb + b] = (sBuck[g * nb + b] as number) + (sTick[b] as number);
          }
        }
      };
      const states: MetricState[] = metrics.map(() => ({
        failed: 0,
        inconclusive: 0,
        consecutiveErrors: 0,
        measurements: 0,
      }));
      // measurement events in time order across metrics
      const next = metrics.map((m) => m.initialDelaySec);
      for (;;) {
        let i = -1;
        let t = Number.POSITIVE_INFINITY;
        for (let j = 0; j < metrics.length; j++) {
          const st = states[j] as MetricState;
          if (st.abortAt !== undefined || st.pauseAt !== undefined) continue;
          if ((next[j] as number) < t) {
            t = next[j] as number;
            i = j;
          }
        }
        if (i < 0 || t >= model.endSec) break;
        const m = metrics[i] as MetricModel;
        const st = states[i] as MetricState;
        next[i] = t + m.intervalSec;
        // ticks k with tick end in (t − window, t]
        const lastTick = preTicks + Math.round(t / tickSec) - 1;
        const firstTick = lastTick - Math.round(m.windowSec / tickSec) + 1;
        generateUpTo(lastTick);
        const value = measure(m, firstTick, lastTick);
        const { verdict } = m.verdict([value]);
        if (st.measurements === 0) st.firstFailed = verdict === "Failed";
        st.measurements++;
        countMeasurement(st, m, verdict, t);
        // stop early once every metric has ended the run
        if (states.every((s) => s.abortAt !== undefined || s.pauseAt !== undefined)) break;
      }
      for (const [j, st] of states.entries())
        if (st.firstFailed) firstFailed[j] = (firstFailed[j] as number) + 1;
      for (const set of activeSets) {
        let abortAt = Number.POSITIVE_INFINITY;
        let pauseAt = Number.POSITIVE_INFINITY;
        for (const m of sets[set]) {
          const st = states[metrics.indexOf(m)] as MetricState;
          if (st.abortAt !== undefined) abortAt = Math.min(abortAt, st.abortAt);
          if (st.pauseAt !== undefined) pauseAt = Math.min(pauseAt, st.pauseAt);
        }
        const o = outcome[set];
        // a failed AnalysisRun aborts; a pause (Inconclusive run) earlier than any failure stops the
        // canary for a human first
        if (abortAt !== Number.POSITIVE_INFINITY && abortAt <= pauseAt) {
          o.abort++;
          o.times.push(abortAt);
          if (abortAt < model.fiftyAtSec) o.abortBefore50++;
        } else if (pauseAt !== Number.POSITIVE_INFINITY) {
          o.pause++;
        }
      }
    }
    results.push({
      scenario,
      sets: activeSets.map((set): SetResult => {
        const o = outcome[set];
        const sorted = [...o.times].sort((a, b) => a - b);
        const median =
          sorted.length === 0
            ? undefined
            : sorted.length % 2
              ? (sorted[(sorted.length - 1) / 2] as number)
              : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
        return {
          set,
          templates: [...new Set(sets[set].map((m) => m.template))],
          abortedBefore50: rate(o.abortBefore50, options.runs),
          aborted: rate(o.abort, options.runs),
          paused: rate(o.pause, options.runs),
          ...(median === undefined ? {} : { medianMinutesToAbort: median / 60 }),
        };
      }),
      firstMeasurement: metrics.map((m, j) => ({
        template: m.template,
        metric: m.metric,
        failed: rate(firstFailed[j] as number, options.runs),
      })),
    });
  }

  // window sums from running totals: index k + 1 holds the sum of ticks 0 … k
  function measure(m: MetricModel, first: number, last: number): number {
    const a = Math.max(0, first);
    const b1 = last + 1;
    const nC = (cReq[b1] as number) - (cReq[a] as number);
    const eC = (cErr[b1] as number) - (cErr[a] as number);
    const nS = (sReq[b1] as number) - (sReq[a] as number);
    const eS = (sErr[b1] as number) - (sErr[a] as number);
    const { min, criticalZ, margin, quantile } = statisticParams(m);
    const cumulative = (sums: Float64Array): Bucket[] => {
      let acc = 0;
      const out: Bucket[] = new Array(nb);
      for (let b = 0; b < nb; b++) {
        acc += (sums[b1 * nb + b] as number) - (sums[a * nb + b] as number);
        out[b] = { le: les[b] as number, count: acc };
      }
      return out;
    };
    // metrics measured at the same time over the same window share the histograms
    const key = a * 100_003 + b1;
    if (cacheKey !== key || cacheRun !== currentRun) {
      cacheKey = key;
      cacheRun = currentRun;
      cachedCanary = cumulative(cBuck);
      cachedStable = cumulative(sBuck);
    }
    const cb = cachedCanary;
    const sb = cachedStable;
    switch (m.kind) {
      case "error-rate":
        return errorRateValue({ requests: nC, errors: eC }, min);
      case "latency-p95":
        return latencyP95Value(cb, min);
      case "error-comparison":
        return errorComparison(
          { requests: nC, errors: eC },
          { requests: nS, errors: eS },
          { criticalZ, margin, minRequests: min },
        ).value;
      case "latency-comparison":
        return latencyComparison(cb, sb, {
          criticalZ,
          margin,
          minRequests: min,
          quantile,
        }).value;
    }
  }

  return {
    options,
    rollout: model.rollout,
    replicas: model.replicas,
    phases: model.phases,
    fiftyAtMinutes: model.fiftyAtSec / 60,
    endMinutes: model.endSec / 60,
    tickSeconds: tickSec,
    skippedTemplates: model.skipped,
    scenarios: results,
  };
}

// each metric's statistic parameters, read once per model (argument names differ per template:
// comparison-min-requests, error-margin, …)
const PARAMS = new WeakMap<
  MetricModel,
  { min: number; criticalZ: number; margin: number; quantile: number }
>();
function statisticParams(m: MetricModel) {
  let p = PARAMS.get(m);
  if (!p) {
    p = {
      min: Number(argByRole(m.args, "min-requests") ?? 0),
      criticalZ: Number(argByRole(m.args, "critical-z")),
      margin: Number(argByRole(m.args, "margin")),
      quantile: Number(argByRole(m.args, "quantile") ?? 0.95),
    };
    PARAMS.set(m, p);
  }
  return p;
}
