// Analysis templates and the Rollouts that reference them: finding the templates, resolving their
// arguments the way Argo Rollouts does, and checking both (reused by `ngx-release validate`).
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Kustomize } from "../adapters/kustomize.js";
import { findKustomize } from "../adapters/kustomize.js";
import type { Repo } from "../config/load.js";
import { ConfigError, InputError } from "../errors.js";
import { type K8sObject, objectRef, parseObjects } from "../manifests/render.js";
import { checkAnalysisExpression } from "./expression.js";

/** Where the repository keeps the ClusterAnalysisTemplates deployed next to every overlay. */
export const ANALYSIS_DIR = "rollouts/analysis";
export const TEMPLATE_KINDS = new Set(["AnalysisTemplate", "ClusterAnalysisTemplate"]);

export interface TemplateArg {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly podTemplateHashValue?: string;
    readonly fieldRef?: { readonly fieldPath?: string };
    readonly secretKeyRef?: unknown;
  };
}

export interface Metric {
  readonly name: string;
  readonly successCondition?: string;
  readonly failureCondition?: string;
  readonly interval?: string;
  readonly provider?: Record<string, unknown> & {
    readonly prometheus?: { readonly query?: string; readonly address?: string; readonly timeout?: number };
  };
}

export interface AnalysisTemplate extends K8sObject {
  readonly spec: { readonly args?: readonly TemplateArg[]; readonly metrics?: readonly Metric[] };
}

export interface TemplateRef {
  readonly templateName: string;
  readonly clusterScope?: boolean;
}

/** One place in a Rollout that starts an AnalysisRun: the background analysis or an analysis step. */
export interface AnalysisUse {
  /** "background analysis" or "step 3" */
  readonly where: string;
  readonly templates: readonly TemplateRef[];
  readonly args: readonly TemplateArg[];
}

export interface Finding {
  /** "Rollout/orchestrator", "ClusterAnalysisTemplate/ngx-error-rate" */
  readonly object: string;
  readonly field: string;
  readonly message: string;
}

export type TemplateIndex = ReadonlyMap<string, AnalysisTemplate>;

const key = (kind: string, name: string) => `${kind}/${name}`;

export function templateKey(ref: TemplateRef): string {
  return key(ref.clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate", ref.templateName);
}

export function indexTemplates(objects: readonly K8sObject[]): Map<string, AnalysisTemplate> {
  const out = new Map<string, AnalysisTemplate>();
  for (const o of objects)
    if (TEMPLATE_KINDS.has(o.kind) && o.apiVersion?.startsWith("argoproj.io/"))
      out.set(key(o.kind, o.metadata.name), o as AnalysisTemplate);
  return out;
}

/**
 * The templates an environment can use: those rendered from rollouts/analysis (deployed to every
 * cluster by the ApplicationSet) and any the overlay renders itself (the overlay's win).
 */
export async function loadTemplates(
  repo: Repo,
  rendered: readonly K8sObject[],
  kustomize?: Kustomize,
): Promise<Map<string, AnalysisTemplate>> {
  const dir = join(repo.root, ANALYSIS_DIR);
  const out = new Map<string, AnalysisTemplate>();
  if (existsSync(join(dir, "kustomization.yaml"))) {
    const k = kustomize ?? (await findKustomize());
    for (const [k2, t] of indexTemplates(parseObjects(await k.build(dir), ANALYSIS_DIR))) out.set(k2, t);
  }
  for (const [k2, t] of indexTemplates(rendered)) out.set(k2, t);
  return out;
}

export function rollouts(objects: readonly K8sObject[]): K8sObject[] {
  return objects.filter((o) => o.kind === "Rollout" && o.apiVersion?.startsWith("argoproj.io/"));
}

interface CanarySpec {
  analysis?: { templates?: TemplateRef[]; args?: TemplateArg[] };
  steps?: Record<string, unknown>[];
}

function canaryOf(rollout: K8sObject): CanarySpec | undefined {
  const spec = rollout.spec as { strategy?: { canary?: CanarySpec } } | undefined;
  return spec?.strategy?.canary;
}

/** Every place in a Rollout that runs analysis. */
export function analysisUses(rollout: K8sObject): AnalysisUse[] {
  const canary = canaryOf(rollout);
  const uses: AnalysisUse[] = [];
  if (canary?.analysis)
    uses.push({
      where: "background analysis",
      templates: canary.analysis.templates ?? [],
      args: canary.analysis.args ?? [],
    });
  for (const [i, step] of (canary?.steps ?? []).entries()) {
    const a = step.analysis as { templates?: TemplateRef[]; args?: TemplateArg[] } | undefined;
    if (a) uses.push({ where: `step ${i + 1}`, templates: a.templates ?? [], args: a.args ?? [] });
  }
  return uses;
}

/** Problems in one template: conditions outside the supported subset, args used but not declared. */
export function checkTemplate(template: AnalysisTemplate): Finding[] {
  const object = objectRef(template);
  const findings: Finding[] = [];
  const declared = new Set((template.spec?.args ?? []).map((a) => a.name));
  const metrics = template.spec?.metrics ?? [];
  if (metrics.length === 0)
    findings.push({ object, field: "spec.metrics", message: "the template has no metrics" });
  for (const [i, m] of metrics.entries()) {
    const at = `spec.metrics[${i}] (${m.name})`;
    if (!m.successCondition && !m.failureCondition)
      findings.push({
        object,
        field: at,
        message: "neither successCondition nor failureCondition: every measurement would pass",
      });
    for (const field of ["successCondition", "failureCondition"] as const) {
      const expr = m[field];
      if (expr === undefined) continue;
      for (const p of checkAnalysisExpression(expr))
        findings.push({ object, field: `${at}.${field}`, message: p });
    }
    const text = JSON.stringify(m);
    for (const used of text.matchAll(/\{\{\s*args\.([\w.-]+)\s*\}\}/g))
      if (!declared.has(used[1] as string))
        findings.push({
          object,
          field: at,
          message: `uses {{args.${used[1]}}} but spec.args does not declare "${used[1]}" (declared: ${[...declared].join(", ") || "none"})`,
        });
  }
  return findings;
}

/**
 * Problems in a Rollout's use of analysis: a template that does not exist, an argument a template
 * needs (declared without a default) that the Rollout does not pass, a valueFrom we cannot resolve.
 */
export function checkRolloutAnalysis(rollout: K8sObject, templates: TemplateIndex): Finding[] {
  const object = objectRef(rollout);
  const findings: Finding[] = [];
  for (const use of analysisUses(rollout)) {
    const field =
      use.where === "background analysis"
        ? "spec.strategy.canary.analysis"
        : `spec.strategy.canary.steps (${use.where})`;
    if (use.templates.length === 0) findings.push({ object, field, message: "analysis lists no templates" });
    const passed = new Set(use.args.map((a) => a.name));
    for (const a of use.args) {
      const problem = argSourceProblem(a);
      if (problem) findings.push({ object, field: `${field}.args (${a.name})`, message: problem });
    }
    const found = use.templates.flatMap((r) => {
      const t = templates.get(templateKey(r));
      return t ? [t] : [];
    });
    for (const c of flattenTemplateArgs(found).conflicts)
      findings.push({
        object,
        field: `${field}.templates`,
        message: `Argo Rollouts refuses this analysis (InvalidSpec): ${describeConflict(c)}`,
      });
    for (const ref of use.templates) {
      const t = templates.get(templateKey(ref));
      if (!t) {
        const other = templates.get(templateKey({ ...ref, clusterScope: !ref.clusterScope }));
        findings.push({
          object,
          field: `${field}.templates`,
          message: `${templateKey(ref)} not found${other ? ` (a ${other.kind} of that name exists: set clusterScope: ${!ref.clusterScope})` : ` (known: ${[...templates.keys()].join(", ") || "none"})`}`,
        });
        continue;
      }
      const missing = (t.spec?.args ?? []).filter(
        (a) => a.value === undefined && !a.valueFrom && !passed.has(a.name),
      );
      if (missing.length > 0)
        findings.push({
          object,
          field: `${field}.args`,
          message: `${templateKey(ref)} needs argument${missing.length > 1 ? "s" : ""} ${missing.map((a) => `"${a.name}"`).join(", ")} that the Rollout does not pass`,
        });
    }
  }
  return findings;
}

function argSourceProblem(a: TemplateArg): string | undefined {
  if (a.value !== undefined) return undefined;
  const from = a.valueFrom;
  if (!from) return "neither value nor valueFrom";
  if (from.podTemplateHashValue !== undefined) {
    return ["Stable", "Latest"].includes(from.podTemplateHashValue)
      ? undefined
      : `podTemplateHashValue "${from.podTemplateHashValue}" (valid: Stable, Latest)`;
  }
  if (from.fieldRef?.fieldPath) return undefined;
  return "valueFrom needs podTemplateHashValue or fieldRef.fieldPath";
}

export interface ArgInputs {
  readonly canaryHash?: string;
  readonly stableHash?: string;
  /** --arg name=value: wins over the Rollout and the template defaults */
  readonly overrides?: Readonly<Record<string, string>>;
}

function fieldRefValue(rollout: K8sObject, path: string): string | undefined {
  if (path === "metadata.name") return rollout.metadata.name;
  if (path === "metadata.namespace") return rollout.metadata.namespace;
  const m = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (m) return rollout.metadata[m[1] as "labels" | "annotations"]?.[m[2] as string];
  return undefined;
}

/** Two templates of one analysis give one argument two different values. */
export interface ArgConflict {
  readonly name: string;
  readonly first: { readonly template: string; readonly value: string };
  readonly second: { readonly template: string; readonly value: string };
}

/**
 * The arguments of every template one analysis references, combined the way the Argo Rollouts
 * controller combines them before it creates the AnalysisRun: argoproj/argo-rollouts
 * utils/analysis/helpers.go `flattenArgs` (called by `FlattenTemplates` from
 * `NewAnalysisRunFromTemplates`, which the reconciler also runs to validate every Rollout in
 * pkg/apis/rollouts/validation/validation_references.go). AnalysisTemplates are taken before
 * ClusterAnalysisTemplates, each in the order listed; a name seen again keeps its first value, a
 * later value fills an earlier one that had none, and two different values are an error
 * ("Argument `x` specified multiple times with different values") that leaves the Rollout
 * InvalidSpec before any ReplicaSet is created.
 */
export function flattenTemplateArgs(templates: readonly AnalysisTemplate[]): {
  readonly args: readonly TemplateArg[];
  readonly conflicts: readonly ArgConflict[];
} {
  const ordered = [
    ...templates.filter((t) => t.kind !== "ClusterAnalysisTemplate"),
    ...templates.filter((t) => t.kind === "ClusterAnalysisTemplate"),
  ];
  const args: TemplateArg[] = [];
  const from = new Map<string, string>();
  const conflicts: ArgConflict[] = [];
  for (const t of ordered) {
    for (const a of t.spec?.args ?? []) {
      const i = args.findIndex((x) => x.name === a.name);
      if (i < 0) {
        args.push(a);
        from.set(a.name, objectRef(t));
        continue;
      }
      const prev = args[i] as TemplateArg;
      if (prev.value !== undefined && a.value !== undefined && String(prev.value) !== String(a.value)) {
        conflicts.push({
          name: a.name,
          first: { template: from.get(a.name) ?? "?", value: String(prev.value) },
          second: { template: objectRef(t), value: String(a.value) },
        });
      } else if (prev.value === undefined) {
        args[i] = a;
        from.set(a.name, objectRef(t));
      }
    }
  }
  return { args, conflicts };
}

export function describeConflict(c: ArgConflict): string {
  return `argument "${c.name}" is ${c.first.value} in ${c.first.template} and ${c.second.value} in ${c.second.template}`;
}

/**
 * The argument values one template gets in one analysis use, as Argo Rollouts merges them: the
 * template defaults are those of every template of the use combined (`flattenTemplateArgs`; a
 * conflict is an InputError, as the controller refuses the Rollout), then the Rollout's args win
 * (helpers.go `MergeArgs`). Returns the template's own arguments.
 */
export function resolveArgs(
  rollout: K8sObject,
  use: AnalysisUse,
  template: AnalysisTemplate,
  inputs: ArgInputs,
  index?: TemplateIndex,
): Record<string, string> {
  const values: Record<string, string> = {};
  const together = index
    ? use.templates.flatMap((r) => {
        const t = index.get(templateKey(r));
        return t ? [t] : [];
      })
    : [template];
  const merged = flattenTemplateArgs(together.includes(template) ? together : [...together, template]);
  if (merged.conflicts.length > 0)
    throw new ConfigError(
      `${objectRef(rollout)} ${use.where}: Argo Rollouts refuses this analysis (InvalidSpec): ${merged.conflicts.map(describeConflict).join("; ")}`,
      { hint: "give each template's argument its own name (rollouts/analysis), or the same value" },
    );
  for (const a of merged.args) if (a.value !== undefined) values[a.name] = String(a.value);
  const unresolved: string[] = [];
  for (const a of use.args) {
    if (a.value !== undefined) {
      values[a.name] = String(a.value);
      continue;
    }
    const hash = a.valueFrom?.podTemplateHashValue;
    if (hash === "Latest" || hash === "Stable") {
      const v = hash === "Latest" ? inputs.canaryHash : inputs.stableHash;
      if (v === undefined)
        unresolved.push(
          `${a.name} (${hash} pod-template hash: pass --${hash === "Latest" ? "canary" : "stable"}-hash, or set ARGOCD_SERVER to read it from the live Rollout)`,
        );
      else values[a.name] = v;
      continue;
    }
    const path = a.valueFrom?.fieldRef?.fieldPath;
    const v = path ? fieldRefValue(rollout, path) : undefined;
    if (v === undefined) unresolved.push(`${a.name} (valueFrom ${JSON.stringify(a.valueFrom)})`);
    else values[a.name] = v;
  }
  Object.assign(values, inputs.overrides ?? {});
  for (const a of template.spec?.args ?? [])
    if (values[a.name] === undefined && !unresolved.some((u) => u.startsWith(`${a.name} `)))
      unresolved.push(
        `${a.name} (declared by ${objectRef(template)} without a default; the Rollout does not pass it)`,
      );
  if (unresolved.length > 0)
    throw new InputError(
      `${objectRef(rollout)} ${use.where}, ${objectRef(template)}: cannot resolve argument${unresolved.length > 1 ? "s" : ""} ${unresolved.join("; ")}`,
    );
  const own: Record<string, string> = {};
  for (const a of template.spec?.args ?? [])
    if (values[a.name] !== undefined) own[a.name] = values[a.name] as string;
  return own;
}

/**
 * The template argument that plays a role (window, min-requests, margin, critical-z, quantile):
 * templates name theirs apart (`comparison-window`, `error-margin`) so that Argo Rollouts can merge
 * them; the role is the name's ending.
 */
export function argByRole(args: Readonly<Record<string, string>>, role: string): string | undefined {
  if (args[role] !== undefined) return args[role];
  const names = Object.keys(args).filter((n) => n.endsWith(`-${role}`));
  return names.length === 1 ? args[names[0] as string] : undefined;
}

/** Replaces {{args.name}}; an argument that is not known stays visible as an error. */
export function substituteArgs(text: string, args: Readonly<Record<string, string>>, where: string): string {
  return text.replace(/\{\{\s*args\.([\w.-]+)\s*\}\}/g, (whole, name: string) => {
    const v = args[name];
    if (v === undefined)
      throw new InputError(`${where}: ${whole} has no value (known: ${Object.keys(args).join(", ")})`);
    return v;
  });
}

export type CanaryStep =
  | { readonly kind: "setWeight"; readonly weight: number }
  | { readonly kind: "pause"; readonly duration?: string }
  | { readonly kind: "analysis"; readonly templates: readonly string[] }
  | { readonly kind: "setCanaryScale"; readonly text: string }
  | { readonly kind: "other"; readonly text: string };

/** The canary steps of a rendered Rollout, for `plan` and `status`; 100% is implied at the end. */
export function canarySteps(rollout: K8sObject): CanaryStep[] {
  return (canaryOf(rollout)?.steps ?? []).map((step): CanaryStep => {
    if (typeof step.setWeight === "number") return { kind: "setWeight", weight: step.setWeight };
    if ("pause" in step) {
      const d = (step.pause as { duration?: string | number } | null)?.duration;
      return d === undefined ? { kind: "pause" } : { kind: "pause", duration: String(d) };
    }
    if (step.analysis)
      return {
        kind: "analysis",
        templates: ((step.analysis as { templates?: TemplateRef[] }).templates ?? []).map(
          (t) => t.templateName,
        ),
      };
    if (step.setCanaryScale) return { kind: "setCanaryScale", text: JSON.stringify(step.setCanaryScale) };
    return { kind: "other", text: JSON.stringify(step) };
  });
}

/** "20% → pause 30m → 50% → pause 1h → 100%" */
export function formatCanarySteps(steps: readonly CanaryStep[]): string {
  const parts = steps.map((s) => {
    switch (s.kind) {
      case "setWeight":
        return `${s.weight}%`;
      case "pause":
        return s.duration ? `pause ${s.duration}` : "pause until promoted";
      case "analysis":
        return `analysis ${s.templates.join("+")}`;
      case "setCanaryScale":
        return `scale ${s.text}`;
      default:
        return s.text;
    }
  });
  return [...parts, "100%"].join(" → ");
}
