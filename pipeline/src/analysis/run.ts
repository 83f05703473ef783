// Runs an environment's analysis now: for every Rollout, every template it references, every
// metric — substitute the arguments, query Prometheus, evaluate the conditions as Argo Rollouts
// would. Prometheus being unreachable is a RemoteError (the caller exits 3), never a verdict.
import { type Prometheus, PrometheusQueryError, type QueryValue } from "../adapters/prometheus.js";
import { ConfigError } from "../errors.js";
import { type K8sObject, objectRef } from "../manifests/render.js";
import { measurementVerdict, type ResultValue, type Verdict } from "./expression.js";
import {
  type ArgInputs,
  analysisUses,
  checkRolloutAnalysis,
  checkTemplate,
  resolveArgs,
  substituteArgs,
  type TemplateIndex,
  templateKey,
} from "./templates.js";

export interface MetricPlan {
  readonly rollout: string;
  readonly where: string;
  readonly template: string;
  readonly metric: string;
  readonly provider: string;
  /** the PromQL after argument substitution */
  readonly query?: string;
  readonly successCondition?: string;
  readonly failureCondition?: string;
  /** the template's resolved arguments (window, hashes, thresholds) */
  readonly args?: Readonly<Record<string, string>>;
}

export interface MetricOutcome extends MetricPlan {
  /** the measurement value as Argo Rollouts records it: "[0.012]" for a vector, "0.5" for a scalar */
  readonly value?: string;
  readonly verdict: Verdict;
  readonly message?: string;
}

/**
 * What would run: checks the Rollouts and templates first (a bad reference or condition is a
 * ConfigError naming the object and field), then resolves every argument.
 */
export function planAnalysis(
  rolloutObjects: readonly K8sObject[],
  templates: TemplateIndex,
  inputs: ArgInputs,
): MetricPlan[] {
  const findings = rolloutObjects.flatMap((r) => checkRolloutAnalysis(r, templates));
  const used = new Set(
    rolloutObjects.flatMap((r) => analysisUses(r).flatMap((u) => u.templates.map(templateKey))),
  );
  for (const k of used) {
    const t = templates.get(k);
    if (t) findings.push(...checkTemplate(t));
  }
  if (findings.length > 0) {
    const first = findings[0];
    throw new ConfigError(findings.map((f) => `${f.object} ${f.field}: ${f.message}`).join("\n"), {
      field: first?.field,
      hint: "fix the Rollout strategy (environments/base) or the template (rollouts/analysis)",
    });
  }
  const plans: MetricPlan[] = [];
  for (const rollout of rolloutObjects) {
    for (const use of analysisUses(rollout)) {
      for (const ref of use.templates) {
        const template = templates.get(templateKey(ref));
        if (!template) continue;
        const args = resolveArgs(rollout, use, template, inputs, templates);
        for (const m of template.spec?.metrics ?? []) {
          const where = `${objectRef(template)} metric ${m.name}`;
          const sub = (s: string | undefined) =>
            s === undefined ? undefined : substituteArgs(s, args, where);
          const providerName = Object.keys(m.provider ?? {})[0] ?? "none";
          plans.push({
            rollout: rollout.metadata.name,
            where: use.where,
            template: ref.templateName,
            metric: m.name,
            provider: providerName,
            query: sub(m.provider?.prometheus?.query)?.trim(),
            successCondition: sub(m.successCondition),
            failureCondition: sub(m.failureCondition),
            args,
          });
        }
      }
    }
  }
  return plans;
}

function formatNumber(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return "+Inf";
  if (n === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(n);
}

/** The value the conditions see: a number for a scalar, a list of sample values for a vector. */
export function resultOf(value: QueryValue): { result: ResultValue; text: string } {
  if (value.resultType === "scalar") return { result: value.value, text: formatNumber(value.value) };
  const list = value.samples.map((s) => s.value);
  return { result: list, text: `[${list.map(formatNumber).join(",")}]` };
}

/** Runs every planned metric once, in order; a RemoteError from Prometheus propagates. */
export async function runAnalysis(
  prometheus: Prometheus,
  plans: readonly MetricPlan[],
  options: { time?: Date; onMetric?: (plan: MetricPlan) => void } = {},
): Promise<MetricOutcome[]> {
  const out: MetricOutcome[] = [];
  for (const plan of plans) {
    options.onMetric?.(plan);
    if (plan.provider !== "prometheus" || !plan.query) {
      out.push({
        ...plan,
        verdict: "Error",
        message: `provider "${plan.provider}" is not supported by ngx-release analyze (only prometheus)`,
      });
      continue;
    }
    let value: QueryValue;
    try {
      value = await prometheus.query(plan.query, options.time);
    } catch (e) {
      if (e instanceof PrometheusQueryError) {
        out.push({ ...plan, verdict: "Error", message: e.message });
        continue;
      }
      throw e;
    }
    const { result, text } = resultOf(value);
    const { verdict, message } = measurementVerdict(result, plan.successCondition, plan.failureCondition);
    out.push({ ...plan, value: text, verdict, ...(message ? { message } : {}) });
  }
  return out;
}

/**
 * Completed phases from best to worst, as Argo Rollouts orders them (utils/analysis/helpers.go
 * analysisStatusOrder: Successful, Running, Pending, Inconclusive, Error, Failed — Failed is the
 * worst, worse than Error).
 */
const PHASE_ORDER: readonly Verdict[] = ["Successful", "Inconclusive", "Error", "Failed"];

/** Whether `next` is worse than `current` (utils/analysis/helpers.go IsWorse). */
export function isWorse(current: Verdict, next: Verdict): boolean {
  return PHASE_ORDER.indexOf(next) > PHASE_ORDER.indexOf(current);
}

/**
 * The AnalysisRun's phase once every metric has completed: the worst of them (analysis/analysis.go
 * asssessRunStatus keeps the worst by IsWorse). One Failed and one Error metric make a Failed run.
 */
export function overallVerdict(outcomes: readonly MetricOutcome[]): Verdict {
  let worst: Verdict = "Successful";
  for (const o of outcomes) if (isWorse(worst, o.verdict)) worst = o.verdict;
  return worst;
}
