// google-signals: what only Google Cloud knows about the previous environment, read from Cloud
// Monitoring through the same MetricsSource interface as Prometheus: the Vertex AI error rate and the
// Cloud SQL instance's health (database/up) over a window. Vertex AI by `vertexAiSource`: publisher
// (default; Gemini called directly: publisher/online_serving/model_invocation_count of `vertexAiModel`,
// failed = response_code not 2xx) or endpoint (prediction/online/error_count ÷ prediction_count). Limits: `googleSignals` of the target environment (config/schema.ts
// googleSignalsSchema, defaults there). The project: `googleCloudProject` of the previous environment,
// else GOOGLE_CLOUD_PROJECT. Not configured, refused or unreachable → closed, never open.

import { type GoogleSignalsConfig, googleSignalsSchema } from "../config/schema.js";
import { RemoteError } from "../errors.js";
import {
  type CloudSqlUpCheck,
  checkCloudSqlUp,
  checkVertexAiModelInvocations,
  checkVertexAiPredictionErrors,
  type MetricsSource,
  VERTEX_AI,
  VERTEX_AI_PUBLISHER,
  type VertexAiErrorCheck,
} from "../metrics/source.js";
import { parseHumanDuration } from "../time/duration.js";
import { type Gate, NotConfigured } from "./types.js";

export interface GoogleSignalsVerdict {
  readonly open: boolean;
  /** the parts of the reason: every failing check when closed, both checks when open */
  readonly parts: readonly string[];
  readonly vertexAi: VertexAiErrorCheck;
  readonly cloudSql: CloudSqlUpCheck;
}

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;

/** Both checks over one window, against any MetricsSource. */
export async function judgeGoogleSignals(
  source: MetricsSource,
  options: { project: string; limits: GoogleSignalsConfig; end: Date },
): Promise<GoogleSignalsVerdict> {
  const { limits } = options;
  const windowMs = parseHumanDuration(limits.window);
  const end = options.end;
  const publisher = limits.vertexAiSource === "publisher";
  const [vertexAi, cloudSql] = await Promise.all([
    publisher
      ? checkVertexAiModelInvocations(source, {
          windowMs,
          end,
          maxErrorRate: limits.maxVertexAiErrorRate,
          ...(limits.vertexAiModel ? { model: limits.vertexAiModel } : {}),
        })
      : checkVertexAiPredictionErrors(source, {
          windowMs,
          end,
          maxErrorRate: limits.maxVertexAiErrorRate,
          ...(limits.vertexAiEndpoint ? { endpointId: limits.vertexAiEndpoint } : {}),
        }),
    checkCloudSqlUp(source, {
      project: options.project,
      instance: limits.cloudSqlInstance,
      windowMs,
      end,
      minUptime: limits.minCloudSqlUptime,
    }),
  ]);
  const min = limits.minVertexAiPredictions;
  const n = vertexAi.predictions;
  let vertexOk: boolean;
  let vertexText: string;
  if (publisher) {
    // one line naming the metric, the model and the counts
    const what = limits.vertexAiModel
      ? `Vertex AI ${limits.vertexAiModel} model_invocation_count`
      : "Vertex AI model_invocation_count (every publisher model)";
    if (n < min) {
      vertexOk = false;
      vertexText = `${what}: only ${n} invocations, at least ${min} needed to judge the error rate`;
    } else if (vertexAi.errorRate === undefined) {
      vertexOk = true;
      vertexText = `${what}: no invocations (none required)`;
    } else {
      vertexOk = vertexAi.verdict === "pass";
      vertexText = `${what}: ${vertexAi.errors}/${n} failed (response_code not 2xx) = ${percent(vertexAi.errorRate)} (${vertexOk ? "within" : "above"} ${percent(limits.maxVertexAiErrorRate)})`;
    }
  } else {
    const endpoint = limits.vertexAiEndpoint ? ` (endpoint ${limits.vertexAiEndpoint})` : "";
    if (n < min) {
      vertexOk = false;
      vertexText = `only ${n} Vertex AI predictions${endpoint}, at least ${min} needed to judge the error rate`;
    } else if (vertexAi.errorRate === undefined) {
      vertexOk = true;
      vertexText = `no Vertex AI predictions${endpoint} (none required)`;
    } else {
      vertexOk = vertexAi.verdict === "pass";
      vertexText = `Vertex AI prediction errors${endpoint} ${vertexAi.errors}/${n} = ${percent(vertexAi.errorRate)} (${vertexOk ? "within" : "above"} ${percent(limits.maxVertexAiErrorRate)})`;
    }
  }
  const sqlOk = cloudSql.verdict === "pass";
  const sqlText =
    cloudSql.verdict === "inconclusive"
      ? `no Cloud SQL database/up samples for ${cloudSql.databaseId} (no such instance, or no data yet)`
      : cloudSql.detail;
  const open = vertexOk && sqlOk;
  const parts = open
    ? [vertexText, sqlText]
    : [...(vertexOk ? [] : [vertexText]), ...(sqlOk ? [] : [sqlText])];
  return { open, parts, vertexAi, cloudSql };
}

/** the gRPC status and the service's text of an adapter error, without the filter it was reading */
function shortRemote(e: RemoteError, project: string): RemoteError {
  const m = /: ((?:[A-Z][A-Z_]{2,}|status \d+): .*)$/s.exec(e.message);
  const what = m?.[1] ?? e.message;
  const hint =
    e.status === 7
      ? `the credentials need roles/monitoring.viewer on ${project}`
      : e.status === 16
        ? "no usable Application Default Credentials"
        : undefined;
  return new RemoteError(`Cloud Monitoring projects/${project}`, `${what}${hint ? ` (${hint})` : ""}`, {
    cause: e,
    ...(e.status !== undefined ? { status: e.status } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
  });
}

export const googleSignals: Gate = async (ctx) => {
  const name = "google-signals" as const;
  const src = ctx.source.name;
  const limits = ctx.target.googleSignals ?? googleSignalsSchema.parse({});
  const project = ctx.source.googleCloudProject ?? ctx.inputs.defaultGoogleCloudProject;
  if (!project) {
    throw new NotConfigured(
      `Cloud Monitoring not configured for ${src}: set googleCloudProject of ${src} in environments/promotion.yaml, or GOOGLE_CLOUD_PROJECT`,
    );
  }
  const open = ctx.inputs.cloudMonitoring;
  if (!open) throw new NotConfigured("Cloud Monitoring not available");
  const source = await open(project);
  let verdict: GoogleSignalsVerdict;
  try {
    verdict = await judgeGoogleSignals(source, { project, limits, end: ctx.now });
  } catch (e) {
    throw e instanceof RemoteError ? shortRemote(e, project) : e;
  } finally {
    await source.close();
  }
  const { vertexAi: v, cloudSql: s } = verdict;
  return {
    name,
    open: verdict.open,
    reason: `${src} (${project}), last ${limits.window}: ${verdict.parts.join("; ")}`,
    details: {
      project,
      window: limits.window,
      vertexAi: {
        source: limits.vertexAiSource,
        metric:
          limits.vertexAiSource === "publisher"
            ? VERTEX_AI_PUBLISHER.invocationCount
            : `${VERTEX_AI.errorCount} ÷ ${VERTEX_AI.predictionCount}`,
        ...(limits.vertexAiModel ? { model: limits.vertexAiModel } : {}),
        ...(limits.vertexAiEndpoint ? { endpoint: limits.vertexAiEndpoint } : {}),
        /** publisher: invocations whose response_code is not 2xx; endpoint: prediction errors */
        errors: v.errors,
        /** publisher: every invocation; endpoint: predictions */
        predictions: v.predictions,
        ...(v.errorRate !== undefined ? { errorRate: v.errorRate } : {}),
        maxErrorRate: limits.maxVertexAiErrorRate,
        minPredictions: limits.minVertexAiPredictions,
      },
      cloudSql: {
        databaseId: s.databaseId,
        samples: s.samples,
        up: s.up,
        ...(s.uptime !== undefined ? { uptime: s.uptime } : {}),
        minUptime: limits.minCloudSqlUptime,
      },
    },
  };
};
