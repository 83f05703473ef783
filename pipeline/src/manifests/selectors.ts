// Label selectors of built-in kinds checked as the API server checks them, with the label syntax of
// object-meta.ts. Source: kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/
// validation/validation.go (ValidateLabelSelector: matchLabels through ValidateLabels;
// ValidateLabelSelectorRequirement: In/NotIn need values, Exists/DoesNotExist take none, any other
// operator is invalid, the key is a label name, each value a label value), and Service
// `spec.selector` through ValidateLabels (pkg/apis/core/validation/validation.go ValidateService).
import { type Finding, type FindingSite, fieldPath, finding } from "./findings.js";
import { isQualifiedName, isValidLabelValue } from "./object-meta.js";
import { type K8sObject, objectRef } from "./render.js";

/** Where each built-in kind holds a LabelSelector ("*" = every list item), by "apiVersion/Kind". */
const SELECTORS: Record<string, readonly (readonly string[])[]> = {
  "apps/v1/Deployment": [["spec", "selector"]],
  "apps/v1/StatefulSet": [["spec", "selector"]],
  "apps/v1/DaemonSet": [["spec", "selector"]],
  "apps/v1/ReplicaSet": [["spec", "selector"]],
  "batch/v1/Job": [["spec", "selector"]],
  "batch/v1/CronJob": [["spec", "jobTemplate", "spec", "selector"]],
  "policy/v1/PodDisruptionBudget": [["spec", "selector"]],
  "networking.k8s.io/v1/NetworkPolicy": [
    ["spec", "podSelector"],
    ["spec", "ingress", "*", "from", "*", "podSelector"],
    ["spec", "ingress", "*", "from", "*", "namespaceSelector"],
    ["spec", "egress", "*", "to", "*", "podSelector"],
    ["spec", "egress", "*", "to", "*", "namespaceSelector"],
  ],
};

type Part = string | number;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function locate(value: unknown, at: readonly string[], path: Part[]): [Part[], unknown][] {
  if (at.length === 0) return value === undefined || value === null ? [] : [[path, value]];
  const [head, ...rest] = at as [string, ...string[]];
  if (head === "*") return Array.isArray(value) ? value.flatMap((v, i) => locate(v, rest, [...path, i])) : [];
  return isRecord(value) ? locate(value[head], rest, [...path, head]) : [];
}

function labelMap(site: FindingSite, path: Part[], labels: unknown, out: Finding[]): void {
  if (!isRecord(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    const at = fieldPath([...path, k]);
    for (const e of isQualifiedName(k)) {
      out.push(
        finding(site, at, "meta/selector", `selector key "${k}": ${e}`, "select on a valid label key"),
      );
    }
    if (typeof v !== "string") continue;
    for (const e of isValidLabelValue(v)) {
      out.push(
        finding(
          site,
          at,
          "meta/selector",
          `selector ${k}=${JSON.stringify(v)}: ${e}`,
          "select on a valid label value",
        ),
      );
    }
  }
}

function labelSelector(site: FindingSite, path: Part[], selector: unknown, out: Finding[]): void {
  if (!isRecord(selector)) return;
  labelMap(site, [...path, "matchLabels"], selector.matchLabels, out);
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  exprs.forEach((expr, i) => {
    if (!isRecord(expr)) return;
    const base = [...path, "matchExpressions", i];
    const values = Array.isArray(expr.values) ? expr.values : [];
    const op = expr.operator;
    if (op === "In" || op === "NotIn") {
      if (values.length === 0) {
        out.push(
          finding(
            site,
            fieldPath([...base, "values"]),
            "meta/selector",
            `operator ${op} needs values`,
            "list the values",
          ),
        );
      }
    } else if (op === "Exists" || op === "DoesNotExist") {
      if (values.length > 0) {
        out.push(
          finding(
            site,
            fieldPath([...base, "values"]),
            "meta/selector",
            `operator ${op} takes no values`,
            "remove values, or use In/NotIn",
          ),
        );
      }
    } else {
      out.push(
        finding(
          site,
          fieldPath([...base, "operator"]),
          "meta/selector",
          `${JSON.stringify(op)} is not a selector operator`,
          "use In, NotIn, Exists or DoesNotExist",
        ),
      );
    }
    if (typeof expr.key === "string") {
      for (const e of isQualifiedName(expr.key)) {
        out.push(
          finding(
            site,
            fieldPath([...base, "key"]),
            "meta/selector",
            `selector key "${expr.key}": ${e}`,
            "select on a valid label key",
          ),
        );
      }
    }
    values.forEach((v, j) => {
      if (typeof v !== "string") return;
      for (const e of isValidLabelValue(v)) {
        out.push(
          finding(
            site,
            fieldPath([...base, "values", j]),
            "meta/selector",
            `selector value ${JSON.stringify(v)}: ${e}`,
            "select on a valid label value",
          ),
        );
      }
    });
  });
}

/** Findings for the label selectors of one built-in object. */
export function checkSelectors(env: string, o: K8sObject): Finding[] {
  const site: FindingSite = { env, object: objectRef(o) };
  const out: Finding[] = [];
  if (o.apiVersion === "v1" && o.kind === "Service" && isRecord(o.spec)) {
    labelMap(site, ["spec", "selector"], o.spec.selector, out);
  }
  for (const at of SELECTORS[`${o.apiVersion}/${o.kind}`] ?? []) {
    for (const [path, selector] of locate(o, at, [])) labelSelector(site, path, selector, out);
  }
  return out;
}
