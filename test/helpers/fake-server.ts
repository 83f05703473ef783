// A local HTTP server for protocol-level fakes of remote APIs (GitHub, Argo CD, Prometheus-like).
// Routes are declared as expectations; any request no route matches is answered 501 and recorded,
// and verify() fails the test on such requests and on `expect`ed routes that were never called.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRequest {
  readonly method: string;
  /** path without the query string */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  /** parsed JSON body when the request had one, else the raw text (or undefined) */
  readonly body: unknown;
  /** capture groups of a RegExp route */
  readonly params: readonly string[];
}

export interface FakeResponse {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** objects are sent as JSON; strings as-is */
  readonly body?: unknown;
  /** wait this long before answering (to exercise client timeouts) */
  readonly delayMs?: number;
}

type Handler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

interface Route {
  readonly method: string;
  readonly path: string | RegExp;
  readonly handler: Handler;
  readonly required: boolean;
  /** remaining answers for a route limited with `times`; undefined = unlimited */
  remaining?: number;
  calls: number;
}

export class FakeServer {
  readonly requests: FakeRequest[] = [];
  readonly unexpected: FakeRequest[] = [];
  private readonly routes: Route[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeServer> {
    let self: FakeServer | undefined;
    const server = createServer((req, res) => {
      void self?.handle(req).then(
        ({ status, headers, body, delayMs }) => {
          const send = () => {
            const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
            res.writeHead(status ?? 200, {
              ...(typeof body === "object" && body !== null
                ? { "content-type": "application/json; charset=utf-8" }
                : {}),
              ...headers,
            });
            res.end(text);
          };
          if (delayMs) setTimeout(send, delayMs);
          else send();
        },
        (err: unknown) => {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ message: `fake handler threw: ${String(err)}` }));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    self = new FakeServer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  /** A route that must be called at least once before verify(); `times` limits how often it answers. */
  expect(method: string, path: string | RegExp, handler: Handler | FakeResponse, times?: number): this {
    return this.add(method, path, handler, true, times);
  }

  /** A route that may be called any number of times, including never. */
  allow(method: string, path: string | RegExp, handler: Handler | FakeResponse): this {
    return this.add(method, path, handler, false);
  }

  private add(
    method: string,
    path: string | RegExp,
    handler: Handler | FakeResponse,
    required: boolean,
    times?: number,
  ) {
    const fn: Handler = typeof handler === "function" ? handler : () => handler;
    this.routes.push({
      method: method.toUpperCase(),
      path,
      handler: fn,
      required,
      remaining: times,
      calls: 0,
    });
    return this;
  }

  /** requests matching method and path (string equality or RegExp) */
  callsTo(method: string, path: string | RegExp): FakeRequest[] {
    return this.requests.filter(
      (r) => r.method === method.toUpperCase() && matches(path, r.path) !== undefined,
    );
  }

  /** Throws when a request matched no route or a required route was never called. */
  verify(): void {
    const problems: string[] = [];
    for (const r of this.unexpected) problems.push(`unexpected request ${r.method} ${r.path}`);
    for (const r of this.routes)
      if (r.required && r.calls === 0) problems.push(`expected request never came: ${r.method} ${r.path}`);
    if (problems.length) throw new Error(problems.join("\n"));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<FakeResponse> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown = raw === "" ? undefined : raw;
    if (raw && (req.headers["content-type"] ?? "").includes("json")) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const url = new URL(req.url ?? "/", "http://fake");
    const base = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    for (const route of this.routes) {
      if (route.method !== base.method) continue;
      const params = matches(route.path, base.path);
      if (params === undefined) continue;
      if (route.remaining !== undefined) {
        if (route.remaining <= 0) continue;
        route.remaining -= 1;
      }
      route.calls += 1;
      const request = { ...base, params };
      this.requests.push(request);
      return route.handler(request);
    }
    const request = { ...base, params: [] };
    this.requests.push(request);
    this.unexpected.push(request);
    return { status: 501, body: { message: `no fake route for ${base.method} ${base.path}` } };
  }
}

function matches(route: string | RegExp, path: string): string[] | undefined {
  if (typeof route === "string") return route === path ? [] : undefined;
  const m = route.exec(path);
  return m ? m.slice(1) : undefined;
}
