// Figures from the samples of a run: latency percentiles measured from each request's intended send
// time (the SLO figure), the service time from when it went out on a socket (what a closed-loop tool
// would report), errors as the seed alert HighErrorRate counts them (5xx, plus no answer at all:
// timeouts and connection failures), and whether the generator held the rate. Pure.
import type { Sample } from "./generator.js";

export interface Percentiles {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface Figures {
  /** requests sent */
  readonly requests: number;
  /** answered with any HTTP status */
  readonly answered: number;
  /** 5xx answers + requests without an answer */
  readonly errors: number;
  readonly errorRate: number;
  /** by status class ("2xx", "4xx", "5xx") or failure ("timeout", "ECONNREFUSED", …) */
  readonly outcomes: Readonly<Record<string, number>>;
  /** from the intended send time to the end of the answer (coordinated omission accounted for) */
  readonly latency: Percentiles;
  /** from the moment the request went out on a socket to the end of the answer */
  readonly serviceTime: Percentiles;
  /** the longest a request waited between its intended send time and a socket */
  readonly maxSendDelayMs: number;
}

/** nearest-rank percentile of an ascending array (0 when empty) */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

function percentiles(values: number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    p50Ms: r(percentile(sorted, 0.5)),
    p95Ms: r(percentile(sorted, 0.95)),
    p99Ms: r(percentile(sorted, 0.99)),
    maxMs: r(sorted.length ? (sorted[sorted.length - 1] as number) : 0),
  };
}

export function isError(s: Sample): boolean {
  return s.status === undefined ? s.error !== "stopped" : s.status >= 500;
}

export function figuresOf(samples: readonly Sample[]): Figures {
  // requests cancelled by Ctrl-C never got the chance to answer: not counted
  const counted = samples.filter((s) => s.error !== "stopped");
  const outcomes: Record<string, number> = {};
  let answered = 0;
  let errors = 0;
  let maxSendDelayMs = 0;
  const latency: number[] = [];
  const service: number[] = [];
  for (const s of counted) {
    const key = s.status !== undefined ? `${Math.floor(s.status / 100)}xx` : (s.error ?? "error");
    outcomes[key] = (outcomes[key] ?? 0) + 1;
    if (s.status !== undefined) answered += 1;
    if (isError(s)) errors += 1;
    latency.push(s.endMs - s.intendedMs);
    if (s.sentMs !== undefined) {
      service.push(s.endMs - s.sentMs);
      maxSendDelayMs = Math.max(maxSendDelayMs, s.sentMs - s.intendedMs);
    }
  }
  return {
    requests: counted.length,
    answered,
    errors,
    errorRate: counted.length ? errors / counted.length : 0,
    outcomes,
    latency: percentiles(latency),
    serviceTime: percentiles(service),
    maxSendDelayMs: Math.round(maxSendDelayMs),
  };
}

export interface SloBreach {
  readonly slo: "p95" | "errorRate";
  /** "p95 2512 ms > 2000 ms (by 512 ms)" */
  readonly message: string;
  readonly value: number;
  readonly limit: number;
  readonly by: number;
}

/** The SLOs the figures break (p95 latency and error share must stay below their limits). */
export function sloBreaches(f: Figures, slo: { p95Ms: number; errorRate: number }): SloBreach[] {
  const out: SloBreach[] = [];
  if (f.requests > 0 && f.latency.p95Ms >= slo.p95Ms) {
    const by = Math.round((f.latency.p95Ms - slo.p95Ms) * 10) / 10;
    out.push({
      slo: "p95",
      value: f.latency.p95Ms,
      limit: slo.p95Ms,
      by,
      message: `p95 latency ${ms(f.latency.p95Ms)} ≥ the SLO ${ms(slo.p95Ms)} (over by ${ms(by)})`,
    });
  }
  if (f.requests > 0 && f.errorRate >= slo.errorRate) {
    const by = f.errorRate - slo.errorRate;
    out.push({
      slo: "errorRate",
      value: f.errorRate,
      limit: slo.errorRate,
      by,
      message: `errors ${pct(f.errorRate)} ≥ the SLO ${pct(slo.errorRate)} (over by ${(by * 100).toFixed(1)} points; ${f.errors} of ${f.requests})`,
    });
  }
  return out;
}

export function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

export function pct(v: number): string {
  return `${(v * 100).toFixed(1)} %`;
}
