// The Prometheus HTTP API (instant queries). The only place that talks to Prometheus: retries
// connection errors, timeouts and 5xx with backoff, then gives up with a RemoteError (exit 3).
// A query Prometheus rejects (4xx, e.g. bad_data) is not retried: it is a PrometheusQueryError,
// which analysis reports as an Error measurement.
//
// Authentication (prometheusFromEnv reads it, once): none; a bearer token (PROMETHEUS_BEARER_TOKEN,
// sent as "Authorization: Bearer …", never logged); or Google Application Default Credentials
// (PROMETHEUS_AUTH=google, implied by a monitoring.googleapis.com URL) for Google Cloud Managed
// Service for Prometheus, whose query API is the Prometheus HTTP API under
// https://monitoring.googleapis.com/v1/projects/<project>/location/global/prometheus and takes an
// OAuth access token. ADC come from a key or federation file (GOOGLE_APPLICATION_CREDENTIALS, as
// google-github-actions/auth writes it, or gcloud's application-default file) or, only when
// METADATA_SERVER_DETECTION / GCE_METADATA_HOST says so, the metadata server: never probed.
import { ConfigError, RemoteError } from "../errors.js";
import { credentialSource } from "./cloud-monitoring.js";
import { type Attempt, withRetries } from "./retry.js";

export type QueryValue =
  | { readonly resultType: "scalar"; readonly value: number }
  | {
      readonly resultType: "vector";
      readonly samples: readonly { readonly labels: Record<string, string>; readonly value: number }[];
    };

export interface Prometheus {
  readonly url: string;
  /** evaluates an instant query at `time` (default: now) */
  query(promql: string, time?: Date): Promise<QueryValue>;
}

export interface PrometheusOptions {
  /** per-request timeout (default 30 s, as Argo Rollouts' default) */
  readonly timeoutMs?: number;
  /** attempts in total for connection errors, timeouts and 5xx (default 3) */
  readonly attempts?: number;
  /** first backoff; doubles each retry (default 300 ms) */
  readonly backoffMs?: number;
  /** the Authorization header value for each request (a bearer token, a fresh Google access token) */
  readonly authorization?: () => Promise<string>;
  /** says which credential a 401/403 refused, for the hint (never the credential itself) */
  readonly authHint?: string;
}

/** How ngx-release authenticates to Prometheus. */
export type PrometheusAuth = "none" | "bearer" | "google";

const GOOGLE_SCOPE = "https://www.googleapis.com/auth/monitoring.read";

/**
 * The Prometheus client the environment configures (PROMETHEUS_URL or `url`, PROMETHEUS_BEARER_TOKEN,
 * PROMETHEUS_AUTH), or undefined without a URL. Every setting is checked here, before any request.
 */
export function prometheusFromEnv(
  env: NodeJS.ProcessEnv,
  url: string | undefined = env.PROMETHEUS_URL,
  options: Omit<PrometheusOptions, "authorization" | "authHint"> = {},
): Prometheus | undefined {
  const base = url?.trim();
  if (!base) return undefined;
  const token = env.PROMETHEUS_BEARER_TOKEN?.trim();
  const mode = env.PROMETHEUS_AUTH?.trim() ?? "";
  if (!["", "none", "bearer", "google"].includes(mode))
    throw new ConfigError(`PROMETHEUS_AUTH=${JSON.stringify(mode)} is not one of none, bearer, google`, {
      hint: "bearer: set PROMETHEUS_BEARER_TOKEN; google: Application Default Credentials (Google Managed Prometheus)",
    });
  let host = "";
  try {
    host = new URL(base).hostname;
  } catch {
    // createPrometheus names the bad URL
  }
  const auth: PrometheusAuth =
    mode === "google" || (mode === "" && host === "monitoring.googleapis.com" && !token)
      ? "google"
      : mode === "bearer" || (mode === "" && token)
        ? "bearer"
        : "none";
  if (auth === "google" && token)
    throw new ConfigError("PROMETHEUS_BEARER_TOKEN and PROMETHEUS_AUTH=google are both set: choose one", {
      hint: "unset PROMETHEUS_BEARER_TOKEN to use Application Default Credentials",
    });
  if (auth === "bearer" && !token)
    throw new ConfigError("PROMETHEUS_AUTH=bearer needs PROMETHEUS_BEARER_TOKEN", {
      hint: "export PROMETHEUS_BEARER_TOKEN=<token> (a secret; it is sent only to PROMETHEUS_URL)",
    });
  if (auth === "none" && mode === "none" && token)
    throw new ConfigError("PROMETHEUS_AUTH=none but PROMETHEUS_BEARER_TOKEN is set: choose one");
  if (auth === "bearer")
    return createPrometheus(base, {
      ...options,
      authorization: async () => `Bearer ${token}`,
      authHint: "PROMETHEUS_BEARER_TOKEN was refused: check the token and its access to this Prometheus",
    });
  if (auth === "google") {
    const source = credentialSource(env);
    if (source === "none")
      throw new ConfigError(
        "Prometheus needs Google Application Default Credentials (PROMETHEUS_AUTH=google or a monitoring.googleapis.com URL), but none are configured",
        {
          hint: "set GOOGLE_APPLICATION_CREDENTIALS (google-github-actions/auth does), run gcloud auth application-default login, or on GCE/GKE set METADATA_SERVER_DETECTION=assume-present",
        },
      );
    return createPrometheus(base, {
      ...options,
      authorization: googleAccessToken(env),
      authHint:
        "the Google credentials were refused: they need roles/monitoring.viewer on the project Managed Prometheus reads",
    });
  }
  return createPrometheus(base, options);
}

/** A fresh "Bearer <access token>" from ADC for every request (google-auth-library caches and refreshes it). */
function googleAccessToken(env: NodeJS.ProcessEnv): () => Promise<string> {
  let client: Promise<{ getAccessToken(): Promise<{ token?: string | null }> }> | undefined;
  return async () => {
    try {
      client ??= import("google-auth-library").then(({ GoogleAuth }) => {
        const keyFilename = env.GOOGLE_APPLICATION_CREDENTIALS?.trim();
        return new GoogleAuth({
          scopes: [GOOGLE_SCOPE],
          ...(keyFilename ? { keyFilename } : {}),
        }).getClient();
      });
      const { token } = await (await client).getAccessToken();
      if (!token) throw new Error("no access token returned");
      return `Bearer ${token}`;
    } catch (e) {
      client = undefined;
      throw new RemoteError("Google credentials", `no access token for Prometheus: ${(e as Error).message}`, {
        cause: e,
        hint: "check GOOGLE_APPLICATION_CREDENTIALS (or gcloud auth application-default login)",
      });
    }
  };
}

/** Prometheus answered, but refused the query (bad PromQL, unsupported result type …). */
export class PrometheusQueryError extends Error {
  override readonly name = "PrometheusQueryError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const SERVICE = "Prometheus";

/** Sample values arrive as strings; Prometheus spells infinities "+Inf"/"-Inf". */
export function parseSampleValue(raw: unknown): number {
  if (raw === "+Inf" || raw === "Inf") return Number.POSITIVE_INFINITY;
  if (raw === "-Inf") return Number.NEGATIVE_INFINITY;
  if (raw === "NaN") return Number.NaN;
  const n = typeof raw === "string" ? Number(raw) : Number.NaN;
  if (typeof raw !== "string" || raw.trim() === "") return Number.NaN;
  return n;
}

interface ApiResponse {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

function decode(body: ApiResponse): QueryValue {
  const data = body.data;
  if (data?.resultType === "scalar") {
    const pair = data.result as [number, string];
    return { resultType: "scalar", value: parseSampleValue(pair?.[1]) };
  }
  if (data?.resultType === "vector" && Array.isArray(data.result)) {
    return {
      resultType: "vector",
      samples: (data.result as { metric?: Record<string, string>; value?: [number, string] }[]).map((s) => ({
        labels: s.metric ?? {},
        value: parseSampleValue(s.value?.[1]),
      })),
    };
  }
  throw new PrometheusQueryError(`Prometheus metric type not supported: ${data?.resultType ?? "none"}`);
}

export function createPrometheus(baseUrl: string, options: PrometheusOptions = {}): Prometheus {
  let parsed: URL | undefined;
  let cause: unknown;
  try {
    parsed = new URL(baseUrl);
  } catch (e) {
    cause = e;
  }
  // "prometheus:9090" parses as a URL of scheme "prometheus:": only http(s) reaches Prometheus
  if (parsed?.protocol !== "http:" && parsed?.protocol !== "https:") {
    // bad configuration (exit 2): nothing was asked of Prometheus
    throw new ConfigError(`PROMETHEUS_URL "${baseUrl}" is not an http(s) URL`, {
      cause,
      hint: "set PROMETHEUS_URL to e.g. http://prometheus.monitoring:9090",
    });
  }
  const url = parsed.toString().replace(/\/$/, "");
  const timeoutMs = options.timeoutMs ?? 30_000;
  const attempts = Math.max(1, options.attempts ?? 3);
  const backoffMs = options.backoffMs ?? 300;

  async function once(promql: string, time: Date): Promise<Attempt<QueryValue, Error>> {
    let res: Response;
    let authorization: string | undefined;
    try {
      authorization = await options.authorization?.();
    } catch (e) {
      return { ok: false, retry: false, failure: e as Error };
    }
    try {
      res = await fetch(`${url}/api/v1/query`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
          ...(authorization ? { authorization } : {}),
        },
        // a redirect must not carry the credential elsewhere
        redirect: authorization ? "error" : "follow",
        body: new URLSearchParams({ query: promql, time: (time.getTime() / 1000).toFixed(3) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      const why =
        (e as Error).name === "TimeoutError"
          ? `no answer within ${timeoutMs} ms`
          : (cause?.code ?? (e as Error).message);
      return {
        ok: false,
        retry: true,
        failure: new RemoteError(SERVICE, `${url} unreachable: ${why}`, { cause: e }),
      };
    }
    const text = await res.text();
    let body: ApiResponse = {};
    try {
      body = JSON.parse(text) as ApiResponse;
    } catch {
      // a proxy's HTML error page, say
    }
    if (res.status >= 500) {
      return {
        ok: false,
        retry: true,
        failure: new RemoteError(SERVICE, `HTTP ${res.status}: ${body.error ?? text.slice(0, 200)}`, {
          status: res.status,
        }),
      };
    }
    if (res.status >= 400 || body.status !== "success") {
      if (res.status === 401 || res.status === 403)
        return {
          ok: false,
          retry: false,
          failure: new RemoteError(SERVICE, `HTTP ${res.status}: not allowed to query ${url}`, {
            status: res.status,
            hint:
              options.authHint ??
              "this Prometheus needs credentials: set PROMETHEUS_BEARER_TOKEN, or PROMETHEUS_AUTH=google for Google Managed Prometheus",
          }),
        };
      return {
        ok: false,
        retry: false,
        failure: new PrometheusQueryError(
          `query rejected (HTTP ${res.status}${body.errorType ? `, ${body.errorType}` : ""}): ${body.error ?? text.slice(0, 200)}`,
          res.status,
        ),
      };
    }
    try {
      return { ok: true, value: decode(body) };
    } catch (e) {
      return { ok: false, retry: false, failure: e as Error };
    }
  }

  return {
    url,
    async query(promql, time = new Date()) {
      const r = await withRetries(attempts, backoffMs, () => once(promql, time));
      if (r.ok) return r.value;
      const { failure: last, tried } = r;
      if (last instanceof RemoteError && tried > 1)
        throw new RemoteError(
          SERVICE,
          `${last.message.replace(/^Prometheus: /, "")} (after ${tried} attempts)`,
          {
            cause: last.cause ?? last,
            status: last.status,
          },
        );
      throw last;
    },
  };
}
