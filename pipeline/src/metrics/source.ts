// A metrics source as analysis and gates read it: one number for a query over a window. Prometheus
// (PromQL, adapters/prometheus.ts) and Cloud Monitoring (a Monitoring filter, adapters/cloud-monitoring.ts)
// both sit behind it, so a check that needs a Google-only signal (Vertex AI endpoint prediction errors
// and latency, Vertex AI publisher-model (Gemini) invocation failures, Cloud SQL health) is written
// once against this interface.
import type { Prometheus } from "../adapters/prometheus.js";

export type Reducer = "sum" | "max" | "mean";

export interface ScalarQuery {
  /** PromQL for Prometheus; a Monitoring filter (metric.type = "…" AND …) for Cloud Monitoring */
  readonly query: string;
  /** how far back from `end` the points are read (Cloud Monitoring; PromQL carries its own range) */
  readonly windowMs: number;
  /** default: now */
  readonly end?: Date;
  /** how points and series are combined into one number (default sum) */
  readonly reduce?: Reducer;
}

export interface ScalarReading {
  /** undefined when nothing matched (no series or no points) */
  readonly value?: number;
  readonly series: number;
  readonly points: number;
}

export interface MetricsSource {
  readonly name: string;
  scalar(query: ScalarQuery): Promise<ScalarReading>;
}

export function reduceValues(values: readonly number[], reduce: Reducer = "sum"): number | undefined {
  if (values.length === 0) return undefined;
  if (reduce === "max") return Math.max(...values);
  const sum = values.reduce((a, b) => a + b, 0);
  return reduce === "mean" ? sum / values.length : sum;
}

/** Prometheus behind the same interface: an instant query whose samples are reduced to one number. */
export function prometheusSource(prometheus: Prometheus): MetricsSource {
  return {
    name: `Prometheus ${prometheus.url}`,
    async scalar(q) {
      const v = await prometheus.query(q.query, q.end);
      const values = v.resultType === "scalar" ? [v.value] : v.samples.map((s) => s.value);
      const value = reduceValues(
        values.filter((x) => !Number.isNaN(x)),
        q.reduce,
      );
      return { ...(value !== undefined ? { value } : {}), series: values.length, points: values.length };
    },
  };
}

/** Vertex AI online prediction signals (Cloud Monitoring metric types). */
export const VERTEX_AI = {
  errorCount: "aiplatform.googleapis.com/prediction/online/error_count",
  predictionCount: "aiplatform.googleapis.com/prediction/online/prediction_count",
  latencies: "aiplatform.googleapis.com/prediction/online/prediction_latencies",
} as const;

export interface VertexAiErrorCheck {
  readonly errors: number;
  readonly predictions: number;
  /** errors ÷ predictions; undefined without predictions */
  readonly errorRate?: number;
  readonly maxErrorRate: number;
  readonly verdict: "pass" | "fail" | "inconclusive";
  readonly detail: string;
}

/**
 * Vertex AI prediction error rate over a window, as a gate or analysis step reads it: fails above
 * `maxErrorRate`, inconclusive when there were no predictions (nothing to judge).
 */
export async function checkVertexAiPredictionErrors(
  source: MetricsSource,
  options: { windowMs: number; end?: Date; maxErrorRate: number; endpointId?: string },
): Promise<VertexAiErrorCheck> {
  const scope = options.endpointId ? ` AND resource.labels.endpoint_id = "${options.endpointId}"` : "";
  const base = {
    windowMs: options.windowMs,
    ...(options.end ? { end: options.end } : {}),
    reduce: "sum" as const,
  };
  const errors = await source.scalar({ ...base, query: `metric.type = "${VERTEX_AI.errorCount}"${scope}` });
  const predictions = await source.scalar({
    ...base,
    query: `metric.type = "${VERTEX_AI.predictionCount}"${scope}`,
  });
  const e = errors.value ?? 0;
  const n = predictions.value ?? 0;
  const max = options.maxErrorRate;
  if (n <= 0) {
    return {
      errors: e,
      predictions: n,
      maxErrorRate: max,
      verdict: "inconclusive",
      detail: `no Vertex AI predictions in the window (${source.name})`,
    };
  }
  const rate = e / n;
  const verdict = rate > max ? "fail" : "pass";
  return {
    errors: e,
    predictions: n,
    errorRate: rate,
    maxErrorRate: max,
    verdict,
    detail: `Vertex AI prediction errors ${e}/${n} = ${(rate * 100).toFixed(2)}% (${verdict === "fail" ? "above" : "within"} ${(max * 100).toFixed(2)}%)`,
  };
}

/**
 * Vertex AI publisher models called directly (Gemini through generateContent, no endpoint of ours):
 * one DELTA INT64 count of invocations per model, on the aiplatform.googleapis.com/PublisherModel
 * resource (labels model_user_id, publisher, model_version_id, location), with the metric label
 * response_code ("200", "429", "500", …) among request_type and method.
 */
export const VERTEX_AI_PUBLISHER = {
  invocationCount: "aiplatform.googleapis.com/publisher/online_serving/model_invocation_count",
  resourceType: "aiplatform.googleapis.com/PublisherModel",
} as const;

export interface VertexAiInvocationCheck extends VertexAiErrorCheck {
  /** the publisher model (resource label model_user_id); undefined = every publisher model */
  readonly model?: string;
  /** the two Monitoring filters read: every invocation, and the 2xx ones */
  readonly filters: { readonly total: string; readonly ok: string };
}

/**
 * Failed invocations of a Vertex AI publisher model over a window: `errors` are the invocations whose
 * response_code is not 2xx — 5xx (the service failed), 429 (quota exhausted: the caller saw a failure)
 * and every other 4xx (400 a request the new version builds wrong, 403 a missing IAM grant, 404 a
 * wrong model id: the failures a release causes) — and `predictions` every invocation. Two reads of
 * one window: the 2xx invocations first, then all of them, so a point landing between the reads can
 * only count as a failure (the gate closes, never opens, on it). Fails above `maxErrorRate`,
 * inconclusive without invocations.
 */
export async function checkVertexAiModelInvocations(
  source: MetricsSource,
  options: { windowMs: number; end?: Date; maxErrorRate: number; model?: string },
): Promise<VertexAiInvocationCheck> {
  const scope =
    `metric.type = "${VERTEX_AI_PUBLISHER.invocationCount}" AND resource.type = "${VERTEX_AI_PUBLISHER.resourceType}"` +
    (options.model ? ` AND resource.labels.model_user_id = "${options.model}"` : "");
  const filters = { total: scope, ok: `${scope} AND metric.labels.response_code = starts_with("2")` };
  const base = {
    windowMs: options.windowMs,
    ...(options.end ? { end: options.end } : {}),
    reduce: "sum" as const,
  };
  const ok = await source.scalar({ ...base, query: filters.ok });
  const total = await source.scalar({ ...base, query: filters.total });
  const n = total.value ?? 0;
  const e = Math.max(0, n - (ok.value ?? 0));
  const max = options.maxErrorRate;
  const model = options.model ? { model: options.model } : {};
  const what = `Vertex AI ${options.model ?? "publisher model"} invocations`;
  if (n <= 0) {
    return {
      ...model,
      filters,
      errors: e,
      predictions: n,
      maxErrorRate: max,
      verdict: "inconclusive",
      detail: `no ${what} in the window (${source.name})`,
    };
  }
  const rate = e / n;
  const verdict = rate > max ? "fail" : "pass";
  return {
    ...model,
    filters,
    errors: e,
    predictions: n,
    errorRate: rate,
    maxErrorRate: max,
    verdict,
    detail: `${what} failed (response_code not 2xx) ${e}/${n} = ${(rate * 100).toFixed(2)}% (${verdict === "fail" ? "above" : "within"} ${(max * 100).toFixed(2)}%)`,
  };
}

/** Cloud SQL health (Cloud Monitoring): database/up is a GAUGE INT64, 1 up and 0 down, sampled every 60 s. */
export const CLOUD_SQL = {
  up: "cloudsql.googleapis.com/database/up",
  resourceType: "cloudsql_database",
} as const;

/** Cloud Monitoring's database_id label of a Cloud SQL instance: "<project>:<instance>" */
export const cloudSqlDatabaseId = (project: string, instance: string) => `${project}:${instance}`;

export interface CloudSqlUpCheck {
  readonly databaseId: string;
  /** samples in the window, and how many of them said up */
  readonly samples: number;
  readonly up: number;
  /** up ÷ samples; undefined without samples */
  readonly uptime?: number;
  readonly minUptime: number;
  readonly verdict: "pass" | "fail" | "inconclusive";
  readonly detail: string;
}

/**
 * Share of a Cloud SQL instance's database/up samples that were up over a window: fails below
 * `minUptime` (1 = every sample up), inconclusive without samples (no such instance, or no data yet).
 */
export async function checkCloudSqlUp(
  source: MetricsSource,
  options: { project: string; instance: string; windowMs: number; end?: Date; minUptime: number },
): Promise<CloudSqlUpCheck> {
  const databaseId = cloudSqlDatabaseId(options.project, options.instance);
  // points are 0 or 1, so their sum counts the samples that said up
  const r = await source.scalar({
    query: `metric.type = "${CLOUD_SQL.up}" AND resource.type = "${CLOUD_SQL.resourceType}" AND resource.labels.database_id = "${databaseId}"`,
    windowMs: options.windowMs,
    ...(options.end ? { end: options.end } : {}),
    reduce: "sum",
  });
  const samples = r.points;
  const up = r.value ?? 0;
  const min = options.minUptime;
  if (samples === 0) {
    return {
      databaseId,
      samples,
      up,
      minUptime: min,
      verdict: "inconclusive",
      detail: `no Cloud SQL database/up samples for ${databaseId} (${source.name})`,
    };
  }
  const uptime = up / samples;
  const verdict = uptime >= min ? "pass" : "fail";
  const pct = (x: number) => `${(x * 100).toFixed(x === 1 ? 0 : 1)}%`;
  return {
    databaseId,
    samples,
    up,
    uptime,
    minUptime: min,
    verdict,
    detail:
      verdict === "pass"
        ? `Cloud SQL ${databaseId} up ${up}/${samples} samples`
        : `Cloud SQL ${databaseId} down in ${samples - up} of ${samples} samples (up ${pct(uptime)}, below ${pct(min)})`,
  };
}
