// Builds the gate inputs from the process environment (Argo CD, ledger, Prometheus, Cloud Monitoring)
// and evaluates the gates of promoting into `target`. Used by `gate`, `status` and `promote`.
import { argoCdFromEnv } from "../adapters/argocd.js";
import { environmentByName, previousEnvironment, type Repo } from "../config/load.js";
import { InputError } from "../errors.js";
import { gitReader, headCommit } from "../ledger/git.js";
import { openLedger } from "../ledger/open.js";
import type { Ledger } from "../ledger/types.js";
import { clockFromEnv } from "../time/clock.js";
import { evaluateGates, type GateReport } from "./index.js";
import { analysisRunner, backupChecker, cloudMonitoringOpener } from "./runners.js";

/** "now" for gates: NGX_NOW (ISO-8601, for rehearsals and tests) or the clock */
export function nowFrom(env: NodeJS.ProcessEnv): Date {
  return clockFromEnv(env)();
}

export async function gateReportFor(
  repo: Repo,
  targetName: string,
  env: NodeJS.ProcessEnv,
  options: { ledger?: Ledger; head?: string } = {},
): Promise<GateReport> {
  const target = environmentByName(repo, targetName);
  const source = previousEnvironment(repo, target.name);
  if (!source) {
    throw new InputError(
      `${target.name} is the first environment: nothing is promoted into it, so it has no gates (order: ${repo.environments
        .map((e) => e.name)
        .join(" → ")})`,
    );
  }
  const now = nowFrom(env);
  const argocd = argoCdFromEnv(env, repo.config);
  return evaluateGates({
    repo,
    target,
    source,
    head: options.head ?? (await headCommit(repo.root)),
    git: gitReader(repo.root),
    ledger: options.ledger ?? (await openLedger(repo, env, clockFromEnv(env))),
    ...(argocd ? { argocd } : {}),
    analysis: analysisRunner(repo, async () =>
      (await import("../adapters/prometheus.js")).prometheusFromEnv(env),
    ),
    backup: backupChecker(argocd, now),
    cloudMonitoring: cloudMonitoringOpener(env),
    ...(env.GOOGLE_CLOUD_PROJECT?.trim()
      ? { defaultGoogleCloudProject: env.GOOGLE_CLOUD_PROJECT.trim() }
      : {}),
    now,
  });
}

/** one line per closed gate, for refusals */
export function closedReasons(report: GateReport): string[] {
  return report.gates.filter((g) => !g.open).map((g) => `${g.name}: ${g.reason}`);
}
