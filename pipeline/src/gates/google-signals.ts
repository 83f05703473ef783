// google-signals: what only Google Cloud knows about the previous environment, read from Cloud
// Monitoring through the same MetricsSource interface as Prometheus: the Vertex AI online prediction
// error rate (prediction/online/error_count ÷ prediction_count) and the Cloud SQL instance's health
// (database/up) over a window. Limits: `googleSignals` of the target environment (config/schema.ts
// googleSignalsSchema, defaults there). The project: `googleCloudProject` of the previous environment,
// else GOOGLE_CLOUD_PROJECT. Not configured, refused or unreachable → closed, never open.
import { parseDuration } from "../config/duration.js";
import { type GoogleSignalsConfig, googleSignalsSchema } from "../config/schema.js";
import { RemoteError } from "../errors.js";
import {
  type CloudSqlUpCheck,
  checkCloudSqlUp,
  checkVertexAiPredictionErrors,
  type MetricsSource,
  type VertexAiErrorCheck,
} from "../metrics/source.js";
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
  const windowMs = parseDuration(limits.window);
  const [vertexAi, cloudSql] = await Promise.all([
    checkVertexAiPredictionErrors(source, {
      windowMs,
      end: options.end,
      maxErrorRate: limits.maxVertexAiErrorRate,
      ...(limits.vertexAiEndpoint ? { endpointId: limits.vertexAiEndpoint } : {}),
    }),
    checkCloudSqlUp(source, {
      project: options.project,
      instance: limits.cloudSqlInstance,
      windowMs,
      end: options.end,
      minUptime: limits.minCloudSqlUptime,
    }),
  ]);
  const endpoint = limits.vertexAiEndpoint ? ` (endpoint ${limits.vertexAiEndpoint})` : "";
  let vertexOk: boolean;
  let vertexText: string;
  if (vertexAi.predictions < limits.minVertexAiPredictions) {
    vertexOk = false;
    vertexText = `only ${vertexAi.predictions} Vertex AI predictions${endpoint}, at least ${limits.minVertexAiPredictions} needed to judge the error rate`;
  } else if (vertexAi.errorRate === undefined) {
    vertexOk = true;
    vertexText = `no Vertex AI predictions${endpoint} (none required)`;
  } else {
    vertexOk = vertexAi.verdict === "pass";
    vertexText = `Vertex AI prediction errors${endpoint} ${vertexAi.errors}/${vertexAi.predictions} = ${percent(vertexAi.errorRate)} (${vertexOk ? "within" : "above"} ${percent(limits.maxVertexAiErrorRate)})`;
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
        errors: v.errors,
        predictions: v.predictions,
        ...(v.errorRate !== undefined ? { errorRate: v.errorRate } : {}),
        maxErrorRate: limits.maxVertexAiErrorRate,
        minPredictions: limits.minVertexAiPredictions,
        ...(limits.vertexAiEndpoint ? { endpoint: limits.vertexAiEndpoint } : {}),
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
