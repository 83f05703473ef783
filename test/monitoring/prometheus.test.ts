// The alert expressions and every dashboard query, run by a real Prometheus (PROMETHEUS_BIN, else
// prometheus on PATH, started by test/helpers/prometheus.ts) over synthetic data: the data is
// backfilled with `promtool tsdb create-blocks-from openmetrics` into a temporary TSDB, Prometheus
// serves it on 127.0.0.1 with an ephemeral port, and every query is evaluated at the last sample's
// time. This finds what a parser cannot: many-to-many matching errors, label sets that do not join,
// panels that show nothing.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { findKustomize } from "../../pipeline/src/adapters/kustomize.js";
import { type RunningPrometheus, startPrometheus } from "../helpers/prometheus.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const MONITORING = join(ROOT, "environments/base/monitoring");
const PROMTOOL = process.env.PROMTOOL ?? "/usr/bin/promtool";

const STEP = 15; // seconds between samples, as the ServiceMonitors scrape
const SPAN = 30 * 60; // 30 minutes of data
const T1 = Math.floor(Date.now() / 1000 / 60) * 60 - 120; // last sample, a little in the past
const T0 = T1 - SPAN;

type Labels = Record<string, string>;
interface Series {
  name: string;
  labels: Labels;
  /** value at time t (seconds since T0) */
  at: (t: number) => number;
}
const series: Series[] = [];
const counter = (name: string, labels: Labels, perSecond: number) =>
  series.push({ name, labels, at: (t) => perSecond * t });
const gauge = (name: string, labels: Labels, value: number) => series.push({ name, labels, at: () => value });
/** A histogram whose observations per second fall into buckets by the given shares. */
const histogram = (
  name: string,
  labels: Labels,
  perSecond: number,
  buckets: [string, number][],
  meanSeconds: number,
) => {
  for (const [le, share] of buckets) counter(`${name}_bucket`, { ...labels, le }, perSecond * share);
  counter(`${name}_count`, labels, perSecond);
  counter(`${name}_sum`, labels, perSecond * meanSeconds);
};

// --- app components (labels as ServiceMonitor ngx-agents produces them) --------------------------
const NS = "ngx-agents";
const app = (component: string, hash: string, i = 0): Labels => ({
  namespace: NS,
  job: component,
  service: component,
  endpoint: "metrics",
  container: component,
  app: component,
  rollouts_pod_template_hash: hash,
  pod: `${component}-${hash}-${i}`,
  instance: `10.0.${component.length}.${i}:9090`,
});
const http = (labels: Labels, ok: number, errors: number) => {
  counter("http_requests_total", { ...labels, method: "GET", route: "/", status: "200" }, ok);
  if (errors > 0)
    counter("http_requests_total", { ...labels, method: "GET", route: "/", status: "503" }, errors);
};
const FAST: [string, number][] = [
  ["0.1", 0.5],
  ["0.25", 0.8],
  ["0.5", 0.95],
  ["1", 1],
  ["2", 1],
  ["5", 1],
  ["+Inf", 1],
];
// 90% within 1s, 10% in (2, 5]: p95 = 3.5 s
const SLOW: [string, number][] = [
  ["0.1", 0.2],
  ["0.25", 0.5],
  ["0.5", 0.8],
  ["1", 0.9],
  ["2", 0.9],
  ["5", 1],
  ["+Inf", 1],
];

// orchestrator: stable and canary ReplicaSets, 6% 5xx overall (HighErrorRate)
http(app("orchestrator", "5d8f7c9b4"), 8.4, 0.4);
http(app("orchestrator", "7f6e5d4c3"), 1.0, 0.2);
histogram(
  "http_request_duration_seconds",
  { ...app("orchestrator", "5d8f7c9b4"), method: "GET", route: "/" },
  8.8,
  FAST,
  0.2,
);
histogram(
  "http_request_duration_seconds",
  { ...app("orchestrator", "7f6e5d4c3"), method: "GET", route: "/" },
  1.2,
  FAST,
  0.2,
);
// api-gateway 1% errors; the other three healthy; vertex-ai-client slow (HighLatency)
http(app("api-gateway", "6b5a4c3d2"), 19.8, 0.2);
histogram(
  "http_request_duration_seconds",
  { ...app("api-gateway", "6b5a4c3d2"), method: "GET", route: "/" },
  20,
  FAST,
  0.15,
);
for (const [c, errors] of [
  ["agent-services", 0],
  ["a2a-server", 0.01],
] as const) {
  http(app(c, "4c3b2a1d0"), 5, errors);
  histogram(
    "http_request_duration_seconds",
    { ...app(c, "4c3b2a1d0"), method: "GET", route: "/" },
    5,
    FAST,
    0.2,
  );
}
http(app("vertex-ai-client", "3b2a1c0d9"), 4, 0);
histogram(
  "http_request_duration_seconds",
  { ...app("vertex-ai-client", "3b2a1c0d9"), method: "POST", route: "/" },
  4,
  SLOW,
  0.9,
);

// A2A: orchestrator -> agent-services slow (p95 1.75 s) with 10% timeouts; the other route healthy
const a2a = (source: string, target: string): Labels => ({
  ...app("a2a-server", "4c3b2a1d0"),
  source_agent: source,
  target_agent: target,
});
counter("a2a_messages_total", { ...a2a("orchestrator", "agent-services"), status: "success" }, 9);
counter("a2a_messages_total", { ...a2a("orchestrator", "agent-services"), status: "timeout" }, 1);
histogram(
  "a2a_message_duration_seconds",
  a2a("orchestrator", "agent-services"),
  10,
  [
    ["0.25", 0.6],
    ["0.5", 0.9],
    ["1", 0.9],
    ["2.5", 1],
    ["+Inf", 1],
  ],
  0.6,
);
counter("a2a_messages_total", { ...a2a("agent-services", "vertex-ai-client"), status: "success" }, 9.9);
counter("a2a_messages_total", { ...a2a("agent-services", "vertex-ai-client"), status: "error" }, 0.1);
histogram(
  "a2a_message_duration_seconds",
  a2a("agent-services", "vertex-ai-client"),
  10,
  [
    ["0.25", 1],
    ["0.5", 1],
    ["1", 1],
    ["2.5", 1],
    ["+Inf", 1],
  ],
  0.05,
);

// Vertex AI: flash 6% errors of API calls (cache hits excluded), pro healthy
const vx = (model: string): Labels => ({ ...app("vertex-ai-client", "3b2a1c0d9"), model });
counter("vertex_ai_requests_total", { ...vx("gemini-2.5-flash"), status: "success" }, 0.94);
counter("vertex_ai_requests_total", { ...vx("gemini-2.5-flash"), status: "error" }, 0.06);
counter("vertex_ai_requests_total", { ...vx("gemini-2.5-flash"), status: "cached" }, 9);
counter("vertex_ai_requests_total", { ...vx("gemini-2.5-pro"), status: "success" }, 0.5);
for (const model of ["gemini-2.5-flash", "gemini-2.5-pro"]) {
  histogram("vertex_ai_request_duration_seconds", vx(model), 1, SLOW, 0.9);
  counter("vertex_ai_tokens_total", { ...vx(model), type: "input" }, 400);
  counter("vertex_ai_tokens_total", { ...vx(model), type: "output" }, 120);
  counter("vertex_ai_cost_usd_total", vx(model), 0.0004);
}

// agents
for (const agent of ["planner", "researcher"]) {
  const l = { ...app("agent-services", "4c3b2a1d0"), agent };
  counter("agent_tasks_total", { ...l, status: "success" }, 2);
  counter("agent_tasks_total", { ...l, status: "error" }, 0.05);
  histogram("agent_task_duration_seconds", l, 2.05, SLOW, 1.2);
}

// cAdvisor and kube-state-metrics: two containers at 90% of 1 GiB (HighMemoryUsage)
const GiB = 1024 ** 3;
const ksm = {
  job: "kube-state-metrics",
  instance: "10.0.9.9:8080",
  endpoint: "http",
  service: "kube-state-metrics",
};
for (const [pod, container] of [
  ["orchestrator-5d8f7c9b4-0", "orchestrator"],
  ["agent-services-4c3b2a1d0-0", "agent-services"],
] as const) {
  const cad = { namespace: NS, pod, job: "kubelet", metrics_path: "/metrics/cadvisor", node: "gke-node-1" };
  gauge("container_memory_working_set_bytes", { ...cad, container, image: `ngx/${container}` }, 0.9 * GiB);
  gauge("container_memory_working_set_bytes", { ...cad, container: "" }, 0.95 * GiB);
  counter(
    "container_cpu_usage_seconds_total",
    { ...cad, container, image: `ngx/${container}`, cpu: "total" },
    0.4,
  );
  counter("container_cpu_cfs_periods_total", { ...cad, container, image: `ngx/${container}` }, 10);
  counter("container_cpu_cfs_throttled_periods_total", { ...cad, container, image: `ngx/${container}` }, 1);
  counter("container_network_receive_bytes_total", { ...cad, container: "", interface: "eth0" }, 20_000);
  counter("container_network_transmit_bytes_total", { ...cad, container: "", interface: "eth0" }, 15_000);
  const k = { ...ksm, namespace: NS, pod, container, node: "gke-node-1", uid: `uid-${pod}` };
  gauge("kube_pod_container_resource_limits", { ...k, resource: "memory", unit: "byte" }, GiB);
  gauge("kube_pod_container_resource_limits", { ...k, resource: "cpu", unit: "core" }, 1);
  gauge("kube_pod_container_resource_requests", { ...k, resource: "memory", unit: "byte" }, GiB / 2);
  counter(
    "kube_pod_container_status_restarts_total",
    { ...ksm, namespace: NS, pod, container, uid: `uid-${pod}` },
    0.001,
  );
  gauge(
    "kube_horizontalpodautoscaler_status_current_replicas",
    { ...ksm, namespace: NS, horizontalpodautoscaler: container },
    4,
  );
  gauge(
    "kube_horizontalpodautoscaler_spec_max_replicas",
    { ...ksm, namespace: NS, horizontalpodautoscaler: container },
    10,
  );
}
// the backup CronJob succeeded 25 h before the last sample (BackupTooOld)
gauge(
  "kube_cronjob_info",
  { ...ksm, namespace: NS, cronjob: "db-backup", schedule: "0 2 * * *", concurrency_policy: "Forbid" },
  1,
);
const lastBackup = T1 - 25 * 3600;
gauge(
  "kube_cronjob_status_last_successful_time",
  { ...ksm, namespace: NS, cronjob: "db-backup" },
  lastBackup,
);
// what the recording rule of the PrometheusRule records (Prometheus does not evaluate rules on backfilled time)
gauge("ngx:backup_rpo_seconds", { namespace: NS, cronjob: "db-backup" }, 86400);

// Argo Rollouts controller, scraped from namespace argo-rollouts (namespace label renamed)
const ctl = {
  job: "argo-rollouts-metrics",
  namespace: "argo-rollouts",
  instance: "10.0.8.8:8090",
  service: "argo-rollouts-metrics",
  endpoint: "metrics",
  pod: "argo-rollouts-0",
  container: "argo-rollouts",
};
for (const [name, phase] of [
  ["orchestrator", "Abort"],
  ["vertex-ai-client", "Timeout"],
  ["api-gateway", "Completed"],
  ["agent-services", "Paused"],
  ["a2a-server", "Progressing"],
] as const) {
  gauge(
    "rollout_info",
    {
      ...ctl,
      exported_namespace: NS,
      name,
      phase,
      strategy: "canary",
      traffic_router: "",
    },
    1,
  );
  gauge("rollout_info_replicas_available", { ...ctl, exported_namespace: NS, name }, 3);
  gauge("rollout_info_replicas_desired", { ...ctl, exported_namespace: NS, name }, 3);
}
gauge(
  "analysis_run_info",
  { ...ctl, exported_namespace: NS, name: "orchestrator-7f6e5d4c3-2", phase: "Failed" },
  1,
);
gauge(
  "analysis_run_metric_phase",
  {
    ...ctl,
    exported_namespace: NS,
    name: "orchestrator-7f6e5d4c3-2",
    metric: "error-rate",
    type: "Prometheus",
    dry_run: "false",
    phase: "Failed",
  },
  1,
);

// OpenTelemetry collector and Redis
const otel = {
  namespace: NS,
  job: "otel-collector",
  service: "otel-collector",
  endpoint: "metrics",
  app: "otel-collector",
  pod: "otel-collector-0",
  container: "otel-collector",
  instance: "10.0.7.7:8888",
  service_name: "otelcol-contrib",
  service_version: "0.160.0",
  service_instance_id: "i-1",
};
counter("otelcol_receiver_accepted_spans_total", { ...otel, receiver: "otlp", transport: "grpc" }, 300);
counter("otelcol_receiver_refused_spans_total", { ...otel, receiver: "otlp", transport: "grpc" }, 0.1);
counter("otelcol_exporter_send_failed_spans_total", { ...otel, exporter: "googlecloud" }, 0.05);
for (const [pod, up] of [
  ["redis-0", 0],
  ["redis-1", 1],
] as const) {
  const r = {
    namespace: NS,
    job: "redis",
    service: "redis",
    endpoint: "metrics",
    app: "redis",
    pod,
    container: "redis-exporter",
    instance: `10.0.6.${up}:9121`,
  };
  gauge("redis_up", r, up);
  gauge("redis_memory_used_bytes", r, 1.5 * GiB);
  gauge("redis_memory_max_bytes", r, 2 * GiB);
  gauge("redis_connected_clients", r, 12);
  counter("redis_keyspace_hits_total", r, 90);
  counter("redis_keyspace_misses_total", r, 10);
  counter("redis_evicted_keys_total", r, 0.2);
}

function openMetrics(): string {
  const lines: string[] = [];
  const byName = new Map<string, Series[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  for (const [name, list] of byName) {
    lines.push(`# TYPE ${name} unknown`);
    for (const s of list) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
      for (let t = 0; t <= SPAN; t += STEP) lines.push(`${name}{${labels}} ${s.at(t)} ${T0 + t}`);
    }
  }
  lines.push("# EOF");
  return `${lines.join("\n")}\n`;
}

let prometheus: RunningPrometheus | undefined;

async function query(expr: string): Promise<{ metric: Labels; value: [number, string] }[]> {
  const res = await fetch(
    `${prometheus?.url}/api/v1/query?${new URLSearchParams({ query: expr, time: String(T1) })}`,
  );
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: unknown };
  };
  if (body.status !== "success") throw new Error(`${body.error} in: ${expr}`);
  if (body.data?.resultType === "scalar")
    return [{ metric: {}, value: body.data.result as [number, string] }];
  return body.data?.result as { metric: Labels; value: [number, string] }[];
}

beforeAll(async () => {
  // the synthetic data is backfilled into the TSDB before Prometheus starts; nothing is scraped
  prometheus = await startPrometheus([], {
    prepare: async (dataDir) => {
      const om = join(dirname(dataDir), "data.om");
      writeFileSync(om, openMetrics());
      await run(PROMTOOL, ["tsdb", "create-blocks-from", "openmetrics", om, dataDir], { timeout: 120_000 });
    },
    flags: ["--storage.tsdb.retention.time=30d"],
  });
});

afterAll(async () => {
  await prometheus?.stop();
});

const short = (labels: Labels, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => k in labels).map((k) => [k, labels[k]]));

describe("alert expressions on a real Prometheus", () => {
  let rules: { alert?: string; expr: string }[] = [];
  beforeAll(async () => {
    const kustomize = await findKustomize();
    rules = parseAllDocuments(await kustomize.build(MONITORING))
      .map(
        (d) =>
          d.toJS() as { kind: string; spec?: { groups: { rules: { alert?: string; expr: string }[] }[] } },
      )
      .filter((o) => o.kind === "PrometheusRule")
      .flatMap((o) => o.spec?.groups.flatMap((g) => g.rules) ?? []);
  });

  // label keys that identify an alert instance, and the value each should have
  const expected: Record<string, { labels: Labels; value: number }[]> = {
    HighErrorRate: [{ labels: { namespace: NS, app: "orchestrator" }, value: 0.06 }],
    HighLatency: [{ labels: { namespace: NS, app: "vertex-ai-client" }, value: 3.5 }],
    HighMemoryUsage: [{ labels: { namespace: NS }, value: 0.9 }],
    BackupTooOld: [{ labels: { namespace: NS, cronjob: "db-backup", reason: "too-old" }, value: 25 * 3600 }],
    CanaryAborted: [{ labels: { name: "orchestrator" }, value: 1 }],
    RolloutStuck: [{ labels: { name: "vertex-ai-client", phase: "Timeout" }, value: 1 }],
    VertexAIHighErrorRate: [{ labels: { namespace: NS, model: "gemini-2.5-flash" }, value: 0.06 }],
    A2AHighLatency: [
      {
        labels: { namespace: NS, source_agent: "orchestrator", target_agent: "agent-services" },
        value: 1.75,
      },
    ],
    A2AMessageFailures: [
      { labels: { namespace: NS, source_agent: "orchestrator", target_agent: "agent-services" }, value: 0.1 },
    ],
    RedisDown: [{ labels: { namespace: NS, pod: "redis-0" }, value: 0 }],
  };

  it("covers every alert of the PrometheusRule", () => {
    expect(
      rules
        .filter((r) => r.alert)
        .map((r) => r.alert)
        .sort(),
    ).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))(
    "%s selects exactly the unhealthy series, with the expected value",
    async (name) => {
      const rule = rules.find((r) => r.alert === name);
      expect(rule, name).toBeDefined();
      const result = await query(rule?.expr as string);
      const want = expected[name] ?? [];
      const keys = [...new Set(want.flatMap((w) => Object.keys(w.labels)))];
      expect(result.map((r) => r.metric).map((m) => short(m, [...Object.keys(m)]))).toEqual(
        want.map((w) => expect.objectContaining(w.labels)),
      );
      for (const [i, r] of result.entries()) {
        expect(short(r.metric, keys)).toEqual(want[i]?.labels);
        expect(Number(r.value[1])).toBeCloseTo(want[i]?.value ?? Number.NaN, 3);
      }
    },
  );
});

describe("dashboard queries on a real Prometheus", () => {
  const DASHBOARDS = join(MONITORING, "dashboards");
  interface Panel {
    title: string;
    targets?: { refId: string; expr: string }[];
    panels?: Panel[];
  }
  const flat = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...flat(p.panels ?? [])]);
  const cases = readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith(".json"))
    .flatMap((f) => {
      const d = JSON.parse(readFileSync(join(DASHBOARDS, f), "utf8")) as { panels: Panel[] };
      return flat(d.panels).flatMap((p) =>
        (p.targets ?? []).map((t) => ({ where: `${f} "${p.title}" ${t.refId}`, expr: t.expr })),
      );
    });

  // Grafana's interpolation: built-in intervals, and every template variable at "All" (.+)
  const interpolate = (expr: string) =>
    expr
      .replace(/\$__rate_interval|\$__interval/g, "1m")
      .replace(/\$__range/g, "30m")
      .replace(/\$\{?[a-z_]+\}?/g, ".+");

  it("has queries to run", () => {
    expect(cases.length).toBeGreaterThan(40);
  });

  it("traffic share panel splits orchestrator requests 88/12 between stable and canary, as the fixture does", async () => {
    const share = cases.find((c) => c.where.includes("Traffic share by pod template hash"));
    expect(share).toBeDefined();
    const result = await query(interpolate(share?.expr as string));
    const orchestrator = Object.fromEntries(
      result
        .filter((r) => r.metric.app === "orchestrator")
        .map((r) => [r.metric.rollouts_pod_template_hash, Math.round(Number(r.value[1]) * 1000) / 1000]),
    );
    expect(orchestrator).toEqual({ "5d8f7c9b4": 0.88, "7f6e5d4c3": 0.12 });
  });

  it.each(cases)("$where returns data", async ({ expr }) => {
    const result = await query(interpolate(expr));
    expect(result.length).toBeGreaterThan(0);
    for (const r of result) expect(Number.isNaN(Number(r.value[1])), JSON.stringify(r.metric)).toBe(false);
  });
});
