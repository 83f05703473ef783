// The production canary as the simulation needs it, read from the rendered manifests — steps,
// weights, pauses, replica count (HPA minReplicas), maxSurge — and, for every analysis template the
// Rollout uses, the metric's schedule (initialDelay, interval, failureLimit, inconclusiveLimit,
// consecutiveErrorLimit),
// its window and arguments, and its conditions compiled once. Nothing is hard-coded here: change
// rollouts/ and the simulation follows.
import { compileVerdict, type ResultValue, type Verdict } from "../analysis/expression.js";
import { STATISTIC_OF_TEMPLATE, type StatisticKind } from "../analysis/statistics.js";
import {
  type AnalysisTemplate,
  analysisUses,
  argByRole,
  resolveArgs,
  substituteArgs,
  type TemplateIndex,
  templateKey,
} from "../analysis/templates.js";
import { ConfigError, InputError } from "../errors.js";
import { type K8sObject, objectRef } from "../manifests/render.js";
import { parseGoDuration, parsePrometheusDuration, pauseDurationSeconds } from "../time/duration.js";

/** argo-rollouts utils/defaults DefaultConsecutiveErrorLimit: a metric without the field errors after 5 in a row */
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;

/** Which statistic a template computes (the simulation evaluates it with statistics.ts). */
export type MetricKind = StatisticKind;
/** The templates the simulation knows how to evaluate, by name. */
export const SIMULATED_TEMPLATES = STATISTIC_OF_TEMPLATE;

export interface MetricModel {
  readonly template: string;
  readonly metric: string;
  readonly kind: MetricKind;
  /** compares canary with stable (the template reads args.stable-hash) */
  readonly comparative: boolean;
  readonly initialDelaySec: number;
  readonly intervalSec: number;
  readonly windowSec: number;
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  /**
   * Error measurements in a row beyond which the metric (and the AnalysisRun) is Error and the
   * Rollout aborts; Argo Rollouts' default is 4 (utils/defaults DefaultConsecutiveErrorLimit).
   * Errors count here and never toward failureLimit (analysis/analysis.go runMeasurements,
   * assessMetricStatus).
   */
  readonly consecutiveErrorLimit: number;
  /** resolved arguments (template defaults, Rollout values) */
  readonly args: Readonly<Record<string, string>>;
  readonly successCondition?: string;
  readonly failureCondition?: string;
  /** the template's conditions, as Argo Rollouts evaluates them */
  readonly verdict: (result: ResultValue) => { verdict: Verdict; message?: string };
}

export interface CanaryPhase {
  /** setWeight in force */
  readonly weight: number;
  readonly startSec: number;
  /** end of the phase (a pause's duration); Infinity for an indefinite pause */
  readonly endSec: number;
  readonly canaryPods: number;
  readonly stablePods: number;
}

export interface CanaryModel {
  readonly rollout: string;
  readonly replicas: number;
  readonly phases: readonly CanaryPhase[];
  /** when the first step with weight ≥ 50 starts ("before the 50% step" means before this) */
  readonly fiftyAtSec: number;
  /** when the canary reaches 100% (the analysis stops) */
  readonly endSec: number;
  readonly metrics: readonly MetricModel[];
  /** templates the Rollout uses that the simulation cannot evaluate */
  readonly skipped: readonly string[];
}

/**
 * Argo Rollouts' pod counts for a replica-weighted (basic) canary: the canary/stable split closest
 * to the weight among ceil/floor of replicas·weight over replicas, or replicas + 1 when maxSurge
 * allows a surge pod (utils/replicaset approximateWeightedCanaryStableReplicaCounts).
 */
export function replicaSplit(
  replicas: number,
  weight: number,
  surge: boolean,
): { canary: number; stable: number } {
  if (replicas <= 0) return { canary: 0, stable: 0 };
  const ceil = Math.ceil((replicas * weight) / 100);
  const floor = Math.floor((replicas * weight) / 100);
  const tied = (total: number) => {
    const x = (total * weight) / 100;
    return x - Math.floor(x) === 0.5;
  };
  const zeroAllowed = weight === 100 || weight === 0 || (replicas === 1 && !surge);
  const options: { canary: number; total: number }[] = [];
  if (ceil < replicas || zeroAllowed) options.push({ canary: ceil, total: replicas });
  if (!tied(replicas) && (floor !== 0 || zeroAllowed)) options.push({ canary: floor, total: replicas });
  if (surge) {
    options.push({ canary: ceil, total: replicas + 1 });
    if (!tied(replicas + 1) && (floor !== 0 || zeroAllowed))
      options.push({ canary: floor, total: replicas + 1 });
  }
  if (options.length === 0) return { canary: 0, stable: replicas };
  const delta = (o: { canary: number; total: number }) => Math.abs((o.canary * 100) / o.total - weight);
  let best = options[0] as { canary: number; total: number };
  for (const o of options.slice(1)) if (delta(o) < delta(best)) best = o;
  return { canary: best.canary, stable: best.total - best.canary };
}

/**
 * Seconds of a metric's `interval` / `initialDelay`: Argo Rollouts reads them as a DurationString,
 * i.e. Go's time.ParseDuration (pkg/apis/rollouts/v1alpha1 DurationString.Duration), so "1m30s"
 * and "1.5m" are valid and "1d" is not.
 */
function goSeconds(v: unknown, field: string, where: string): number {
  try {
    return parseGoDuration(String(v)) / 1000;
  } catch (e) {
    throw new ConfigError(`${where} ${field}: ${(e as Error).message}`, { cause: e });
  }
}

/** Seconds of the window argument: PromQL reads it inside [...], so it is a Prometheus duration. */
function windowSeconds(v: string, where: string): number {
  try {
    return parsePrometheusDuration(v) / 1000;
  } catch (e) {
    throw new ConfigError(`${where} the window argument: ${(e as Error).message}`, { cause: e });
  }
}

/** Seconds of a canary step's pause.duration, as Argo Rollouts reads the int-or-string. */
function pauseSeconds(v: string | number, field: string, where: string): number {
  try {
    return pauseDurationSeconds(v);
  } catch (e) {
    throw new ConfigError(`${where} ${field}: ${(e as Error).message}`, { cause: e });
  }
}

function surgeOf(rollout: K8sObject): boolean {
  const canary = (rollout.spec as { strategy?: { canary?: { maxSurge?: string | number } } })?.strategy
    ?.canary;
  const s = canary?.maxSurge ?? "25%";
  return !(s === 0 || s === "0" || s === "0%");
}

/** The HPA's minReplicas for the Rollout, else spec.replicas, else 1 (Argo Rollouts' default). */
export function replicasOf(rollout: K8sObject, objects: readonly K8sObject[]): number {
  const hpa = objects.find(
    (o) =>
      o.kind === "HorizontalPodAutoscaler" &&
      (o.spec as { scaleTargetRef?: { kind?: string; name?: string } })?.scaleTargetRef?.kind === "Rollout" &&
      (o.spec as { scaleTargetRef?: { name?: string } })?.scaleTargetRef?.name === rollout.metadata.name,
  );
  const min = (hpa?.spec as { minReplicas?: number } | undefined)?.minReplicas;
  if (typeof min === "number") return min;
  const r = (rollout.spec as { replicas?: number })?.replicas;
  return typeof r === "number" ? r : 1;
}

export function canaryModel(
  rollout: K8sObject,
  objects: readonly K8sObject[],
  templates: TemplateIndex,
  options: { replicas?: number; args?: Readonly<Record<string, string>> } = {},
): CanaryModel {
  const where = objectRef(rollout);
  const replicas = options.replicas ?? replicasOf(rollout, objects);
  if (!(Number.isInteger(replicas) && replicas >= 1))
    throw new InputError(`--replicas ${replicas}: expected a whole number ≥ 1`);
  const surge = surgeOf(rollout);
  const steps =
    (rollout.spec as { strategy?: { canary?: { steps?: Record<string, unknown>[] } } })?.strategy?.canary
      ?.steps ?? [];
  const phases: CanaryPhase[] = [];
  let weight = 0;
  let t = 0;
  let fiftyAtSec = Number.POSITIVE_INFINITY;
  for (const [i, step] of steps.entries()) {
    if (typeof step.setWeight === "number") {
      weight = step.setWeight;
      if (weight >= 50 && fiftyAtSec === Number.POSITIVE_INFINITY) fiftyAtSec = t;
      continue;
    }
    if ("pause" in step) {
      const d = (step.pause as { duration?: string | number } | null)?.duration;
      const len =
        d === undefined
          ? Number.POSITIVE_INFINITY
          : pauseSeconds(d, `spec.strategy.canary.steps[${i}].pause.duration`, where);
      const split = replicaSplit(replicas, weight, surge);
      phases.push({
        weight,
        startSec: t,
        endSec: t + len,
        canaryPods: split.canary,
        stablePods: split.stable,
      });
      t += len;
      if (len === Number.POSITIVE_INFINITY) break;
      continue;
    }
    throw new ConfigError(
      `${where} spec.strategy.canary.steps[${i}]: ${JSON.stringify(step)} is not simulated (only setWeight and pause)`,
    );
  }
  if (phases.length === 0) throw new ConfigError(`${where}: no canary pause steps to simulate`);
  const metrics: MetricModel[] = [];
  const skipped: string[] = [];
  for (const use of analysisUses(rollout)) {
    if (use.where !== "background analysis") continue;
    for (const ref of use.templates) {
      const template = templates.get(templateKey(ref)) as AnalysisTemplate | undefined;
      const kind = SIMULATED_TEMPLATES[ref.templateName];
      if (!template || !kind) {
        skipped.push(ref.templateName);
        continue;
      }
      const args = resolveArgs(
        rollout,
        use,
        template,
        { canaryHash: "canary", stableHash: "stable", overrides: options.args },
        templates,
      );
      for (const m of template.spec?.metrics ?? []) {
        const at = `${objectRef(template)} metric ${m.name}`;
        const raw = m as unknown as Record<string, unknown>;
        const successCondition = m.successCondition && substituteArgs(m.successCondition, args, at);
        const failureCondition = m.failureCondition && substituteArgs(m.failureCondition, args, at);
        metrics.push({
          template: ref.templateName,
          metric: m.name,
          kind,
          comparative: JSON.stringify(m).includes("args.stable-hash"),
          initialDelaySec:
            raw.initialDelay === undefined ? 0 : goSeconds(raw.initialDelay, "initialDelay", at),
          intervalSec: goSeconds(raw.interval ?? "1m", "interval", at),
          windowSec: windowSeconds(argByRole(args, "window") ?? "5m", at),
          failureLimit: Number(raw.failureLimit ?? 0),
          inconclusiveLimit: Number(raw.inconclusiveLimit ?? 0),
          consecutiveErrorLimit: Number(raw.consecutiveErrorLimit ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT),
          args,
          successCondition,
          failureCondition,
          verdict: compileVerdict(successCondition, failureCondition),
        });
      }
    }
  }
  if (metrics.length === 0)
    throw new ConfigError(
      `${where}: none of its analysis templates can be simulated (${skipped.join(", ")})`,
    );
  const last = phases[phases.length - 1] as CanaryPhase;
  return {
    rollout: rollout.metadata.name,
    replicas,
    phases,
    fiftyAtSec,
    endSec: last.endSec,
    metrics,
    skipped,
  };
}
