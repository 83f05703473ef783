// The load generator: the `loadtest` package (npm, alexfernandez/loadtest) in its requests-per-second
// mode, the one file that imports it. That mode is an open model at a constant arrival rate: a
// drift-compensated high-resolution timer fires every 1000/rate ms and each tick sends a request on a
// free client or a new one, never waiting for earlier answers (loadtest lib/pool.js Pool.start and
// makeRequest, lib/hrtimer.js HighResolutionTimer).
//
// Coordinated omission: loadtest measures from when its client started a request. We measure
// ourselves, from each request's *intended* send time (stage start + n × 1000/rate on a monotonic
// clock) to the end of its answer, so a generator that falls behind (event-loop lag, requests waiting
// for one of maxConnections sockets) adds that delay to the latency instead of hiding it. The time the
// request actually went out on a socket is kept too (service time = answer end − socket send), so the
// report shows both and the difference.
//
// Safety: every request is built here from the configured URL (host, port, path prefix) and an Agent
// of our own; loadtest's own request parameters — which a stray loadtest configuration file could
// change (proxy, headers) — are ignored, and redirects are never followed.

import { mkdtempSync, rmSync } from "node:fs";
import { type ClientRequest, Agent as HttpAgent, type IncomingMessage, type RequestOptions } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as loadtest from "loadtest";

export interface GeneratedRequest {
  readonly method: "GET" | "HEAD" | "POST";
  /** path under the entry URL, starting with "/" */
  readonly path: string;
  readonly body?: string;
}

/** One request's outcome. Times are monotonic milliseconds (the caller's clock). */
export interface Sample {
  /** index in the caller's request list */
  readonly route: number;
  readonly stage: number;
  /** when the request should have been sent (stage start + seq × interval) */
  readonly intendedMs: number;
  /** when it was written to a connected socket (undefined when it never got one) */
  readonly sentMs?: number;
  readonly endMs: number;
  /** HTTP status when an answer came */
  readonly status?: number;
  /** "timeout", "ECONNREFUSED", … when no complete answer came */
  readonly error?: string;
}

export interface StageInput {
  /** the configured entry URL; nothing else is ever contacted */
  readonly url: URL;
  readonly stage: number;
  /** requests per second (> 0) */
  readonly rate: number;
  readonly seconds: number;
  /** the request for the n-th arrival of the stage and its index */
  readonly pick: (seq: number) => { readonly index: number; readonly request: GeneratedRequest };
  readonly timeoutMs: number;
  readonly agent: HttpAgent;
  /** monotonic milliseconds */
  readonly monotonic: () => number;
  readonly onSample: (s: Sample) => void;
  readonly signal?: AbortSignal;
}

/** An HTTP(S) agent for one run: keep-alive, at most maxConnections sockets (the rest wait, measured). */
export function runAgent(url: URL, maxConnections: number): HttpAgent {
  const options = { keepAlive: true, maxSockets: maxConnections, maxFreeSockets: maxConnections };
  return url.protocol === "https:" ? new HttpsAgent(options) : new HttpAgent(options);
}

const USER_AGENT = "ngx-release-loadtest";

/**
 * Runs one stage at a constant arrival rate and resolves when every request it sent has finished (or
 * was cancelled by the signal). Requests in flight when the stage's time is up still complete and are
 * counted.
 */
export async function runStage(input: StageInput): Promise<{ sent: number }> {
  const { url, rate, monotonic } = input;
  const interval = 1000 / rate;
  const base = url.pathname.replace(/\/+$/, "");
  const inFlight = new Set<ClientRequest>();
  let seq = 0;
  /** requests loadtest asked for after the stop, each closed before it connects */
  let sentinels = 0;
  let startMs = 0;
  let stopped = input.signal?.aborted ?? false;
  let processed: { maxRequests?: number } | undefined;
  let drained: (() => void) | undefined;
  const settle = () => {
    if (inFlight.size === 0) drained?.();
  };

  const stop = () => {
    if (stopped) return;
    stopped = true;
    // loadtest has no stop handle: no further sends (its shouldSend reads maxRequests), and the
    // cancelled requests plus one request that never connects let it see it is done (shouldStop)
    if (processed) processed.maxRequests = seq + sentinels + 1;
    for (const r of inFlight) r.destroy(new Error("stopped"));
  };
  input.signal?.addEventListener("abort", stop, { once: true });

  const generator = (
    options: { maxRequests?: number },
    _params: unknown,
    request: (o: RequestOptions, cb: (res: IncomingMessage) => void) => ClientRequest,
    connect: (res: IncomingMessage) => void,
  ): ClientRequest => {
    processed = options;
    if (stopped) {
      // a request loadtest asks for after a stop: it never connects (no traffic), and once it has
      // failed loadtest has seen as many requests end as it may begin, so it stops its timer
      sentinels += 1;
      options.maxRequests = seq + sentinels;
      const req = request({ ...target(url), createConnection: () => new Socket() }, connect);
      process.nextTick(() => req.destroy(new Error("stopped")));
      return req;
    }
    const n = seq;
    seq += 1;
    const now = monotonic();
    if (n === 0) startMs = now;
    const intendedMs = startMs + n * interval;
    const { index, request: r } = input.pick(n);
    let sentMs: number | undefined;
    let done = false;
    let deadline: NodeJS.Timeout | undefined;
    const finish = (outcome: { status?: number; error?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      inFlight.delete(req);
      input.onSample({
        route: index,
        stage: input.stage,
        intendedMs,
        ...(sentMs !== undefined ? { sentMs } : {}),
        endMs: monotonic(),
        ...outcome,
      });
      settle();
    };
    const headers: Record<string, string> = { "user-agent": USER_AGENT, accept: "*/*" };
    if (r.body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(r.body));
    }
    const req = request(
      { ...target(url), path: `${base}${r.path}`, method: r.method, headers, agent: input.agent },
      (res) => {
        res.once("end", () => finish({ status: res.statusCode ?? 0 }));
        res.once("error", (e) => finish({ error: errorCode(e) }));
        connect(res);
        // a HEAD answer or an empty body still needs reading to emit "end"
        res.resume();
      },
    );
    inFlight.add(req);
    req.once("socket", (socket: Socket) => {
      const mark = () => {
        sentMs ??= monotonic();
      };
      if (socket.connecting) socket.once("connect", mark);
      else mark();
    });
    req.once("error", (e) => finish({ error: errorCode(e) }));
    // the whole answer within timeoutMs of the request's creation (a socket that keeps trickling
    // bytes does not extend it, as http's idle timeout would)
    deadline = setTimeout(() => {
      finish({ error: "timeout" });
      req.destroy(new Error("timeout"));
    }, input.timeoutMs);
    if (r.body !== undefined) req.write(r.body);
    return req;
  };

  if (!stopped) await startIsolated(url, rate, input.seconds, generator);
  // loadtest resolves when its time is up; answers still on their way are awaited (each has a timeout)
  await new Promise<void>((resolve) => {
    drained = resolve;
    settle();
  });
  input.signal?.removeEventListener("abort", stop);
  return { sent: seq };
}

/**
 * Starts loadtest away from the working tree: its option parsing (synchronous, inside the loadTest()
 * call) searches the current folder and its parents for a loadtest configuration file (confinode,
 * lib/config.js loadConfig), which could turn TLS verification off or crash on headers. It runs in an
 * empty temporary folder instead, and NODE_TLS_REJECT_UNAUTHORIZED is restored after it.
 */
async function startIsolated(url: URL, rate: number, seconds: number, generator: unknown): Promise<void> {
  const cwd = process.cwd();
  const tls = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  const empty = mkdtempSync(join(tmpdir(), "ngx-loadtest-"));
  let running: Promise<unknown>;
  try {
    process.chdir(empty);
    // its typings declare a callback; called without one it returns a promise (lib/loadtest.js)
    running = (loadtest.loadTest as unknown as (o: unknown) => Promise<unknown>)({
      url: url.href,
      requestsPerSecond: rate,
      maxSeconds: seconds,
      concurrency: 1,
      quiet: true,
      requestGenerator: generator,
    });
  } finally {
    process.chdir(cwd);
    if (tls === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = tls;
  }
  try {
    await running;
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}

/** protocol, host and port of the entry URL: the only destination */
function target(url: URL): RequestOptions {
  return {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port || (url.protocol === "https:" ? 443 : 80),
  };
}

function errorCode(e: unknown): string {
  const err = e as { code?: string; message?: string };
  if (err?.message === "timeout") return "timeout";
  if (err?.message === "stopped") return "stopped";
  return err?.code ?? err?.message ?? "error";
}
