// `ngx-release analyze --explain`: for each comparative metric, the counts on each side read from
// Prometheus with the template's window at the same instant as the measurement, the statistic and
// decision recomputed from them with statistics.ts (the same code as the simulation), and the
// smallest regression that sample could have detected.
import { type Prometheus, PrometheusQueryError, type QueryValue } from "../adapters/prometheus.js";
import type { MetricPlan } from "./run.js";
import {
  type Bucket,
  DEFAULT_POWER,
  type Decision,
  errorComparison,
  errorMde,
  latencyComparison,
  latencyMde,
  STATISTIC_OF_TEMPLATE,
} from "./statistics.js";
import { argByRole } from "./templates.js";

export interface SideCounts {
  readonly requests: number;
  /** 5xx (error comparison) or requests slower than the threshold (latency comparison) */
  readonly bad?: number;
  readonly ratio?: number;
}

export interface Explanation {
  readonly rollout: string;
  readonly template: string;
  readonly metric: string;
  readonly statistic: "two-proportion z (pooled)" | "one-proportion z vs p0";
  readonly window: string;
  readonly canary: SideCounts;
  readonly stable: SideCounts;
  /** z before clamping and margin; undefined while inconclusive */
  readonly z?: number;
  /** the number the template's query returns, recomputed from the counts */
  readonly value: number;
  readonly criticalZ: number;
  readonly margin: number;
  readonly minRequests: number;
  readonly decision: Decision;
  /** latency: the stable quantile (interpolated as histogram_quantile does) compared against */
  readonly threshold?: number;
  /** the smallest regression this sample could have detected at criticalZ with 80% power */
  readonly detectable?: string;
  readonly detectableValue?: number;
  readonly queries: readonly string[];
}

const selector = (args: Readonly<Record<string, string>>, hash: string) =>
  `namespace="${args.namespace}", app="${args.service}", rollouts_pod_template_hash="${hash}"`;

function first(v: QueryValue): number {
  if (v.resultType === "scalar") return v.value;
  return v.samples[0]?.value ?? 0;
}

function buckets(v: QueryValue): Bucket[] {
  if (v.resultType !== "vector") return [];
  return v.samples.map((s) => ({
    le: s.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(s.labels.le),
    count: s.value,
  }));
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** A comparative metric whose counts Prometheus refused to give (e.g. a bad --arg window). */
export interface Unexplained {
  readonly rollout: string;
  readonly template: string;
  readonly metric: string;
  readonly unavailable: string;
}

/**
 * Explanations for the comparative metrics among `plans`; other metrics are skipped. A count query
 * Prometheus rejects gives an Unexplained entry; Prometheus unreachable is a RemoteError (exit 3).
 */
export async function explainComparisons(
  prometheus: Prometheus,
  plans: readonly MetricPlan[],
  time: Date,
): Promise<(Explanation | Unexplained)[]> {
  const out: (Explanation | Unexplained)[] = [];
  for (const plan of plans) {
    try {
      const e = await explainOne(prometheus, plan, time);
      if (e) out.push(e);
    } catch (e) {
      if (!(e instanceof PrometheusQueryError)) throw e;
      out.push({
        rollout: plan.rollout,
        template: plan.template,
        metric: plan.metric,
        unavailable: e.message,
      });
    }
  }
  return out;
}

async function explainOne(
  prometheus: Prometheus,
  plan: MetricPlan,
  time: Date,
): Promise<Explanation | undefined> {
  const kind = STATISTIC_OF_TEMPLATE[plan.template];
  const args = plan.args;
  if (!args || (kind !== "error-comparison" && kind !== "latency-comparison")) return undefined;
  const w = argByRole(args, "window") ?? "5m";
  const canaryHash = args["canary-hash"] ?? "";
  const stableHash = args["stable-hash"] ?? "";
  const params = {
    criticalZ: Number(argByRole(args, "critical-z")),
    margin: Number(argByRole(args, "margin")),
    minRequests: Number(argByRole(args, "min-requests")),
  };
  const base = {
    rollout: plan.rollout,
    template: plan.template,
    metric: plan.metric,
    window: w,
    ...params,
  };
  if (kind === "error-comparison") {
    const q = (hash: string, errors: boolean) =>
      `sum(increase(http_requests_total{${selector(args, hash)}${errors ? ', status=~"5.."' : ""}}[${w}]))`;
    const queries = [q(canaryHash, false), q(canaryHash, true), q(stableHash, false), q(stableHash, true)];
    const [nc, xc, ns, xs] = await Promise.all(
      queries.map(async (x) => first(await prometheus.query(x, time))),
    );
    const canary = { requests: nc ?? 0, errors: xc ?? 0 };
    const stable = { requests: ns ?? 0, errors: xs ?? 0 };
    const r = errorComparison(canary, stable, params);
    const mde =
      canary.requests > 0 && stable.requests > 0
        ? errorMde(canary.requests, stable.requests, stable.errors / stable.requests, params, DEFAULT_POWER)
        : undefined;
    return {
      ...base,
      statistic: "two-proportion z (pooled)",
      canary: { requests: canary.requests, bad: canary.errors, ratio: r.test?.canaryRatio },
      stable: { requests: stable.requests, bad: stable.errors, ratio: r.test?.stableRatio },
      ...(r.test ? { z: r.test.z } : {}),
      value: r.value,
      decision: r.decision,
      ...(mde
        ? {
            detectable: `5xx ${pct(stable.errors / stable.requests)} → ${pct(mde.detectableRatio)}${Number.isFinite(mde.relative) ? ` (×${mde.relative.toFixed(2)})` : ""}`,
            detectableValue: mde.detectableRatio,
          }
        : {}),
      queries,
    };
  }
  const q = (hash: string) =>
    `sum by (le) (increase(http_request_duration_seconds_bucket{${selector(args, hash)}}[${w}]))`;
  const queries = [q(canaryHash), q(stableHash)];
  const [cb, sb] = await Promise.all(queries.map(async (x) => buckets(await prometheus.query(x, time))));
  const quantile = Number(argByRole(args, "quantile") ?? "0.95");
  const r = latencyComparison(cb ?? [], sb ?? [], { ...params, quantile });
  const mde =
    r.canaryRequests > 0 && r.stableRequests > 0
      ? latencyMde(r.canaryRequests, r.stableRequests, { ...params, quantile }, DEFAULT_POWER)
      : undefined;
  return {
    ...base,
    statistic: "one-proportion z vs p0",
    canary: { requests: r.canaryRequests, bad: r.canarySlow, ratio: r.share },
    stable: { requests: r.stableRequests },
    ...(r.z === undefined ? {} : { z: r.z }),
    ...(r.threshold === undefined ? {} : { threshold: r.threshold }),
    value: r.value,
    decision: r.decision,
    ...(mde
      ? {
          detectable: `${pct(mde.share)} of canary requests slower than the stable p${Math.round(quantile * 100)} (expected ${pct(1 - quantile)})`,
          detectableValue: mde.share,
        }
      : {}),
    queries,
  };
}

/** Human lines for one explanation. */
export function formatExplanation(e: Explanation | Unexplained): string[] {
  if ("unavailable" in e)
    return [`${e.rollout} ${e.template}/${e.metric}: counts unavailable: ${e.unavailable}`];
  const n = (x: number | undefined) =>
    x === undefined ? "-" : Number.isInteger(x) ? String(x) : x.toFixed(1);
  const lines = [`${e.rollout} ${e.template}/${e.metric} (window ${e.window}): ${e.statistic}`];
  if (e.statistic === "two-proportion z (pooled)")
    lines.push(
      `  canary ${n(e.canary.requests)} requests, ${n(e.canary.bad)} 5xx (${e.canary.ratio === undefined ? "-" : pct(e.canary.ratio)}) · stable ${n(e.stable.requests)} requests, ${n(e.stable.bad)} 5xx (${e.stable.ratio === undefined ? "-" : pct(e.stable.ratio)})`,
    );
  else
    lines.push(
      `  stable p95 ≈ ${e.threshold === undefined ? "-" : e.threshold.toFixed(4)}s (interpolated) · canary ${n(e.canary.requests)} requests, ${n(e.canary.bad)} slower (${e.canary.ratio === undefined ? "-" : pct(e.canary.ratio)}) · stable ${n(e.stable.requests)} requests`,
    );
  lines.push(
    e.z === undefined
      ? `  too few requests (each side needs ${e.minRequests}): value -1 → inconclusive`
      : `  z = ${e.z.toFixed(3)} → value ${e.value.toFixed(3)} (margin ${e.margin}) vs critical z ${e.criticalZ} → ${e.decision}`,
  );
  if (e.detectable) lines.push(`  smallest regression this sample could detect (80% power): ${e.detectable}`);
  return lines;
}
