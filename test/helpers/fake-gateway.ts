// A stand-in for the API gateway behind the Ingress: a plain HTTP server on 127.0.0.1 (ephemeral port)
// whose latency and errors the test controls per request, deterministically by arrival number (no
// randomness), and which remembers every request it received (path, Host header, arrival number).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface GatewayBehaviour {
  /** milliseconds before answering request number n (0-based, in arrival order) */
  latencyMs?: (n: number, path: string) => number;
  /** answer 500 to request number n */
  fails?: (n: number, path: string) => boolean;
  /** answer request number n slowly: headers at once, then one byte every 200 ms for 6 s */
  trickle?: (n: number) => boolean;
  /** called on every request (e.g. to scale the fake Argo CD's Rollout after some load) */
  onRequest?: (n: number) => void;
}

export class FakeGateway {
  readonly requests: { n: number; path: string; host: string; method: string }[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly port: number,
  ) {}

  static async start(behaviour: GatewayBehaviour = {}): Promise<FakeGateway> {
    let self: FakeGateway | undefined;
    const server = createServer((req, res) => {
      const g = self as FakeGateway;
      const n = g.requests.length;
      const path = req.url ?? "/";
      g.requests.push({ n, path, host: req.headers.host ?? "", method: req.method ?? "" });
      behaviour.onRequest?.(n);
      if (behaviour.trickle?.(n)) {
        res.writeHead(200, { "content-type": "text/plain" });
        let left = 30;
        const drip = setInterval(() => {
          left -= 1;
          if (left <= 0 || res.destroyed) {
            clearInterval(drip);
            res.end();
          } else res.write(".");
        }, 200);
        return;
      }
      const status = behaviour.fails?.(n, path) ? 500 : 200;
      const answer = () => {
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(status === 200 ? "ok\n" : "upstream error\n");
      };
      const delay = behaviour.latencyMs?.(n, path) ?? 2;
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const { port } = server.address() as AddressInfo;
    self = new FakeGateway(server, `http://127.0.0.1:${port}`, port);
    return self;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
