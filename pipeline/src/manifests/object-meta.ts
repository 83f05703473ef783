// `metadata` checked as the API server checks ObjectMeta on create, which no JSON schema expresses:
// name syntax per kind, namespace syntax, label keys and values, annotation keys and their total size,
// and the labels and annotations of embedded pod templates. Sources (kubernetes/kubernetes):
// - staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go @008b3652959c:
//   ValidateObjectMetaAccessor (name or generateName through the kind's name function, namespace as a
//   DNS-1123 label), ValidateAnnotations (keys are qualified names compared lower-cased; keys plus
//   values at most TotalAnnotationSizeLimitB = 256 KiB), labels through v1validation.ValidateLabels.
// - staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go @008b3652959c: IsDNS1123Label,
//   IsDNS1123Subdomain, IsDNS1035Label; label keys and values are content.IsLabelKey / IsLabelValue
//   (staging/src/k8s.io/apimachinery/pkg/api/validate/content): a qualified name is an optional
//   DNS-1123 subdomain prefix and "/", then a name of at most 63 characters from [A-Za-z0-9-_.] that
//   starts and ends alphanumeric; a label value is empty or such a name.
// - name functions: pkg/apis/core/validation/validation.go (ValidateServiceName = NameIsDNS1035Label,
//   ValidateNamespaceName = DNS-1123 label, others NameIsDNSSubdomain), pkg/apis/rbac/validation
//   (ValidateRBACName = path segment name), pkg/apis/batch/validation/validation.go
//   (ValidateCronJobCreate: at most 52 characters, room for the Job suffix), and custom resources:
//   staging/src/k8s.io/apiextensions-apiserver/pkg/registry/customresource/validator.go @054d429d9f8b
//   (customResourceValidator.Validate: NameIsDNSSubdomain).
// - pod templates: pkg/apis/core/validation/validation.go ValidatePodTemplateSpec (labels and
//   annotations as above). Argo Rollouts creates ReplicaSets from a Rollout's template, so a Rollout's
//   template is checked the same way.
import { type Finding, type FindingSite, finding } from "./findings.js";
import type { K8sObject } from "./render.js";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Total bytes of annotation keys plus values the API server accepts. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push("must be no more than 63 characters");
  if (!DNS1123_LABEL.test(v)) {
    errs.push(
      DNS1123_SUBDOMAIN.test(v)
        ? "must not contain dots"
        : "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. my-name)",
    );
  }
  return errs;
}

export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(v)) {
    errs.push(
      "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. example.com)",
    );
  }
  return errs;
}

export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push("must be no more than 63 characters");
  if (!DNS1035_LABEL.test(v)) {
    errs.push(
      "must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit (e.g. my-name)",
    );
  }
  return errs;
}

/** RBAC names are path segments: anything but "." and "..", without "/" or "%". */
export function isPathSegmentName(v: string): string[] {
  if (v === "." || v === "..") return [`may not be '${v}'`];
  const bad = ["/", "%"].filter((c) => v.includes(c));
  return bad.length > 0 ? [`may not contain '${bad.join("' or '")}'`] : [];
}

/** Label keys (and annotation keys, lower-cased first): `[prefix/]name`. */
export function isQualifiedName(v: string): string[] {
  const parts = v.split("/");
  let name: string;
  const errs: string[] = [];
  if (parts.length === 1) name = v;
  else if (parts.length === 2) {
    const [prefix, rest] = parts as [string, string];
    name = rest;
    if (prefix.length === 0) errs.push("prefix part must not be empty");
    else for (const e of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${e}`);
  } else {
    return [
      "must be a name with an optional DNS subdomain prefix and '/' (e.g. example.com/my-name); it has more than one '/'",
    ];
  }
  if (name.length === 0) errs.push("name part must not be empty");
  else {
    if (name.length > 63) errs.push("name part must be no more than 63 characters");
    if (!QUALIFIED_NAME.test(name)) {
      errs.push(
        "name part must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit (e.g. my-name, MyName, 123-abc)",
      );
    }
  }
  return errs;
}

export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push("must be no more than 63 characters");
  if (!LABEL_VALUE.test(v)) {
    errs.push(
      "must be empty or consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit (no spaces, no '/', no ':')",
    );
  }
  return errs;
}

type NameFn = (name: string) => string[];

const RBAC = new Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]);

/** The name rule the API server applies to objects of this kind. */
function nameRule(apiVersion: string, kind: string): { fn: NameFn; label: string } {
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  if (group === "" && kind === "Service") return { fn: isDNS1035Label, label: "a Service name" };
  if (group === "" && kind === "Namespace") return { fn: isDNS1123Label, label: "a Namespace name" };
  if (group === "rbac.authorization.k8s.io" && RBAC.has(kind))
    return { fn: isPathSegmentName, label: `a ${kind} name` };
  if (group === "batch" && kind === "CronJob") {
    return {
      fn: (n) => [
        ...isDNS1123Subdomain(n),
        ...(n.length > 52
          ? [
              "must be no more than 52 characters (the CronJob controller appends an 11-character suffix to name its Jobs)",
            ]
          : []),
      ],
      label: "a CronJob name",
    };
  }
  return { fn: isDNS1123Subdomain, label: `a ${kind} name` };
}

/** With generateName the API server appends 5 characters: a trailing '-' is fine (NameIsDNSSubdomain with prefix). */
function asPrefix(fn: NameFn): NameFn {
  return (n) => fn(n.length > 1 && n.endsWith("-") ? `${n.slice(0, -1)}a` : n);
}

/** Field path of a map key: `metadata.labels.owner`, or `metadata.labels["app.kubernetes.io/name"]`. */
function keyPath(base: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

type Meta = Record<string, unknown>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function checkLabels(site: FindingSite, base: string, labels: unknown, out: Finding[]): void {
  if (!isRecord(labels)) return; // not a map: the schema check reports it
  for (const [k, v] of Object.entries(labels)) {
    for (const e of isQualifiedName(k)) {
      out.push(
        finding(
          site,
          keyPath(base, k),
          "meta/label-key",
          `label key "${k}": ${e}`,
          "rename the label key (e.g. app.kubernetes.io/part-of or team)",
        ),
      );
    }
    if (typeof v !== "string") continue; // a non-string value is a schema finding
    for (const e of isValidLabelValue(v)) {
      out.push(
        finding(
          site,
          keyPath(base, k),
          "meta/label-value",
          `label ${k}=${JSON.stringify(v)}: ${e}`,
          "use a value like team-a (spaces, '/', ':' and more than 63 characters are refused); free text belongs in an annotation",
        ),
      );
    }
  }
}

function checkAnnotations(site: FindingSite, base: string, annotations: unknown, out: Finding[]): void {
  if (!isRecord(annotations)) return;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    size += Buffer.byteLength(k) + (typeof v === "string" ? Buffer.byteLength(v) : 0);
    for (const e of isQualifiedName(k.toLowerCase())) {
      out.push(
        finding(
          site,
          keyPath(base, k),
          "meta/annotation-key",
          `annotation key "${k}": ${e}`,
          "rename the annotation key (e.g. example.com/my-note)",
        ),
      );
    }
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    out.push(
      finding(
        site,
        base,
        "meta/annotations-size",
        `annotations total ${size} bytes (keys plus values); the limit is ${TOTAL_ANNOTATION_SIZE_LIMIT} (256 KiB)`,
        "move large content into a ConfigMap; with Argo CD, ServerSideApply=true avoids the last-applied-configuration annotation",
      ),
    );
  }
}

/** Embedded ObjectMeta (pod templates) per kind, as object keys from the root. */
const TEMPLATES: Record<string, readonly (readonly string[])[]> = {
  Deployment: [["spec", "template", "metadata"]],
  StatefulSet: [["spec", "template", "metadata"]],
  DaemonSet: [["spec", "template", "metadata"]],
  ReplicaSet: [["spec", "template", "metadata"]],
  Job: [["spec", "template", "metadata"]],
  CronJob: [
    ["spec", "jobTemplate", "metadata"],
    ["spec", "jobTemplate", "spec", "template", "metadata"],
  ],
  Rollout: [["spec", "template", "metadata"]],
};

function at(o: unknown, path: readonly string[]): unknown {
  let v = o;
  for (const p of path) v = isRecord(v) ? v[p] : undefined;
  return v;
}

/** Findings for an object's metadata (and its pod templates' metadata). */
export function checkObjectMeta(env: string, o: K8sObject): Finding[] {
  const meta: Meta = isRecord(o.metadata) ? (o.metadata as Meta) : {};
  const name = typeof meta.name === "string" ? meta.name : "";
  const site: FindingSite = { env, object: `${o.kind}/${name || "(unnamed)"}` };
  const out: Finding[] = [];
  if (typeof o.apiVersion !== "string" || typeof o.kind !== "string") return out;
  const rule = nameRule(o.apiVersion, o.kind);
  const generateName = typeof meta.generateName === "string" ? meta.generateName : "";
  if (generateName) {
    for (const e of asPrefix(rule.fn)(generateName)) {
      out.push(
        finding(
          site,
          "metadata.generateName",
          "meta/name",
          `generateName "${generateName}": ${e}`,
          `make it a valid prefix of ${rule.label}`,
        ),
      );
    }
  }
  if (!name && !generateName) {
    out.push(
      finding(site, "metadata.name", "meta/name", "name or generateName is required", "set metadata.name"),
    );
  } else if (name) {
    for (const e of rule.fn(name)) {
      out.push(
        finding(site, "metadata.name", "meta/name", `name "${name}": ${e}`, `rename it: ${rule.label} ${e}`),
      );
    }
  }
  if (typeof meta.namespace === "string" && meta.namespace !== "") {
    for (const e of isDNS1123Label(meta.namespace)) {
      out.push(
        finding(
          site,
          "metadata.namespace",
          "meta/namespace",
          `namespace "${meta.namespace}": ${e}`,
          "use the namespace's real name (a DNS-1123 label)",
        ),
      );
    }
  }
  checkLabels(site, "metadata.labels", meta.labels, out);
  checkAnnotations(site, "metadata.annotations", meta.annotations, out);
  for (const path of TEMPLATES[o.kind] ?? []) {
    const template = at(o, path);
    if (!isRecord(template)) continue;
    const base = path.join(".");
    checkLabels(site, `${base}.labels`, template.labels, out);
    checkAnnotations(site, `${base}.annotations`, template.annotations, out);
  }
  return out;
}
