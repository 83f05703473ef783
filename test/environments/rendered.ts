// Renders an overlay with the real kustomize (the same adapter ngx-release uses) and gives typed,
// read-only access to the objects the environment tests assert on.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { findKustomize } from "../../pipeline/src/adapters/kustomize.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const SERVICES = [
  "api-gateway",
  "orchestrator",
  "agent-services",
  "a2a-server",
  "vertex-ai-client",
] as const;
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are untyped data; the tests check their shape
export type Obj = Record<string, any>;

export interface Rendered {
  readonly yaml: string;
  readonly objects: readonly Obj[];
  get(kind: string, name: string): Obj;
  all(kind: string): Obj[];
}

export async function render(env: string): Promise<Rendered> {
  const kustomize = await findKustomize();
  const yaml = await kustomize.build(join(ROOT, "environments", env));
  const objects: Obj[] = [];
  for (const doc of parseAllDocuments(yaml)) {
    if (doc.errors.length > 0) throw new Error(`rendered ${env}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as Obj | null;
    if (value) objects.push(value);
  }
  return {
    yaml,
    objects,
    all: (kind) => objects.filter((o) => o.kind === kind),
    get(kind, name) {
      const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
      if (!found) throw new Error(`rendered ${env} has no ${kind}/${name}`);
      return found;
    },
  };
}

/** The pod template of a workload (Rollout, Deployment, StatefulSet, CronJob). */
export function podTemplate(o: Obj): Obj | undefined {
  if (o.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template;
  if (["Rollout", "Deployment", "StatefulSet", "DaemonSet", "Job"].includes(o.kind)) return o.spec?.template;
  return undefined;
}

export function workloads(r: Rendered): Obj[] {
  return r.objects.filter((o) => podTemplate(o) !== undefined);
}

/** Every container of a pod spec, init containers included, with whether it runs for the pod's life. */
export function containers(spec: Obj): { c: Obj; init: boolean; sidecar: boolean }[] {
  return [
    ...(spec.initContainers ?? []).map((c: Obj) => ({
      c,
      init: true,
      sidecar: c.restartPolicy === "Always",
    })),
    ...(spec.containers ?? []).map((c: Obj) => ({ c, init: false, sidecar: false })),
  ];
}

/** "500m" → 0.5, "2" → 2; "512Mi" → bytes. */
export function quantity(q: string | number): number {
  const s = String(q);
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(s);
  if (!m) throw new Error(`not a quantity: ${s}`);
  const n = Number(m[1]);
  const unit = m[2] ?? "";
  const factor: Record<string, number> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  return n * (factor[unit] ?? Number.NaN);
}

/** Lines of redis.conf, without comments and blank lines. */
export function confLines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}
