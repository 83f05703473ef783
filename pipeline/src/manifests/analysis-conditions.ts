// Success and failure conditions of analysis templates must use only the expression forms
// `ngx-release analyze` evaluates exactly as Argo Rollouts does; anything else would be judged
// differently (or silently true), so it is a validation finding.
// Durations Argo Rollouts reads with Go's time.ParseDuration must parse with it:
// - a template metric's `interval` and `initialDelay` (utils/analysis/helpers.go ValidateMetric:
//   "invalid interval string" / "invalid startDelay string" — the AnalysisRun errors);
// - a canary step's `pause.duration` (pkg/apis/rollouts/validation ValidateRolloutStrategyCanary:
//   RolloutPause.DurationSeconds() < 0, i.e. not a duration or negative, is InvalidSpec).
import { checkAnalysisExpression } from "../analysis/expression.js";
import { parseGoDuration, pauseDurationSeconds } from "../time/duration.js";
import { type Finding, finding } from "./findings.js";
import { type K8sObject, objectRef } from "./render.js";

const TEMPLATE_KINDS = new Set(["AnalysisTemplate", "ClusterAnalysisTemplate"]);

interface MetricLike {
  readonly name?: string;
  readonly successCondition?: string;
  readonly failureCondition?: string;
}

export function checkAnalysisConditions(env: string, o: K8sObject): Finding[] {
  if (!TEMPLATE_KINDS.has(o.kind)) return [];
  const site = { env, object: objectRef(o) };
  const metrics = ((o.spec as { metrics?: MetricLike[] } | undefined)?.metrics ?? []) as MetricLike[];
  const out: Finding[] = [];
  for (const [i, m] of metrics.entries()) {
    for (const field of ["successCondition", "failureCondition"] as const) {
      const expr = m[field];
      if (typeof expr !== "string") continue;
      for (const problem of checkAnalysisExpression(expr)) {
        out.push(
          finding(
            site,
            `spec.metrics[${i}].${field}`,
            "analysis/unsupported-condition",
            `${m.name ?? `metric ${i}`}: ${problem}`,
            "use result / result[i] / len(result) / isNaN / isInf with comparisons, && || ! and parentheses (docs/validation.md)",
          ),
        );
      }
    }
  }
  for (const [i, m] of metrics.entries()) {
    for (const field of ["interval", "initialDelay"] as const) {
      const value = (m as Record<string, unknown>)[field];
      // a {{args.x}} placeholder is resolved before Argo parses the field
      if (value === undefined || (typeof value === "string" && value.includes("{{"))) continue;
      try {
        parseGoDuration(String(value));
      } catch (e) {
        out.push(
          finding(
            site,
            `spec.metrics[${i}].${field}`,
            "analysis/duration",
            `${m.name ?? `metric ${i}`}: ${(e as Error).message}; Argo Rollouts errors the AnalysisRun`,
            'write a Go duration such as "1m", "90s" or "1h30m" (no days)',
          ),
        );
      }
    }
  }
  return out;
}

/** A Rollout's canary pause durations, as Argo Rollouts validates them before anything runs. */
export function checkPauseDurations(env: string, o: K8sObject): Finding[] {
  if (o.kind !== "Rollout") return [];
  const steps = (o.spec as { strategy?: { canary?: { steps?: unknown } } } | undefined)?.strategy?.canary
    ?.steps;
  if (!Array.isArray(steps)) return [];
  const out: Finding[] = [];
  for (const [i, step] of steps.entries()) {
    const d = (step as { pause?: { duration?: unknown } } | null)?.pause?.duration;
    if (d === undefined || d === null) continue;
    let problem: string | undefined;
    if (typeof d !== "string" && typeof d !== "number") problem = `${JSON.stringify(d)} is not a duration`;
    else {
      try {
        if (pauseDurationSeconds(d) < 0) problem = `${JSON.stringify(d)} is negative`;
      } catch (e) {
        problem = (e as Error).message;
      }
    }
    if (problem)
      out.push(
        finding(
          { env, object: objectRef(o) },
          `spec.strategy.canary.steps[${i}].pause.duration`,
          "rollout/pause-duration",
          `${problem}; Argo Rollouts marks the Rollout InvalidSpec ("Duration needs to be greater than 0")`,
          'write seconds (30) or a Go duration such as "30m", "1h30m", "1.5h" (no days)',
        ),
      );
  }
  return out;
}
