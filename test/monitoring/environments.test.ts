// Monitoring as each environment renders it (real kustomize on environments/<env>): every
// ServiceMonitor reaches a Service port that reaches a named container port, the alerts and
// dashboards are there, and the backup RPO the alert uses equals environments/promotion.yaml.
import { describe, expect, it } from "vitest";
import { loadRepo } from "../../pipeline/src/config/load.js";
import { type K8sObject, renderEnvironment } from "../../pipeline/src/manifests/render.js";
import { parseHumanDuration } from "../../pipeline/src/time/duration.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const repo = loadRepo(ROOT);
const NS = "ngx-agents";
const APPS = ["api-gateway", "orchestrator", "agent-services", "a2a-server", "vertex-ai-client"];

type Obj = K8sObject & { spec?: Record<string, unknown> };
const rendered = new Map<string, Promise<Obj[]>>();
const render = (env: string) => {
  if (!rendered.has(env))
    rendered.set(
      env,
      renderEnvironment(repo, env).then((r) => r.objects as Obj[]),
    );
  return rendered.get(env) as Promise<Obj[]>;
};

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

interface MatchExpression {
  key: string;
  operator: string;
  values?: string[];
}
const selects = (
  sel: { matchLabels?: Record<string, string>; matchExpressions?: MatchExpression[] },
  labels: Record<string, string> | undefined,
) =>
  Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v) &&
  (sel.matchExpressions ?? []).every((e) =>
    e.operator === "In" ? (e.values ?? []).includes(labels?.[e.key] ?? "\u0000") : false,
  );

interface Port {
  name?: string;
  port?: number;
  targetPort?: string | number;
  containerPort?: number;
}
const podTemplate = (o: Obj) =>
  (o.spec?.template ?? undefined) as
    | { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { ports?: Port[] }[] } }
    | undefined;

describe.each(repo.environments.map((e) => e.name))("environment %s", (env) => {
  it("scrapes every app component every 15s on /metrics, through a Service port that reaches a container port", async () => {
    const objects = await render(env);
    const monitors = objects.filter((o) => o.kind === "ServiceMonitor");
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual([
      "ngx-agents",
      "ngx-agents-otel-collector",
      "ngx-agents-redis",
    ]);
    const services = objects.filter((o) => o.kind === "Service" && o.metadata.namespace === NS);
    const workloads = objects.filter((o) => ["Rollout", "Deployment", "StatefulSet"].includes(o.kind));
    for (const m of monitors) {
      const spec = m.spec as {
        selector: { matchLabels?: Record<string, string>; matchExpressions?: MatchExpression[] };
        namespaceSelector: { matchNames: string[] };
        endpoints: { port: string; path: string; interval: string; relabelings?: { regex?: string }[] }[];
      };
      expect(m.metadata.namespace).toBe(NS);
      expect(spec.namespaceSelector.matchNames).toEqual([NS]);
      const selected = services.filter((s) => selects(spec.selector, s.metadata.labels));
      expect(selected.length, `${m.metadata.name} selects no Service`).toBeGreaterThan(0);
      for (const ep of spec.endpoints) {
        expect(ep).toMatchObject({ path: "/metrics", interval: "15s" });
        for (const s of selected) {
          const port = ((s.spec?.ports ?? []) as Port[]).find((p) => p.name === ep.port);
          expect(port, `Service ${s.metadata.name} has no port "${ep.port}"`).toBeDefined();
          const selector = s.spec?.selector as Record<string, string>;
          const backing = workloads.filter((w) => matches(selector, podTemplate(w)?.metadata?.labels));
          expect(backing.length, `Service ${s.metadata.name} selects no workload`).toBeGreaterThan(0);
          for (const w of backing) {
            const ports = (podTemplate(w)?.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
            const target = port?.targetPort ?? port?.port;
            const found = ports.find((p) =>
              typeof target === "string" ? p.name === target : p.containerPort === target,
            );
            expect(
              found,
              `${w.kind}/${w.metadata.name} has no container port ${target} for ${s.metadata.name}`,
            ).toBeDefined();
          }
        }
      }
    }
    // the app monitor reaches each of the five components; canary Services are dropped before scraping
    const app = monitors.find((m) => m.metadata.name === "ngx-agents") as Obj;
    const appSpec = app.spec as {
      podTargetLabels: string[];
      selector: { matchExpressions?: MatchExpression[] };
    };
    expect(appSpec.podTargetLabels).toEqual(["app", "rollouts-pod-template-hash"]);
    const appServices = services.filter((s) => selects(app.spec?.selector as never, s.metadata.labels));
    for (const a of APPS) expect(appServices.map((s) => s.metadata.name)).toContain(a);
    const canaries = appServices.filter((s) => s.metadata.name.endsWith("-canary"));
    const drop = (
      (app.spec?.endpoints as { relabelings?: { action: string; regex: string }[] }[] | undefined)?.[0]
        ?.relabelings ?? []
    ).find((r) => r.action === "drop");
    for (const c of canaries)
      expect(new RegExp(`^(?:${drop?.regex})$`).test(c.metadata.name), c.metadata.name).toBe(true);
    for (const a of APPS) expect(new RegExp(`^(?:${drop?.regex})$`).test(a), a).toBe(false);
  });

  it("ships the alerts and the dashboards", async () => {
    const objects = await render(env);
    const rules = objects.filter((o) => o.kind === "PrometheusRule").map((o) => o.metadata.name);
    expect(rules.sort()).toEqual(["ngx-agents-alerts", "ngx-agents-backup-rpo"]);
    // the three alerts of the production configuration, with their thresholds, as rendered here
    const alerts = objects
      .filter((o) => o.kind === "PrometheusRule")
      .flatMap((o) => (o.spec?.groups as { rules: Record<string, unknown>[] }[]) ?? [])
      .flatMap((g) => g.rules);
    const alert = (name: string) =>
      alerts.find((r) => r.alert === name) as { expr: string } & Record<string, unknown>;
    expect(alert("HighErrorRate")).toMatchObject({ for: "5m", labels: { severity: "critical" } });
    expect(alert("HighErrorRate").expr).toMatch(/status=~"5\.\."[\s\S]*>\s*0\.05\s*$/);
    expect(alert("HighLatency")).toMatchObject({ for: "5m", labels: { severity: "warning" } });
    expect(alert("HighLatency").expr).toMatch(
      /histogram_quantile\(0\.95,[\s\S]*http_request_duration_seconds_bucket[\s\S]*>\s*2\s*$/,
    );
    expect(alert("HighMemoryUsage")).toMatchObject({ for: "15m", labels: { severity: "warning" } });
    expect(alert("HighMemoryUsage").expr).toMatch(/resource="memory"[\s\S]*>\s*0\.85\s*$/);
    const dashboards = objects.filter(
      (o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1",
    );
    expect(dashboards.map((d) => d.metadata.name).sort()).toEqual([
      "grafana-dashboard-a2a-communication",
      "grafana-dashboard-agent-performance",
      "grafana-dashboard-canary-comparison",
      "grafana-dashboard-ngx-agents-overview",
      "grafana-dashboard-system-resources",
      "grafana-dashboard-vertex-ai-client",
    ]);
    for (const d of dashboards) expect(d.metadata.namespace).toBe(NS);
  });

  it("records the backup RPO of promotion.yaml where the environment backs up", async () => {
    const config = repo.environments.find((e) => e.name === env);
    const objects = await render(env);
    const rpoRule = objects
      .filter((o) => o.kind === "PrometheusRule")
      .flatMap(
        (o) =>
          (o.spec?.groups as {
            rules: { record?: string; expr: string; labels?: Record<string, string> }[];
          }[]) ?? [],
      )
      .flatMap((g) => g.rules)
      .find((r) => r.record === "ngx:backup_rpo_seconds");
    expect(rpoRule).toBeDefined();
    const recorded = Number(/^vector\((\d+)\)/.exec(String(rpoRule?.expr).trim())?.[1]);
    if (!config?.backup) {
      // no backup here: no CronJob, so BackupTooOld (scoped to an existing CronJob) stays quiet
      expect(objects.filter((o) => o.kind === "CronJob" && o.metadata.name === "db-backup")).toEqual([]);
      return;
    }
    const cronJob = objects.find((o) => o.kind === "CronJob" && o.metadata.name === config.backup?.cronJob);
    expect(cronJob, `CronJob ${config.backup.cronJob}`).toBeDefined();
    expect(rpoRule?.labels).toEqual({ namespace: NS, cronjob: config.backup.cronJob });
    const rpoSeconds = parseHumanDuration(config.backup.rpo) / 1000;
    expect(
      recorded,
      `ngx:backup_rpo_seconds in ${env} vs promotion.yaml backup.rpo ${config.backup.rpo}`,
    ).toBe(rpoSeconds);
  });
});
