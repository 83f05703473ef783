// The simulation's options and defaults, apart from simulate.ts so `judge simulate --help` shows the
// defaults without loading the templates and the expression parser.

/** Histogram buckets of http_request_duration_seconds (metric-catalogue: must include 0.1 … 5). */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10] as const;

export interface SimulationOptions {
  /** requests per second to the service (all pods) */
  readonly rate: number;
  /** stable 5xx share */
  readonly baselineError: number;
  /** stable p95 latency, seconds */
  readonly baselineP95: number;
  /** σ of log latency (log-normal); 0.5 puts the median at p95/2.28 */
  readonly latencySigma: number;
  readonly buckets: readonly number[];
  readonly runs: number;
  readonly seed: number;
  /** error-rate multipliers to test (×1.5, ×2, ×5) */
  readonly errorFactors: readonly number[];
  /** latency multipliers (every quantile × factor) */
  readonly latencyFactors: readonly number[];
}

export const DEFAULT_OPTIONS: SimulationOptions = {
  rate: 50,
  baselineError: 0.01,
  baselineP95: 0.2,
  latencySigma: 0.5,
  buckets: DEFAULT_BUCKETS,
  runs: 2000,
  seed: 1,
  errorFactors: [1.5, 2, 5],
  latencyFactors: [1.5, 2],
};
