// Schema validation of rendered objects against the maintained model packages (kubernetes-models for
// core kinds, @kubernetes-models/* for CRDs), made STRICT: a field the schema does not know is an
// error, as with `kubeconform -strict`. The packages' validators do not reject unknown fields, so the
// object is validated through a Proxy that records which keys each validator reads: a key present in
// an object whose keys the validator read by name but never read itself is unknown. Objects whose keys
// the validator enumerates (maps such as labels, additionalProperties) and objects it never looks into
// (x-kubernetes-preserve-unknown-fields, embedded raw objects) accept any key.
import { createRequire } from "node:module";
import { type Finding, type FindingSite, finding, pointerToPath } from "./findings.js";
import { type K8sObject, objectRef } from "./render.js";

const require = createRequire(import.meta.url);

/**
 * Kinds with a schema. To add a kind: add its name under its apiVersion (core kinds come from
 * kubernetes-models; CRD kinds from the package that ships the CRD's models).
 */
const CORE: Record<string, readonly string[]> = {
  v1: [
    "ConfigMap",
    "Secret",
    "Service",
    "ServiceAccount",
    "Namespace",
    "PersistentVolumeClaim",
    "Pod",
    "LimitRange",
    "ResourceQuota",
    "Endpoints",
  ],
  "apps/v1": ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"],
  "batch/v1": ["Job", "CronJob"],
  "autoscaling/v2": ["HorizontalPodAutoscaler"],
  "autoscaling/v1": ["HorizontalPodAutoscaler"],
  "policy/v1": ["PodDisruptionBudget"],
  "networking.k8s.io/v1": ["NetworkPolicy", "Ingress", "IngressClass"],
  "rbac.authorization.k8s.io/v1": ["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"],
  "scheduling.k8s.io/v1": ["PriorityClass"],
  "storage.k8s.io/v1": ["StorageClass"],
};

const CRDS: Record<string, Record<string, readonly string[]>> = {
  "@kubernetes-models/argo-rollouts": {
    "argoproj.io/v1alpha1": [
      "Rollout",
      "AnalysisTemplate",
      "ClusterAnalysisTemplate",
      "AnalysisRun",
      "Experiment",
    ],
  },
  "@kubernetes-models/argo-cd": {
    "argoproj.io/v1alpha1": ["Application", "ApplicationSet", "AppProject"],
  },
  "@kubernetes-models/prometheus-operator": {
    "monitoring.coreos.com/v1": ["ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe"],
  },
  "@kubernetes-models/external-secrets": {
    "external-secrets.io/v1beta1": [
      "ExternalSecret",
      "SecretStore",
      "ClusterSecretStore",
      "ClusterExternalSecret",
    ],
  },
  "@kubernetes-models/keda": {
    "keda.sh/v1alpha1": [
      "ScaledObject",
      "ScaledJob",
      "TriggerAuthentication",
      "ClusterTriggerAuthentication",
    ],
  },
  "@kubernetes-models/gke": {
    "cloud.google.com/v1": ["BackendConfig"],
    "networking.gke.io/v1": ["ManagedCertificate", "HealthCheckPolicy", "GCPBackendPolicy"],
    "networking.gke.io/v1beta1": ["FrontendConfig"],
  },
};

/**
 * apiVersions validated with the schema of another version of the same kind, when the model package
 * pinned for Node 20 predates it and the two versions have the same fields (external-secrets.io/v1
 * is v1beta1 promoted unchanged for ExternalSecret and the stores).
 */
const ALIASES: Record<string, string> = {
  "external-secrets.io/v1": "external-secrets.io/v1beta1",
};

function modulePath(apiVersion: string, kind: string): string | undefined {
  const version = ALIASES[apiVersion] ?? apiVersion;
  if (CORE[version]?.includes(kind)) {
    return `kubernetes-models/${version.includes("/") ? version : `v1`}/${kind}`;
  }
  for (const [pkg, groups] of Object.entries(CRDS)) {
    if (groups[version]?.includes(kind)) return `${pkg}/${version}/${kind}`;
  }
  return undefined;
}

/** "apiVersion/Kind" of every kind with a schema (for docs and error hints). */
export function knownKinds(): string[] {
  const out: string[] = [];
  for (const [v, kinds] of Object.entries(CORE)) for (const k of kinds) out.push(`${v}/${k}`);
  for (const groups of Object.values(CRDS))
    for (const [v, kinds] of Object.entries(groups)) for (const k of kinds) out.push(`${v}/${k}`);
  for (const [alias, target] of Object.entries(ALIASES))
    for (const k of out.filter((x) => x.startsWith(`${target}/`))) out.push(`${alias}/${k.split("/").pop()}`);
  return out;
}

interface ModelClass {
  prototype: { validate(): void } & Record<symbol, unknown>;
}

const models = new Map<string, ModelClass | null>();

function model(apiVersion: string, kind: string): ModelClass | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!models.has(key)) {
    const path = modulePath(apiVersion, kind);
    models.set(key, path ? ((require(path) as Record<string, ModelClass>)[kind] ?? null) : null);
  }
  return models.get(key) ?? undefined;
}

interface Tracker {
  /** pointer → keys the validator read by name */
  readonly read: Map<string, Set<string>>;
  /** pointers whose keys the validator enumerated */
  readonly enumerated: Set<string>;
}

function tracked(root: object, proto: object, t: Tracker): object {
  const cache = new WeakMap<object, object>();
  const wrap = (value: unknown, pointer: string): unknown => {
    if (value === null || typeof value !== "object") return value;
    const hit = cache.get(value);
    if (hit) return hit;
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        // models built on @kubernetes-models/base 4 keep their schema id on the prototype
        if (typeof key === "symbol")
          return pointer === "" ? Reflect.get(proto, key) : Reflect.get(target, key);
        const keys = t.read.get(pointer) ?? new Set<string>();
        t.read.set(pointer, keys);
        keys.add(key);
        const v = Reflect.get(target, key, receiver);
        return Object.hasOwn(target, key) ? wrap(v, `${pointer}/${escapeKey(key)}`) : v;
      },
      ownKeys(target) {
        t.enumerated.add(pointer);
        return Reflect.ownKeys(target);
      },
    });
    cache.set(value, proxy);
    return proxy;
  };
  return wrap(root, "") as object;
}

function escapeKey(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function unknownFields(value: unknown, pointer: string, t: Tracker, out: string[]): void {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) unknownFields(v, `${pointer}/${i}`, t, out);
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (t.enumerated.has(pointer)) {
    for (const [k, v] of entries) unknownFields(v, `${pointer}/${escapeKey(k)}`, t, out);
    return;
  }
  const read = t.read.get(pointer);
  if (!read) return; // free-form: the schema does not describe its fields
  for (const [k, v] of entries) {
    if (read.has(k)) unknownFields(v, `${pointer}/${escapeKey(k)}`, t, out);
    else out.push(`${pointer}/${escapeKey(k)}`);
  }
}

interface AjvError {
  instancePath?: string;
  dataPath?: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

function describe(e: AjvError): string {
  const p = e.params ?? {};
  switch (e.keyword) {
    case "required":
      return `required field "${String(p.missingProperty)}" is missing`;
    case "type":
      return `must be of type ${String(p.type)}`;
    case "enum":
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "format":
      return `must be a valid ${String(p.format)}`;
    case "additionalProperties":
      return `unknown field "${String(p.additionalProperty)}"`;
    default:
      return e.message ?? e.keyword;
  }
}

export interface SchemaOptions {
  /** "apiVersion/Kind" or "Kind" entries accepted without a schema */
  readonly allowKinds?: readonly string[];
}

/** Schema findings for one object. */
export function checkSchema(env: string, o: K8sObject, options: SchemaOptions = {}): Finding[] {
  const site: FindingSite = { env, object: objectRef(o) };
  if (typeof o.apiVersion !== "string" || typeof o.kind !== "string") {
    return [
      finding(
        site,
        "",
        "schema/invalid",
        "object has no apiVersion or kind",
        "every object needs apiVersion and kind",
      ),
    ];
  }
  const M = model(o.apiVersion, o.kind);
  if (!M) {
    const allowed = options.allowKinds ?? [];
    if (allowed.includes(o.kind) || allowed.includes(`${o.apiVersion}/${o.kind}`)) return [];
    return [
      finding(
        site,
        "apiVersion",
        "schema/unknown-kind",
        `no schema for ${o.apiVersion} ${o.kind}`,
        `check apiVersion and kind for typos; if the kind is right, add its schema in pipeline/src/manifests/schema.ts or allow it with --allow-kind ${o.apiVersion}/${o.kind}`,
      ),
    ];
  }
  const t: Tracker = { read: new Map(), enumerated: new Set() };
  const out: Finding[] = [];
  try {
    M.prototype.validate.call(tracked(o, M.prototype, t));
  } catch (e) {
    const errors = (e as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) throw e;
    const seen = new Set<string>();
    for (const err of errors) {
      // oneOf/anyOf summaries repeat what their branches said
      if (err.keyword === "oneOf" || err.keyword === "anyOf" || err.keyword === "if") continue;
      const path = pointerToPath(err.instancePath ?? err.dataPath ?? "");
      const message = describe(err);
      const key = `${path} ${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(
        finding(
          site,
          path,
          "schema/invalid",
          message,
          `fix the value at ${path || "the top level"} to match the ${o.apiVersion} ${o.kind} schema`,
        ),
      );
    }
  }
  const unknown: string[] = [];
  unknownFields(o, "", t, unknown);
  for (const pointer of unknown) {
    const path = pointerToPath(pointer);
    const field = path.split(/[.[]/).pop() ?? path;
    out.push(
      finding(
        site,
        path,
        "schema/unknown-field",
        `unknown field "${field}" (not in the ${o.apiVersion} ${o.kind} schema)`,
        "remove it or fix its spelling/indentation; unknown fields are silently dropped by the API server",
      ),
    );
  }
  return out;
}
