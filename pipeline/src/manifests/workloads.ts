// Where the pods of a rendered object are described: the pod spec and labels of Pods, Deployments,
// StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and Argo Rollouts (inline template).
import type { K8sObject } from "./render.js";

export type Json = Record<string, unknown>;

export interface PodTemplate {
  readonly object: K8sObject;
  /** path of the pod spec inside the object, e.g. ["spec", "template", "spec"] */
  readonly specPath: readonly (string | number)[];
  readonly spec: Json;
  readonly labels: Record<string, string>;
  /** false for Jobs and CronJobs: run-to-completion pods need no liveness/readiness probes */
  readonly longRunning: boolean;
}

export function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function get(v: unknown, ...path: (string | number)[]): unknown {
  let cur = v;
  for (const p of path) {
    if (typeof p === "number") cur = Array.isArray(cur) ? cur[p] : undefined;
    else cur = isObj(cur) ? cur[p] : undefined;
  }
  return cur;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

const TEMPLATE_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Rollout", "Job"]);
const LONG_RUNNING = new Set(["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Rollout"]);

function labelsOf(v: unknown): Record<string, string> {
  return isObj(v) ? (v as Record<string, string>) : {};
}

/** The pod template of an object, if it has one (a Rollout with workloadRef has none of its own). */
export function podTemplate(o: K8sObject): PodTemplate | undefined {
  const longRunning = LONG_RUNNING.has(o.kind);
  if (o.kind === "Pod" && isObj(o.spec)) {
    return { object: o, specPath: ["spec"], spec: o.spec, labels: labelsOf(o.metadata?.labels), longRunning };
  }
  if (TEMPLATE_KINDS.has(o.kind)) {
    const spec = get(o, "spec", "template", "spec");
    if (!isObj(spec)) return undefined;
    return {
      object: o,
      specPath: ["spec", "template", "spec"],
      spec,
      labels: labelsOf(get(o, "spec", "template", "metadata", "labels")),
      longRunning,
    };
  }
  if (o.kind === "CronJob") {
    const spec = get(o, "spec", "jobTemplate", "spec", "template", "spec");
    if (!isObj(spec)) return undefined;
    return {
      object: o,
      specPath: ["spec", "jobTemplate", "spec", "template", "spec"],
      spec,
      labels: labelsOf(get(o, "spec", "jobTemplate", "spec", "template", "metadata", "labels")),
      longRunning: false,
    };
  }
  return undefined;
}

export interface ContainerAt {
  readonly container: Json;
  /** "containers" | "initContainers" | "ephemeralContainers" */
  readonly field: string;
  readonly index: number;
  readonly path: readonly (string | number)[];
}

export function containers(t: PodTemplate): ContainerAt[] {
  const out: ContainerAt[] = [];
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    list(t.spec[field]).forEach((c, index) => {
      if (isObj(c)) out.push({ container: c, field, index, path: [...t.specPath, field, index] });
    });
  }
  return out;
}

export function namespaceOf(o: K8sObject): string {
  return o.metadata?.namespace ?? "default";
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label-selector semantics (an empty selector selects everything). */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === "In" && !(has && values.includes(value as string))) return false;
    if (e.operator === "NotIn" && has && values.includes(value as string)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return (
    Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0
  );
}
