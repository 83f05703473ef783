// The Prometheus HTTP API (instant queries). The only place that talks to Prometheus: retries
// connection errors, timeouts and 5xx with backoff, then gives up with a RemoteError (exit 3).
// A query Prometheus rejects (4xx, e.g. bad_data) is not retried: it is a PrometheusQueryError,
// which analysis reports as an Error measurement.
import { ConfigError, RemoteError } from "../errors.js";
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
    try {
      res = await fetch(`${url}/api/v1/query`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
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
