// Grafana dashboards and alert expressions against the metric catalogue: every query parses with the
// PromQL grammar (after Grafana's own interval variables are substituted), names only catalogued
// metrics and matches only labels those metrics carry. The dashboards must be real Grafana
// dashboards (datasource variable, panels with targets) shipped as sidecar ConfigMaps.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { findKustomize } from "../../pipeline/src/adapters/kustomize.js";
import { substituteTemplateArgs } from "../../pipeline/src/manifests/promql.js";
import {
  checkAgainstCatalogue,
  interpolateGrafana,
  loadCatalogue,
  type MetricCatalogue,
  parseQuery,
} from "./catalogue.js";

const ROOT = resolve(import.meta.dirname, "../..");
const MONITORING = join(ROOT, "environments/base/monitoring");
const DASHBOARDS = join(MONITORING, "dashboards");
/** Grafana's reference to the dashboard's datasource variable (a literal, not a JS template). */
const DATASOURCE = { type: "prometheus", uid: "$" + "{datasource}" };

interface Target {
  refId: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type: string;
  title: string;
  targets?: Target[];
  panels?: Panel[];
  datasource?: { type?: string; uid?: string };
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith(".json"));
const load = (f: string) => JSON.parse(readFileSync(join(DASHBOARDS, f), "utf8")) as Dashboard;
const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

/** `label_values(<selector>, label)` variable queries: the selector part is PromQL. */
function variableExpr(v: Variable): string | undefined {
  const q = typeof v.query === "string" ? v.query : v.query?.query;
  if (!q) return undefined;
  const m = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)$/s.exec(q.trim());
  return m ? m[1] : q;
}

let catalogue: MetricCatalogue;
beforeAll(() => {
  catalogue = loadCatalogue(ROOT);
});

describe("metric catalogue", () => {
  it("is well formed: unique names, known sources, the contract's metrics present", () => {
    const names = catalogue.metrics.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    const components = ["api-gateway", "orchestrator", "agent-services", "a2a-server", "vertex-ai-client"];
    for (const m of catalogue.metrics) {
      expect(Object.keys(catalogue.sources), m.name).toContain(m.source);
      // an app metric says which components expose it, by their contract names
      if (m.source === "app") expect(m.exposedBy?.length, m.name).toBeGreaterThan(0);
      for (const c of m.exposedBy ?? []) expect(components, m.name).toContain(c);
      for (const label of Object.keys(m.values ?? {}))
        expect(m.labels, `${m.name} values.${label}`).toContain(label);
    }
    for (const required of [
      "http_requests_total",
      "http_request_duration_seconds",
      "a2a_messages_total",
      "a2a_message_duration_seconds",
      "vertex_ai_requests_total",
      "vertex_ai_request_duration_seconds",
      "vertex_ai_tokens_total",
      "vertex_ai_cost_usd_total",
      "agent_tasks_total",
      "agent_task_duration_seconds",
      "container_memory_working_set_bytes",
      "kube_pod_container_resource_limits",
      "kube_cronjob_status_last_successful_time",
      "rollout_info",
      "analysis_run_metric_phase",
    ])
      expect(names).toContain(required);
    expect(catalogue.sources.app?.targetLabels).toEqual(
      expect.arrayContaining(["namespace", "pod", "service", "app", "rollouts_pod_template_hash"]),
    );
  });

  it("rejects what it should: unknown metric, unknown label, bare histogram, nameless selector, bad syntax", () => {
    expect(checkAgainstCatalogue(catalogue, "rate(http_requests_total[5m])")).toEqual([]);
    expect(checkAgainstCatalogue(catalogue, "rate(http_request_total[5m])")).toEqual([
      "metric http_request_total is not in environments/base/monitoring/metric-catalogue.yaml",
    ]);
    expect(checkAgainstCatalogue(catalogue, 'http_requests_total{status_code="500"}')[0]).toMatch(
      /^http_requests_total has no label "status_code"/,
    );
    expect(checkAgainstCatalogue(catalogue, "http_request_duration_seconds")[0]).toMatch(/not in/);
    expect(checkAgainstCatalogue(catalogue, 'http_request_duration_seconds_bucket{le="2"}')).toEqual([]);
    expect(checkAgainstCatalogue(catalogue, 'http_requests_total_bucket{le="2"}')[0]).toMatch(/not in/);
    expect(checkAgainstCatalogue(catalogue, '{app="orchestrator"}')).toEqual([
      'selector {app="orchestrator"} names no metric',
    ]);
    expect(checkAgainstCatalogue(catalogue, '{__name__="vertex_ai_tokens_total", type="input"}')).toEqual([]);
    expect(checkAgainstCatalogue(catalogue, "sum(rate(http_requests_total[5m])")[0]).toMatch(
      /unexpected end|syntax/,
    );
    // a Grafana variable left in a range is not PromQL until interpolated
    expect(parseQuery("rate(http_requests_total[$__rate_interval])").error).toBeDefined();
    expect(
      parseQuery(interpolateGrafana("rate(http_requests_total[$__rate_interval])")).error,
    ).toBeUndefined();
  });
});

describe("Grafana dashboards", () => {
  it("are the five dashboards of the production configuration and the canary comparison, unique uids", () => {
    const titles = files.map((f) => load(f).title).sort();
    expect(titles).toEqual(
      [
        "A2A Communication",
        "Agent Performance",
        "NGX Agents — canary vs stable",
        "NGX Agents Overview",
        "System Resources",
        "Vertex AI Client",
      ].sort(),
    );
    const uids = files.map((f) => load(f).uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  describe.each(files)("%s", (file) => {
    it("is a Grafana dashboard with a Prometheus datasource variable used by every target", () => {
      const d = load(file);
      expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
      const ds = d.templating.list.find((v) => v.type === "datasource");
      expect(ds).toMatchObject({ name: "datasource", query: "prometheus" });
      const panels = allPanels(d.panels).filter((p) => p.type !== "row");
      expect(panels.length).toBeGreaterThanOrEqual(5);
      const ids = allPanels(d.panels).map((p) => p.id);
      expect(new Set(ids).size, "panel ids unique").toBe(ids.length);
      for (const p of panels) {
        expect(p.targets?.length, `panel "${p.title}" has no query`).toBeGreaterThan(0);
        for (const t of p.targets ?? []) {
          expect(t.datasource, `${p.title} ${t.refId}`).toEqual(DATASOURCE);
          expect(t.expr, `${p.title} ${t.refId}`).toBeTruthy();
        }
      }
    });

    it("queries parse and use only catalogued metrics and labels", () => {
      const d = load(file);
      const problems: string[] = [];
      let queries = 0;
      for (const p of allPanels(d.panels)) {
        for (const t of p.targets ?? []) {
          queries++;
          for (const problem of checkAgainstCatalogue(catalogue, interpolateGrafana(t.expr ?? "")))
            problems.push(`panel "${p.title}" ${t.refId}: ${problem}`);
        }
      }
      for (const v of d.templating.list.filter((x) => x.type === "query")) {
        const expr = variableExpr(v);
        queries++;
        for (const problem of checkAgainstCatalogue(catalogue, expr ?? ""))
          problems.push(`variable ${v.name}: ${problem}`);
      }
      expect(queries).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    });
  });

  it("ship as ConfigMaps the Grafana sidecar picks up, one per file, content unchanged", async () => {
    const kustomize = await findKustomize();
    const objects = parseAllDocuments(await kustomize.build(MONITORING)).map(
      (doc) =>
        doc.toJS() as {
          kind: string;
          metadata: { name: string; namespace?: string; labels?: Record<string, string> };
          data?: Record<string, string>;
        },
    );
    const maps = objects.filter((o) => o.kind === "ConfigMap");
    expect(maps.map((m) => Object.keys(m.data ?? {})[0]).sort()).toEqual([...files].sort());
    for (const m of maps) {
      expect(m.metadata.labels?.grafana_dashboard, m.metadata.name).toBe("1");
      expect(m.metadata.name).toMatch(/^grafana-dashboard-[a-z0-9-]+$/); // no hash suffix
      const [key, content] = Object.entries(m.data ?? {})[0] ?? [];
      expect(content).toBe(readFileSync(join(DASHBOARDS, key as string), "utf8"));
    }
  });
});

describe("PrometheusRule expressions", () => {
  it("parse and use only catalogued metrics and labels", async () => {
    const kustomize = await findKustomize();
    const rules = parseAllDocuments(await kustomize.build(MONITORING))
      .map(
        (doc) =>
          doc.toJS() as {
            kind: string;
            spec?: { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
          },
      )
      .filter((o) => o.kind === "PrometheusRule")
      .flatMap((o) => o.spec?.groups.flatMap((g) => g.rules) ?? []);
    expect(rules.length).toBeGreaterThanOrEqual(4);
    const problems = rules.flatMap((r) =>
      checkAgainstCatalogue(catalogue, String(r.expr)).map((p) => `${r.alert ?? r.record}: ${p}`),
    );
    expect(problems).toEqual([]);
    // recording rules are catalogued too, so dashboards and templates may use them
    for (const r of rules.filter((x) => x.record))
      expect(catalogue.metrics.map((m) => m.name)).toContain(r.record);
  });
});

describe("analysis templates in rollouts/", () => {
  // The analysis templates belong to rollouts/; they share this catalogue. Their {{args.*}}
  // placeholders are replaced by plain values before parsing.
  const templates: { file: string; name: string; query: string }[] = [];
  const walk = (dir: string): string[] => {
    let entries: import("node:fs").Dirent[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    return entries.flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".yaml") ? [join(dir, e.name)] : [],
    );
  };
  for (const file of walk(join(ROOT, "rollouts"))) {
    for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
      const o = doc.toJS() as {
        kind?: string;
        metadata?: { name?: string };
        spec?: { metrics?: { name: string; provider?: { prometheus?: { query?: string } } }[] };
      } | null;
      if (o?.kind !== "ClusterAnalysisTemplate" && o?.kind !== "AnalysisTemplate") continue;
      for (const m of o.spec?.metrics ?? []) {
        const query = m.provider?.prometheus?.query;
        if (query)
          templates.push({ file: file.slice(ROOT.length + 1), name: `${o.metadata?.name}/${m.name}`, query });
      }
    }
  }

  it("use only catalogued metrics and labels", () => {
    // the canary's templates exist (rollouts/analysis): finding none means this walk is broken
    expect(templates.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ngx-error-rate\//),
        expect.stringMatching(/^ngx-latency-p95\//),
      ]),
    );
    const problems = templates.flatMap((t) =>
      checkAgainstCatalogue(catalogue, substituteTemplateArgs(t.query)).map(
        (p) => `${t.file} ${t.name}: ${p}`,
      ),
    );
    expect(problems).toEqual([]);
  });
});
