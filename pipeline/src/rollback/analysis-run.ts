// The failed AnalysisRun of an aborted Rollout, read through Argo CD's resource tree (AnalysisRuns are
// children of their Rollout), for the rollback pull request: each metric's phase, its last measured
// values and the controller's message. Best effort: any failure means "not known".
import type { ArgoCd } from "../adapters/argocd-types.js";

export interface MetricResult {
  readonly name: string;
  readonly phase: string;
  /** the last measured values, newest last */
  readonly values: readonly string[];
  readonly message?: string;
}

export interface FailedAnalysis {
  readonly name: string;
  readonly phase: string;
  readonly message?: string;
  readonly metrics: readonly MetricResult[];
}

interface RawMeasurement {
  phase?: string;
  value?: string;
}
interface RawMetricResult {
  name?: string;
  phase?: string;
  message?: string;
  measurements?: RawMeasurement[];
}

/** Pure: the summary of an AnalysisRun manifest. */
export function summarizeAnalysisRun(manifest: Record<string, unknown>): FailedAnalysis {
  const meta = (manifest.metadata ?? {}) as { name?: string };
  const status = (manifest.status ?? {}) as {
    phase?: string;
    message?: string;
    metricResults?: RawMetricResult[];
  };
  return {
    name: meta.name ?? "(unnamed)",
    phase: status.phase ?? "Unknown",
    ...(status.message ? { message: status.message } : {}),
    metrics: (status.metricResults ?? []).map((m) => ({
      name: m.name ?? "(unnamed)",
      phase: m.phase ?? "Unknown",
      values: (m.measurements ?? []).slice(-3).map((x) => x.value ?? `(${x.phase ?? "no value"})`),
      ...(m.message ? { message: m.message } : {}),
    })),
  };
}

export async function findFailedAnalysis(
  argocd: ArgoCd,
  app: string,
  rollout: string,
): Promise<{ analysis?: FailedAnalysis; requests: number; error?: string }> {
  let requests = 0;
  try {
    requests += 1;
    const nodes = await argocd.resourceTree(app);
    const runs = nodes
      .filter(
        (n) =>
          n.kind === "AnalysisRun" && n.parentRefs.some((p) => p.kind === "Rollout" && p.name === rollout),
      )
      .sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""));
    const failed = runs.find((n) => n.health === "Degraded") ?? runs[0];
    if (!failed) return { requests };
    requests += 1;
    return { analysis: summarizeAnalysisRun(await argocd.getResource(app, failed)), requests };
  } catch (e) {
    return { requests, error: e instanceof Error ? e.message : String(e) };
  }
}
