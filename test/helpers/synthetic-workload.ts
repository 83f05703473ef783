// A synthetic NGX workload for Prometheus to scrape: one HTTP server exposing, per fake pod, the
// contract's metric names (http_requests_total, http_request_duration_seconds, a2a_*, vertex_ai_*)
// at /metrics/<pod>. Counters grow with wall-clock time at each pod's configured rate, so any
// window Prometheus looks at sees that rate; no requests need to be sent.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SyntheticPod {
  /** pod name, also the path /metrics/<name> */
  readonly name: string;
  readonly app: string;
  /** the rollouts_pod_template_hash label value */
  readonly hash: string;
  /** HTTP requests per second (0 = no traffic; the series still exist, at 0) */
  readonly requestsPerSecond: number;
  /** share of requests answered 500 */
  readonly errorRatio: number;
  /** every request takes this long (seconds): all observations fall into one histogram bucket */
  readonly latencySeconds: number;
  /** A2A messages per second and their duration (defaults: same as HTTP) */
  readonly a2aPerSecond?: number;
  readonly a2aLatencySeconds?: number;
  /** Vertex AI calls per second and their error share (defaults: same as HTTP) */
  readonly vertexPerSecond?: number;
  readonly vertexErrorRatio?: number;
}

export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface SyntheticWorkload {
  /** "127.0.0.1:<port>", for a Prometheus static_config target */
  readonly target: string;
  readonly pods: readonly SyntheticPod[];
  /** exact counter values a pod exposes at `atMs` (what the statistic tests compare against) */
  counts(pod: string, atMs: number): { requests: number; errors: number };
  close(): Promise<void>;
}

function histogram(name: string, labels: string, count: number, latency: number): string[] {
  const lines: string[] = [];
  for (const le of BUCKETS) lines.push(`${name}_bucket{${labels},le="${le}"} ${latency <= le ? count : 0}`);
  lines.push(`${name}_bucket{${labels},le="+Inf"} ${count}`);
  lines.push(`${name}_sum{${labels}} ${count * latency}`);
  lines.push(`${name}_count{${labels}} ${count}`);
  return lines;
}

export async function startSyntheticWorkload(pods: readonly SyntheticPod[]): Promise<SyntheticWorkload> {
  const started = Date.now();
  const byName = new Map(pods.map((p) => [p.name, p]));
  const counts = (pod: SyntheticPod, atMs: number) => {
    const seconds = Math.max(0, (atMs - started) / 1000);
    const requests = Math.floor(pod.requestsPerSecond * seconds);
    const errors = Math.floor(requests * pod.errorRatio);
    return { requests, errors };
  };
  const render = (pod: SyntheticPod): string => {
    const now = Date.now();
    const { requests, errors } = counts(pod, now);
    const seconds = Math.max(0, (now - started) / 1000);
    const a2a = Math.floor((pod.a2aPerSecond ?? pod.requestsPerSecond) * seconds);
    const vertex = Math.floor((pod.vertexPerSecond ?? pod.requestsPerSecond) * seconds);
    const vertexErrors = Math.floor(vertex * (pod.vertexErrorRatio ?? pod.errorRatio));
    const route = 'method="POST",route="/v1/tasks"';
    return [
      "# TYPE http_requests_total counter",
      `http_requests_total{${route},status="200"} ${requests - errors}`,
      `http_requests_total{${route},status="500"} ${errors}`,
      "# TYPE http_request_duration_seconds histogram",
      ...histogram("http_request_duration_seconds", route, requests, pod.latencySeconds),
      "# TYPE a2a_messages_total counter",
      `a2a_messages_total{source_agent="orchestrator",target_agent="research",status="ok"} ${a2a}`,
      "# TYPE a2a_message_duration_seconds histogram",
      ...histogram(
        "a2a_message_duration_seconds",
        'source_agent="orchestrator",target_agent="research"',
        a2a,
        pod.a2aLatencySeconds ?? pod.latencySeconds,
      ),
      "# TYPE vertex_ai_requests_total counter",
      `vertex_ai_requests_total{model="gemini-1.5-pro",status="success"} ${vertex - vertexErrors}`,
      `vertex_ai_requests_total{model="gemini-1.5-pro",status="error"} ${vertexErrors}`,
      "",
    ].join("\n");
  };
  const server: Server = createServer((req, res) => {
    const name = /^\/metrics\/([\w.-]+)$/.exec(req.url ?? "")?.[1];
    const pod = name ? byName.get(name) : undefined;
    if (!pod) {
      res.writeHead(404).end("no such pod\n");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(render(pod));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    pods,
    counts(name, atMs) {
      const pod = byName.get(name);
      if (!pod) throw new Error(`no synthetic pod ${name}`);
      return counts(pod, atMs);
    },
    close() {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Prometheus scrape jobs for the workload: one per pod, with the labels a ServiceMonitor would add. */
export function scrapeConfigs(
  workload: SyntheticWorkload,
  namespace = "ngx-agents",
): Record<string, unknown>[] {
  return workload.pods.map((p) => ({
    job_name: `pod-${p.name}`,
    scrape_interval: "1s",
    metrics_path: `/metrics/${p.name}`,
    static_configs: [
      {
        targets: [workload.target],
        labels: { namespace, pod: p.name, app: p.app, rollouts_pod_template_hash: p.hash },
      },
    ],
  }));
}
