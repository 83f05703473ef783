// A finding is one thing wrong with one object of one rendered environment: where (environment,
// Kind/name, field path), which rule, what is wrong, and how to fix it. Every check returns these.
import { table } from "../output/format.js";

export interface Finding {
  readonly env: string;
  /** "Kind/name" of the object, or "(render)" when the environment did not render */
  readonly object: string;
  /** field path in the object, dotted with [i] indexes, e.g. spec.template.spec.containers[0].image */
  readonly path: string;
  /** rule id, e.g. "schema/unknown-field" (docs/validation.md lists them all) */
  readonly rule: string;
  readonly message: string;
  /** how to fix it */
  readonly hint: string;
  /** the repository file that defines the object, when known (controller-model rules set it) */
  readonly file?: string;
}

/** What a check knows about the object it looks at; `finding()` fills in the rest. */
export interface FindingSite {
  readonly env: string;
  readonly object: string;
}

export function finding(
  site: FindingSite,
  path: string,
  rule: string,
  message: string,
  hint: string,
): Finding {
  return { env: site.env, object: site.object, path, rule, message, hint };
}

/** ["spec", "containers", 0, "image"] → "spec.containers[0].image" */
export function fieldPath(parts: readonly (string | number)[]): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? p : `.${p}`;
  }
  return out;
}

/** JSON pointer "/spec/containers/0/image" → "spec.containers[0].image" */
export function pointerToPath(pointer: string): string {
  if (pointer === "" || pointer === "/") return "";
  return fieldPath(
    pointer
      .slice(1)
      .split("/")
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
  );
}

/** Stable order: environment, object, path, rule. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      a.env.localeCompare(b.env) ||
      a.object.localeCompare(b.object) ||
      a.path.localeCompare(b.path) ||
      a.rule.localeCompare(b.rule),
  );
}

/** The table people read; one row per finding, the hint on its own column. */
export function findingsTable(findings: readonly Finding[]): string {
  return table(
    ["ENV", "OBJECT", "FIELD", "RULE", "PROBLEM", "FIX"],
    findings.map((f) => [
      f.env,
      f.file ? `${f.object} (${f.file})` : f.object,
      f.path || "-",
      f.rule,
      f.message,
      f.hint,
    ]),
  );
}
