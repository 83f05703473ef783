// The server's own view of the run window (optional, with PROMETHEUS_URL): the api-gateway's 5xx share
// and p95 from the queries of the canary analysis templates ngx-error-rate and ngx-latency-p95
// (rollouts/analysis), with every pod counted instead of the canary's (the pod-template-hash matcher
// widened), the window set to the run's length and evaluated at its end.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { Prometheus } from "../adapters/prometheus.js";

export interface ServerSideFigures {
  readonly prometheus: string;
  readonly errorRate?: number;
  readonly p95Ms?: number;
  /** why a figure is missing (query failed, too few requests) */
  readonly note?: string;
}

type Template = {
  kind?: string;
  metadata?: { name?: string };
  spec?: { metrics?: { provider?: { prometheus?: { query?: string } } }[] };
};

/** the PromQL of a template's first metric, from rollouts/analysis/*.yaml */
export function templateQuery(root: string, name: string): string | undefined {
  const dir = join(root, "rollouts", "analysis");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      const t = doc.toJS() as Template | null;
      if (t?.metadata?.name === name) return t.spec?.metrics?.[0]?.provider?.prometheus?.query;
    }
  }
  return undefined;
}

/** fills a template query's arguments for the whole service (every pod) over `windowS` seconds */
export function fillQuery(
  query: string,
  args: { namespace: string; service: string; windowS: number },
): string {
  return query
    .replace(
      /rollouts_pod_template_hash="\{\{args\.(canary|stable)-hash\}\}"/g,
      'rollouts_pod_template_hash=~".*"',
    )
    .replaceAll("{{args.namespace}}", args.namespace)
    .replaceAll("{{args.service}}", args.service)
    .replaceAll("{{args.window}}", `${Math.max(1, Math.ceil(args.windowS))}s`)
    .replaceAll("{{args.min-requests}}", "1");
}

export async function serverSideFigures(
  prometheus: Prometheus,
  root: string,
  args: { namespace: string; service: string; windowS: number; end: Date },
): Promise<ServerSideFigures> {
  const one = async (name: string): Promise<number | undefined> => {
    const q = templateQuery(root, name);
    if (!q) throw new Error(`no analysis template ${name} in rollouts/analysis`);
    const v = await prometheus.query(fillQuery(q, args), args.end);
    const value = v.resultType === "scalar" ? v.value : v.samples[0]?.value;
    // the templates answer -1 when too few requests were seen
    return value === undefined || value < 0 || Number.isNaN(value) ? undefined : value;
  };
  try {
    const errorRate = await one("ngx-error-rate");
    const p95 = await one("ngx-latency-p95");
    return {
      prometheus: prometheus.url,
      ...(errorRate !== undefined ? { errorRate } : {}),
      ...(p95 !== undefined ? { p95Ms: Math.round(p95 * 1000) } : {}),
      ...(errorRate === undefined || p95 === undefined
        ? { note: "too few requests seen by Prometheus" }
        : {}),
    };
  } catch (e) {
    return { prometheus: prometheus.url, note: `not read: ${e instanceof Error ? e.message : String(e)}` };
  }
}
