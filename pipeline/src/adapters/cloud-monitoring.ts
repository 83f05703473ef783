// Cloud Monitoring (@google-cloud/monitoring, gRPC). The only importer of that SDK, and it imports it
// lazily (await import) so commands that never talk to Google start fast. Two uses:
//  - exportGauges: the delivery metrics as custom metrics (custom.googleapis.com/ngx/delivery/…,
//    GAUGE DOUBLE, label environment). Descriptors are created once (get, create on NOT_FOUND); each
//    point is written at the window end aligned to the hour, so a rerun writes the same point again and
//    Cloud Monitoring's "points must be written in order" refusal means "already written".
//  - cloudMonitoringSource: listTimeSeries behind the MetricsSource interface (metrics/source.ts).
// Project: GOOGLE_CLOUD_PROJECT; credentials: Application Default Credentials.
// NGX_MONITORING_ENDPOINT=host:port talks plaintext gRPC to an emulator without any credentials.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, RemoteError } from "../errors.js";
import { type MetricsSource, reduceValues } from "../metrics/source.js";

const SERVICE = "Cloud Monitoring";

export interface MonitoringSettings {
  readonly projectId: string;
  /** host:port of a plaintext endpoint (emulator); undefined = monitoring.googleapis.com with ADC */
  readonly endpoint?: string;
  /** per call, retries included (default 20 s; NGX_MONITORING_TIMEOUT_MS) */
  readonly timeoutMs?: number;
  /**
   * where Application Default Credentials come from: a key/federation file (GOOGLE_APPLICATION_CREDENTIALS
   * or gcloud's well-known file), the GCE/GKE metadata server (only when METADATA_SERVER_DETECTION or
   * GCE_METADATA_HOST says so), or nowhere — then nothing is asked and no metadata server is probed
   */
  readonly credentials?: "file" | "metadata-server" | "none";
}

/** Finds where ADC would come from without any network call (google-auth-library would probe 169.254.169.254). */
export function credentialSource(env: NodeJS.ProcessEnv): "file" | "metadata-server" | "none" {
  if (env.GOOGLE_APPLICATION_CREDENTIALS?.trim()) return "file";
  const configDir =
    env.CLOUDSDK_CONFIG?.trim() || (env.HOME ? join(env.HOME, ".config", "gcloud") : undefined);
  if (configDir && existsSync(join(configDir, "application_default_credentials.json"))) return "file";
  const detection = env.METADATA_SERVER_DETECTION?.trim();
  if (env.GCE_METADATA_HOST?.trim() || detection === "assume-present" || detection === "ping-only") {
    return "metadata-server";
  }
  return "none";
}

const DEFAULT_TIMEOUT_MS = 20_000;

export function monitoringSettingsFromEnv(env: NodeJS.ProcessEnv): MonitoringSettings {
  const projectId = env.GOOGLE_CLOUD_PROJECT?.trim();
  if (!projectId) {
    throw new ConfigError("GOOGLE_CLOUD_PROJECT is not set: Cloud Monitoring needs the project to write to", {
      hint: "export GOOGLE_CLOUD_PROJECT=<project id> (credentials: gcloud auth application-default login, or a workload identity)",
    });
  }
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(projectId)) {
    throw new ConfigError(
      `GOOGLE_CLOUD_PROJECT=${JSON.stringify(projectId)} is not a project id (6-30 lowercase letters, digits and hyphens, starting with a letter)`,
    );
  }
  const endpoint = env.NGX_MONITORING_ENDPOINT?.trim();
  if (endpoint !== undefined && endpoint !== "" && !/^[^\s:/]+:\d{1,5}$/.test(endpoint)) {
    throw new ConfigError(
      `NGX_MONITORING_ENDPOINT=${JSON.stringify(endpoint)} is not host:port (e.g. 127.0.0.1:8085)`,
    );
  }
  const timeout = Number(env.NGX_MONITORING_TIMEOUT_MS);
  return {
    projectId,
    ...(endpoint ? { endpoint } : {}),
    ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutMs: timeout } : {}),
    credentials: endpoint ? "none" : credentialSource(env),
  };
}

/** gRPC status codes we name in messages */
const STATUS_NAMES: Record<number, string> = {
  1: "CANCELLED",
  2: "UNKNOWN",
  3: "INVALID_ARGUMENT",
  4: "DEADLINE_EXCEEDED",
  5: "NOT_FOUND",
  6: "ALREADY_EXISTS",
  7: "PERMISSION_DENIED",
  8: "RESOURCE_EXHAUSTED",
  9: "FAILED_PRECONDITION",
  13: "INTERNAL",
  14: "UNAVAILABLE",
  16: "UNAUTHENTICATED",
};
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const INVALID_ARGUMENT = 3;

interface GrpcLikeError {
  code?: number;
  details?: string;
  message?: string;
}

function grpcCode(e: unknown): number | undefined {
  const code = (e as GrpcLikeError)?.code;
  return typeof code === "number" ? code : undefined;
}

/** the service's message; gax's retry wrapper appends every earlier attempt, which helps nobody */
function grpcDetails(e: unknown): string {
  const x = e as GrpcLikeError;
  const text = (x?.details || x?.message || String(e)).split(" : Previous errors")[0]?.trim() ?? "";
  return text.length > 400 ? `${text.slice(0, 399)}…` : text;
}

export function toMonitoringError(e: unknown, what: string): RemoteError {
  const code = grpcCode(e);
  const name = code !== undefined ? (STATUS_NAMES[code] ?? `status ${code}`) : "error";
  const hint =
    code === 7
      ? "the credentials need roles/monitoring.metricWriter (export) or roles/monitoring.viewer (read) on the project"
      : code === 16
        ? "no usable Application Default Credentials: gcloud auth application-default login, or a workload identity"
        : code === 14 || code === 4
          ? "Cloud Monitoring did not answer in time (retried); check the network or NGX_MONITORING_ENDPOINT, then rerun: points already written are not counted twice"
          : code === INVALID_ARGUMENT && /\bpoints?\b|end.?time|past|future/i.test(grpcDetails(e))
            ? "Cloud Monitoring accepts points from the last 25 hours up to 5 minutes ahead: export with --until within that range"
            : undefined;
  return new RemoteError(SERVICE, `${what}: ${name}: ${grpcDetails(e)}`, {
    cause: e,
    ...(code !== undefined ? { status: code } : {}),
    ...(hint ? { hint } : {}),
  });
}

/** Cloud Monitoring's refusal of a point not newer than the series' last one */
export function isOutOfOrderWrite(e: unknown): boolean {
  // only this refusal: "too old" (beyond 25 hours) or "in the future" must surface as errors
  return grpcCode(e) === INVALID_ARGUMENT && /must be written in order/i.test(grpcDetails(e));
}

// the SDK's client, typed by what we use (the SDK types stay inside this file)
type MetricServiceClient = InstanceType<typeof import("@google-cloud/monitoring")["MetricServiceClient"]>;

async function createClient(settings: MonitoringSettings): Promise<MetricServiceClient> {
  const { MetricServiceClient } = await import("@google-cloud/monitoring");
  if (settings.endpoint) {
    const grpc = await import("@grpc/grpc-js");
    const i = settings.endpoint.lastIndexOf(":");
    return new MetricServiceClient({
      servicePath: settings.endpoint.slice(0, i),
      port: Number(settings.endpoint.slice(i + 1)),
      // plaintext and no credentials: gax uses sslCreds instead of asking google-auth-library
      sslCreds: grpc.credentials.createInsecure(),
      projectId: settings.projectId,
      // stated, so google-auth-library never looks for credentials (or a metadata server) to learn it
      universeDomain: "googleapis.com",
    });
  }
  if (settings.credentials === "none") {
    throw new ConfigError(
      "no Application Default Credentials for Cloud Monitoring (GOOGLE_APPLICATION_CREDENTIALS unset, no gcloud application-default file)",
      {
        hint: "gcloud auth application-default login, or google-github-actions/auth (Workload Identity Federation); on GCE/GKE set METADATA_SERVER_DETECTION=assume-present",
      },
    );
  }
  // resolve the credentials here, awaited, so a bad key file is an error of this call (gax would
  // otherwise fail in the background and crash the process with an unhandled rejection)
  const { GoogleAuth } = await import("google-auth-library");
  const auth = new GoogleAuth({
    projectId: settings.projectId,
    scopes: ["https://www.googleapis.com/auth/monitoring"],
  });
  try {
    await auth.getClient();
  } catch (e) {
    throw new RemoteError(
      SERVICE,
      `Application Default Credentials could not be loaded: ${(e as Error).message}`,
      {
        cause: e,
        hint: "check GOOGLE_APPLICATION_CREDENTIALS (or run gcloud auth application-default login)",
      },
    );
  }
  return new MetricServiceClient({ projectId: settings.projectId, auth });
}

export interface Gauge {
  /** full metric type, e.g. custom.googleapis.com/ngx/delivery/deployments_per_day */
  readonly type: string;
  readonly description: string;
  readonly unit: string;
  readonly value: number;
}

export interface ExportOutcome {
  readonly project: string;
  readonly endTime: string;
  readonly descriptorsCreated: readonly string[];
  readonly written: readonly string[];
  /** points refused as not newer than the last one: this window end was written before */
  readonly alreadyWritten: readonly string[];
}

/** Writes gauges labelled with the environment at `endTime` (the caller aligns it). */
export async function exportGauges(
  settings: MonitoringSettings,
  input: { environment: string; endTime: Date; gauges: readonly Gauge[]; progress?: (m: string) => void },
): Promise<ExportOutcome> {
  const client = await createClient(settings);
  const call = { timeout: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS };
  const project = `projects/${settings.projectId}`;
  const descriptorsCreated: string[] = [];
  const written: string[] = [];
  const alreadyWritten: string[] = [];
  try {
    for (const g of input.gauges) {
      input.progress?.(`descriptor ${g.type}`);
      try {
        await client.getMetricDescriptor({ name: `${project}/metricDescriptors/${g.type}` }, call);
      } catch (e) {
        if (grpcCode(e) !== NOT_FOUND) throw toMonitoringError(e, `get metric descriptor ${g.type}`);
        try {
          await client.createMetricDescriptor(
            {
              name: project,
              metricDescriptor: {
                type: g.type,
                metricKind: "GAUGE",
                valueType: "DOUBLE",
                unit: g.unit,
                description: g.description,
                displayName: g.type.split("/").slice(-1)[0] ?? g.type,
                labels: [{ key: "environment", valueType: "STRING", description: "ngx-release environment" }],
              },
            },
            call,
          );
          descriptorsCreated.push(g.type);
        } catch (e2) {
          if (grpcCode(e2) !== ALREADY_EXISTS)
            throw toMonitoringError(e2, `create metric descriptor ${g.type}`);
        }
      }
    }
    const seconds = Math.floor(input.endTime.getTime() / 1000);
    for (const g of input.gauges) {
      input.progress?.(`write ${g.type}`);
      try {
        await client.createTimeSeries(
          {
            name: project,
            timeSeries: [
              {
                metric: { type: g.type, labels: { environment: input.environment } },
                resource: { type: "global", labels: { project_id: settings.projectId } },
                metricKind: "GAUGE",
                valueType: "DOUBLE",
                points: [{ interval: { endTime: { seconds, nanos: 0 } }, value: { doubleValue: g.value } }],
              },
            ],
          },
          call,
        );
        written.push(g.type);
      } catch (e) {
        if (isOutOfOrderWrite(e)) alreadyWritten.push(g.type);
        else throw toMonitoringError(e, `write ${g.type}`);
      }
    }
  } finally {
    await client.close().catch(() => undefined);
  }
  return {
    project: settings.projectId,
    endTime: input.endTime.toISOString(),
    descriptorsCreated,
    written,
    alreadyWritten,
  };
}

interface RawPoint {
  value?: {
    doubleValue?: number | null;
    int64Value?: number | string | { toString(): string } | null;
    boolValue?: boolean | null;
    distributionValue?: { mean?: number | null; count?: number | string | null } | null;
  } | null;
}

function pointValue(p: RawPoint): number | undefined {
  const v = p.value;
  if (!v) return undefined;
  if (typeof v.doubleValue === "number") return v.doubleValue;
  if (v.int64Value !== undefined && v.int64Value !== null) return Number(String(v.int64Value));
  if (typeof v.boolValue === "boolean") return v.boolValue ? 1 : 0;
  if (v.distributionValue) return Number(v.distributionValue.mean ?? 0);
  return undefined;
}

/** Cloud Monitoring behind MetricsSource: the points of the series matching a filter in a window. */
export function cloudMonitoringSource(
  settings: MonitoringSettings,
): MetricsSource & { close(): Promise<void> } {
  let client: Promise<MetricServiceClient> | undefined;
  const get = () => {
    client ??= createClient(settings);
    return client;
  };
  return {
    name: `Cloud Monitoring projects/${settings.projectId}`,
    async scalar(q) {
      const end = q.end ?? new Date();
      const start = new Date(end.getTime() - q.windowMs);
      const c = await get();
      let series: { points?: RawPoint[] | null }[];
      try {
        [series] = (await c.listTimeSeries(
          {
            name: `projects/${settings.projectId}`,
            filter: q.query,
            interval: {
              startTime: { seconds: Math.floor(start.getTime() / 1000), nanos: 0 },
              endTime: { seconds: Math.floor(end.getTime() / 1000), nanos: 0 },
            },
            view: "FULL",
          },
          { timeout: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS },
        )) as unknown as [{ points?: RawPoint[] | null }[]];
      } catch (e) {
        throw toMonitoringError(e, `list time series ${q.query}`);
      }
      const values = series.flatMap((s) => (s.points ?? []).map(pointValue)).filter((v) => v !== undefined);
      const value = reduceValues(values, q.reduce);
      return { ...(value !== undefined ? { value } : {}), series: series.length, points: values.length };
    },
    async close() {
      if (client) await (await client).close().catch(() => undefined);
    },
  };
}
