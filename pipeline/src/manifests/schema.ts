// Schema validation of rendered objects against the maintained model packages (kubernetes-models for
// core kinds, @kubernetes-models/* for CRDs), made STRICT: a field the schema does not know is an
// error, as with `kubeconform -strict`. The packages' validators do not reject unknown fields, so the
// object is validated through a Proxy that records which keys each validator reads: a key present in
// an object whose keys the validator read by name but never read itself is unknown. Objects whose keys
// the validator enumerates (maps such as labels, additionalProperties) and objects it never looks into
// (x-kubernetes-preserve-unknown-fields, embedded raw objects) accept any key.
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type Finding, type FindingSite, finding, pointerToPath } from "./findings.js";
import { isModelGap, valueAtPointer } from "./model-gaps.js";
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
  "admissionregistration.k8s.io/v1": ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"],
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
    // Config Connector (environments/components/cloud-infrastructure)
    "sql.cnrm.cloud.google.com/v1beta1": ["SQLInstance", "SQLDatabase", "SQLUser"],
    "storage.cnrm.cloud.google.com/v1beta1": ["StorageBucket"],
    "secretmanager.cnrm.cloud.google.com/v1beta1": ["SecretManagerSecret"],
    "iam.cnrm.cloud.google.com/v1beta1": [
      "IAMServiceAccount",
      "IAMPolicyMember",
      "IAMWorkloadIdentityPool",
      "IAMWorkloadIdentityPoolProvider",
    ],
    "artifactregistry.cnrm.cloud.google.com/v1beta1": ["ArtifactRegistryRepository"],
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

/**
 * Loads the validators of these kinds now (e.g. while kustomize renders in child processes), so the
 * checks that follow do not wait for them. Kinds are names ("Rollout"); unknown names are ignored.
 */
export function preloadSchemas(kinds: Iterable<string>): void {
  const wanted = new Set(kinds);
  for (const key of knownKinds()) {
    const kind = key.slice(key.lastIndexOf("/") + 1);
    if (!wanted.has(kind)) continue;
    wanted.delete(kind);
    validator(key.slice(0, key.lastIndexOf("/")), kind);
  }
}

interface ModelClass {
  prototype: { validate(): void } & Record<symbol, unknown>;
}

/** Validates `this` (the tracked object) and throws an error carrying ajv `errors` when invalid. */
type Validator = (data: object) => void;

const validators = new Map<string, Validator | null>();

function validator(apiVersion: string, kind: string): Validator | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!validators.has(key)) {
    const path = modulePath(apiVersion, kind);
    const M = path ? (require(path) as Record<string, ModelClass>)[kind] : undefined;
    validators.set(key, M && path ? load(M, path) : null);
  }
  return validators.get(key) ?? undefined;
}

function load(M: ModelClass, path: string): Validator {
  const symbols = Object.getOwnPropertySymbols(M.prototype);
  const id = symbols.map((s) => M.prototype[s]).find((v): v is string => typeof v === "string");
  const addSchema = symbols.map((s) => M.prototype[s]).find((v): v is () => void => typeof v === "function");
  // Models built on @kubernetes-models/base 5 carry precompiled validators: call them as they are.
  if (!id || !addSchema) return (data) => M.prototype.validate.call(data);
  // Models on base 4 (argo-rollouts 0.3) compile their JSON schema with ajv on first use, which takes
  // seconds for pod-template-sized schemas: compile once with ajv's standalone output and cache the code.
  return legacy(path, id, addSchema);
}

function legacy(path: string, id: string, addSchema: () => void): Validator {
  const modelFile = require.resolve(path);
  const pkg = require(`${path.split("/").slice(0, 2).join("/")}/package.json`) as {
    name: string;
    version: string;
  };
  const cacheDir = join(
    modelFile.slice(0, modelFile.lastIndexOf("/node_modules/") + 14),
    ".cache",
    "ngx-release",
  );
  const cacheFile = join(cacheDir, `${pkg.name.replace("/", "+")}@${pkg.version}+${id}.cjs`);
  const compiled = existsSync(cacheFile) ? tryRequire(cacheFile) : undefined;
  const fn = compiled ?? compileLegacy(modelFile, id, addSchema, cacheFile);
  return (data) => {
    if (!fn(data)) throw Object.assign(new Error(`invalid ${id}`), { errors: fn.errors ?? [] });
  };
}

type CompiledFn = ((data: unknown) => boolean) & { errors?: unknown[] | null };

function tryRequire(file: string): CompiledFn | undefined {
  try {
    const mod = require(file) as CompiledFn | { default: CompiledFn };
    return typeof mod === "function" ? mod : mod.default;
  } catch {
    return undefined;
  }
}

function compileLegacy(modelFile: string, id: string, addSchema: () => void, cacheFile: string): CompiledFn {
  // capture the JSON schemas the model registers with its own @kubernetes-models/validate
  const registry = createRequire(modelFile)("@kubernetes-models/validate") as {
    register: (id: string, schema: object) => void;
  };
  const original = registry.register;
  const schemas = new Map<string, object>();
  registry.register = (sid, schema) => void schemas.set(sid, schema);
  try {
    addSchema();
  } finally {
    registry.register = original;
  }
  const Ajv = (require("ajv") as { default: new (o: object) => AjvInstance }).default;
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { source: true } });
  for (const [sid, schema] of schemas) if (sid !== id) ajv.addSchema(schema, sid);
  const main = schemas.get(id);
  if (!main) throw new Error(`schema ${id} was not registered by its model`);
  const fn = ajv.compile(main) as CompiledFn;
  try {
    const standalone = require("ajv/dist/standalone") as { default: (a: AjvInstance, f: unknown) => string };
    mkdirSync(dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, standalone.default(ajv, fn));
    renameSync(tmp, cacheFile);
  } catch {
    // a read-only node_modules only costs the compile time again next run
  }
  return fn;
}

interface AjvInstance {
  addSchema(schema: object, key: string): unknown;
  compile(schema: object): unknown;
}

interface Tracker {
  /** pointer → keys the validator read by name */
  readonly read: Map<string, Set<string>>;
  /** pointers whose keys the validator enumerated */
  readonly enumerated: Set<string>;
}

function tracked(root: object, t: Tracker): object {
  const cache = new WeakMap<object, object>();
  const wrap = (value: unknown, pointer: string): unknown => {
    if (value === null || typeof value !== "object") return value;
    const hit = cache.get(value);
    if (hit) return hit;
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === "symbol") return Reflect.get(target, key);
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
  const validate = validator(o.apiVersion, o.kind);
  if (!validate) {
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
  // an aliased apiVersion is checked as the version whose schema it shares
  const subject = ALIASES[o.apiVersion] ? { ...o, apiVersion: ALIASES[o.apiVersion] } : o;
  const schemaName = `${o.apiVersion} ${o.kind}`;
  let problems = run(validate, subject, "", schemaName);
  // string fields upstream declares that the package's validator drops (model-gaps.ts)
  problems = problems.flatMap((p) =>
    !p.unknown || !isModelGap(o.kind, p.pointer)
      ? [p]
      : typeof valueAtPointer(subject, p.pointer) === "string"
        ? []
        : [{ ...p, unknown: false, message: "must be of type string" }],
  );
  // core objects embedded in a CRD are checked against the current core schema instead of the CRD's copy
  for (const e of EMBEDDED[o.kind] ?? []) {
    for (const [pointer, value] of expand(subject, e.path, "")) {
      problems = problems.filter((p) => p.pointer !== pointer && !p.pointer.startsWith(`${pointer}/`));
      problems.push(...run(coreValidator(e.schema), value, pointer, `core ${e.label}`));
    }
  }
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const p of problems) {
    const path = pointerToPath(p.pointer);
    const key = `${path} ${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (p.unknown) {
      const field = path.split(/[.[]/).pop() ?? path;
      out.push(
        finding(
          site,
          path,
          "schema/unknown-field",
          `unknown field "${field}" (not in the ${p.schema} schema)`,
          "remove it or fix its spelling/indentation; unknown fields are silently dropped by the API server",
        ),
      );
    } else {
      out.push(
        finding(
          site,
          path,
          "schema/invalid",
          p.message,
          `fix the value at ${path || "the top level"} to match the ${p.schema} schema`,
        ),
      );
    }
  }
  return out;
}

interface Problem {
  /** JSON pointer from the object's root */
  readonly pointer: string;
  readonly message: string;
  readonly unknown: boolean;
  /** which schema said so, e.g. "argoproj.io/v1alpha1 Rollout" */
  readonly schema: string;
}

function run(validate: Validator, data: unknown, prefix: string, schema: string): Problem[] {
  if (data === null || typeof data !== "object") return [];
  const t: Tracker = { read: new Map(), enumerated: new Set() };
  const out: Problem[] = [];
  try {
    validate(tracked(data, t));
  } catch (e) {
    const errors = (e as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) throw e;
    for (const err of errors) {
      // oneOf/anyOf summaries repeat what their branches said
      if (err.keyword === "oneOf" || err.keyword === "anyOf" || err.keyword === "if") continue;
      // the null branch of "oneOf: [{$ref: …}, {type: null}]" (nullable references)
      if (err.keyword === "type" && err.params?.type === "null") continue;
      out.push({
        pointer: prefix + (err.instancePath ?? err.dataPath ?? ""),
        message: describe(err),
        unknown: false,
        schema,
      });
    }
  }
  const unknown: string[] = [];
  unknownFields(data, "", t, unknown);
  for (const u of unknown) out.push({ pointer: prefix + u, message: "unknown", unknown: true, schema });
  return out;
}

/**
 * Core objects embedded in CRDs. The CRD packages carry a copy of the core schema as of their
 * release (argo-rollouts 0.3 predates native sidecars and resizePolicy); the controllers use the
 * core types, so the current kubernetes-models schema is the one to check against.
 */
const EMBEDDED: Record<string, readonly { path: readonly string[]; schema: string; label: string }[]> = {
  Rollout: [
    { path: ["spec", "template"], schema: "kubernetes-models/v1/PodTemplateSpec", label: "PodTemplateSpec" },
  ],
  Experiment: [
    {
      path: ["spec", "templates", "*", "template"],
      schema: "kubernetes-models/v1/PodTemplateSpec",
      label: "PodTemplateSpec",
    },
  ],
  AnalysisTemplate: [
    {
      path: ["spec", "metrics", "*", "provider", "job", "spec"],
      schema: "kubernetes-models/batch/v1/JobSpec",
      label: "JobSpec",
    },
  ],
  ClusterAnalysisTemplate: [
    {
      path: ["spec", "metrics", "*", "provider", "job", "spec"],
      schema: "kubernetes-models/batch/v1/JobSpec",
      label: "JobSpec",
    },
  ],
  AnalysisRun: [
    {
      path: ["spec", "metrics", "*", "provider", "job", "spec"],
      schema: "kubernetes-models/batch/v1/JobSpec",
      label: "JobSpec",
    },
  ],
};

/** [pointer, value] of every existing value at a path where "*" walks an array. */
function expand(value: unknown, path: readonly string[], pointer: string): [string, unknown][] {
  if (value === null || typeof value !== "object") return [];
  if (path.length === 0) return [[pointer, value]];
  const [head, ...rest] = path as [string, ...string[]];
  if (head === "*") {
    return Array.isArray(value) ? value.flatMap((v, i) => expand(v, rest, `${pointer}/${i}`)) : [];
  }
  const next = (value as Record<string, unknown>)[head];
  return next === undefined ? [] : expand(next, rest, `${pointer}/${escapeKey(head)}`);
}

function coreValidator(module: string): Validator {
  const name = module.split("/").pop() as string;
  const M = (require(module) as Record<string, ModelClass>)[name];
  if (!M) throw new Error(`${module} has no export ${name}`);
  return (data) => M.prototype.validate.call(data);
}
