// The analysis and backup checks the gates call, built on the analysis/ and backup/ modules (loaded
// lazily: `gate` without those gates configured never loads them).
import type { ArgoCd } from "../adapters/argocd-types.js";
import type { Prometheus } from "../adapters/prometheus.js";
import type { Repo } from "../config/load.js";
import { type AnalysisRunner, type BackupChecker, type MonitoringOpener, NotConfigured } from "./types.js";

/** `prometheus` builds the client from the environment (PROMETHEUS_URL and its credentials) when first needed */
export function analysisRunner(
  repo: Repo,
  prometheusFrom: () => Promise<Prometheus | undefined>,
): AnalysisRunner {
  return async (env, hashes) => {
    const prometheus = await prometheusFrom();
    if (!prometheus) throw new NotConfigured("Prometheus not configured (set PROMETHEUS_URL)");
    const { overallVerdict, planAnalysis, runAnalysis } = await import("../analysis/run.js");
    const { loadTemplates, rollouts } = await import("../analysis/templates.js");
    const { renderEnvironment } = await import("../manifests/render.js");
    const rendered = await renderEnvironment(repo, env.name);
    const templates = await loadTemplates(repo, rendered.objects);
    const outcomes = [];
    const missing: string[] = [];
    for (const r of rollouts(rendered.objects)) {
      const live = hashes.find((h) => h.rollout === r.metadata.name);
      if (!live?.canaryHash || !live.stableHash) {
        missing.push(r.metadata.name);
        continue;
      }
      const plans = planAnalysis([r], templates, {
        canaryHash: live.canaryHash,
        stableHash: live.stableHash,
      });
      outcomes.push(...(await runAnalysis(prometheus, plans)));
    }
    if (missing.length > 0) {
      return {
        verdict: "Inconclusive",
        summary: `no live pod-template hashes for ${missing.join(", ")} (Rollouts not found in Argo CD)`,
      };
    }
    if (outcomes.length === 0) return { verdict: "Inconclusive", summary: "no analysis metrics to run" };
    const verdict = overallVerdict(outcomes);
    const bad = outcomes.filter((o) => o.verdict !== "Successful");
    const summary =
      bad.length === 0
        ? `analysis Successful (${outcomes.length} metrics)`
        : `analysis ${verdict}: ${bad
            .slice(0, 3)
            .map(
              (o) =>
                `${o.rollout} ${o.template}/${o.metric} = ${o.value ?? "-"}${o.message ? ` (${o.message})` : ""}`,
            )
            .join("; ")}${bad.length > 3 ? ` +${bad.length - 3} more` : ""}`;
    return {
      verdict,
      summary,
      details: {
        prometheus: prometheus.url,
        metrics: outcomes.map((o) => ({
          rollout: o.rollout,
          template: o.template,
          metric: o.metric,
          value: o.value,
          verdict: o.verdict,
        })),
      },
    };
  };
}

export function backupChecker(argocd: ArgoCd | undefined, now: Date): BackupChecker {
  return async (env) => {
    if (!argocd) throw new NotConfigured("backup status unknown: Argo CD not configured (set ARGOCD_SERVER)");
    const { backupFreshness } = await import("../backup/freshness.js");
    return backupFreshness(argocd, env, { now });
  };
}

/** Cloud Monitoring for the google-signals gate (NGX_MONITORING_ENDPOINT, NGX_MONITORING_TIMEOUT_MS apply). */
export function cloudMonitoringOpener(env: NodeJS.ProcessEnv): MonitoringOpener {
  return async (projectId) => {
    const { cloudMonitoringSource, monitoringSettingsFromEnv } = await import(
      "../adapters/cloud-monitoring.js"
    );
    return cloudMonitoringSource(monitoringSettingsFromEnv({ ...env, GOOGLE_CLOUD_PROJECT: projectId }));
  };
}
