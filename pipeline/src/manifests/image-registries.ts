// The registry allowlist applied to rendered objects (validate): every container image of every pod
// template must come from allowedRegistries of environments/promotion.yaml, and the cluster's
// ValidatingAdmissionPolicy (environments/base/admission/) must hold the same list — otherwise
// validate would pass what the API server refuses, or the cluster would admit what validate refuses.
import { allowedBy, registryProblem } from "../promotion/registries.js";
import { type Finding, fieldPath, finding } from "./findings.js";
import { type K8sObject, objectRef } from "./render.js";
import { containers, get, list, podTemplate } from "./workloads.js";

/** The variable of the admission policy that holds the allowlist, as a CEL list of string literals. */
export const ADMISSION_VARIABLE = "allowedRegistries";

/** Findings for images of one object from registries outside the allowlist. */
export function checkImageRegistries(env: string, o: K8sObject, allowed: readonly string[]): Finding[] {
  const t = podTemplate(o);
  if (!t) return [];
  const out: Finding[] = [];
  for (const c of containers(t)) {
    const image = typeof c.container.image === "string" ? c.container.image : "";
    if (allowedBy(image, allowed)) continue;
    out.push(
      finding(
        { env, object: objectRef(o) },
        fieldPath([...c.path, "image"]),
        "policy/image-registry",
        `container "${String(c.container.name)}": ${registryProblem(image, allowed)}`,
        "use an image from an allowed registry, or add the registry to allowedRegistries in environments/promotion.yaml (reviewed by CODEOWNERS) and to the admission policy",
      ),
    );
  }
  return out;
}

/**
 * The list literal of the admission policy's allowedRegistries variable: "['a', 'b']" → ["a", "b"];
 * undefined when it is not a plain list of single- or double-quoted strings.
 */
export function parseCelStringList(expression: string): string[] | undefined {
  const text = expression.trim();
  if (!text.startsWith("[") || !text.endsWith("]")) return undefined;
  const inner = text.slice(1, -1).trim();
  if (inner === "") return [];
  const out: string[] = [];
  const item = /\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*(,|$)/y;
  let at = 0;
  while (at < inner.length) {
    item.lastIndex = at;
    const m = item.exec(inner);
    if (!m) return undefined;
    out.push((m[1] ?? m[2]) as string);
    at = item.lastIndex;
    if (m[3] === "" && at < inner.length) return undefined;
  }
  return out;
}

/**
 * The rendered ValidatingAdmissionPolicy must carry allowedRegistries exactly (same entries, any
 * order), and a binding must enforce it (validationActions Deny).
 */
export function checkAdmissionAllowlist(
  env: string,
  objects: readonly K8sObject[],
  allowed: readonly string[],
): Finding[] {
  const policies = objects.filter(
    (o) =>
      o.apiVersion === "admissionregistration.k8s.io/v1" &&
      o.kind === "ValidatingAdmissionPolicy" &&
      list(get(o, "spec", "variables")).some((v) => get(v, "name") === ADMISSION_VARIABLE),
  );
  const hint = `keep the ${ADMISSION_VARIABLE} variable of the admission policy (environments/base/admission/) equal to allowedRegistries in environments/promotion.yaml`;
  if (policies.length === 0) {
    return [
      finding(
        { env, object: "(environment)" },
        "",
        "policy/image-registry-admission",
        `no ValidatingAdmissionPolicy with a "${ADMISSION_VARIABLE}" variable is rendered: the cluster would not enforce allowedRegistries`,
        hint,
      ),
    ];
  }
  const out: Finding[] = [];
  for (const p of policies) {
    const site = { env, object: objectRef(p) };
    const variables = list(get(p, "spec", "variables"));
    const index = variables.findIndex((v) => get(v, "name") === ADMISSION_VARIABLE);
    const expression = String(get(variables[index], "expression") ?? "");
    const path = `spec.variables[${index}].expression`;
    const listed = parseCelStringList(expression);
    if (!listed) {
      out.push(
        finding(
          site,
          path,
          "policy/image-registry-admission",
          `${ADMISSION_VARIABLE} is not a list of string literals: ${expression}`,
          hint,
        ),
      );
      continue;
    }
    const missing = allowed.filter((a) => !listed.includes(a));
    const extra = listed.filter((a) => !allowed.includes(a));
    if (missing.length > 0 || extra.length > 0) {
      out.push(
        finding(
          site,
          path,
          "policy/image-registry-admission",
          `${ADMISSION_VARIABLE} differs from environments/promotion.yaml${missing.length ? `: missing ${missing.join(", ")}` : ""}${extra.length ? `${missing.length ? ";" : ":"} not in promotion.yaml ${extra.join(", ")}` : ""}`,
          hint,
        ),
      );
    }
    const name = p.metadata?.name;
    const bound = objects.some(
      (b) =>
        b.apiVersion === "admissionregistration.k8s.io/v1" &&
        b.kind === "ValidatingAdmissionPolicyBinding" &&
        get(b, "spec", "policyName") === name &&
        list(get(b, "spec", "validationActions")).includes("Deny"),
    );
    if (!bound) {
      out.push(
        finding(
          site,
          "",
          "policy/image-registry-admission",
          `no ValidatingAdmissionPolicyBinding with validationActions [Deny] binds ${String(name)}: the API server evaluates a policy only through a binding`,
          "add a ValidatingAdmissionPolicyBinding (policyName, validationActions: [Deny], matchResources.namespaceSelector for the workload namespace)",
        ),
      );
    }
  }
  return out;
}
