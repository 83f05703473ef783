// Evaluates the CEL validation rules of the CRDs (`x-kubernetes-validations`, listed with their
// upstream source in crd-rules.ts) on rendered objects, as the API server does on create: `self` is
// the value at the rule's place in the object, a rule whose value is absent is skipped, a rule that
// evaluates to false is refused with the CRD's message, and a rule that fails to evaluate (no such
// key, overflow) is refused too. Source: kubernetes/kubernetes
// staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/validation.go
// (Validator.validateExpressions at 00c30b354df7: null values are not validated, rules using oldSelf
// are skipped without an old object, an evaluation error is a field.Invalid, false gives the message).
//
// The evaluator is @bufbuild/cel (cel-es), which runs Google's cel-spec conformance suite: it keeps
// int and double apart as cel-go does, compares them across types, and matches regular expressions
// with RE2 semantics. Kubernetes' CEL environment also has the strings extension; it is added here.
// Chosen over @marcbachmann/cel-js (which throws on `1 == 1.0` and on RE2 flags such as `(?i)`) and
// cel-js (no `filter` macro, no 64-bit integers); all three were run side by side on Node 20.
import { createRequire } from "node:module";
import type { CelResult } from "@bufbuild/cel";
import { type CrdRule, rulesFor } from "./crd-rules.js";
import { type Finding, type FindingSite, fieldPath, finding } from "./findings.js";
import { type K8sObject, objectRef } from "./render.js";

const require = createRequire(import.meta.url);

type Program = (bindings: { self: unknown }) => CelResult;

let library: typeof import("@bufbuild/cel") | undefined;
const programs = new Map<string, Program | Error>();

/** Compiles a rule once; loaded on first use so commands that never validate do not pay for it. */
function compile(rule: string): Program | Error {
  let p = programs.get(rule);
  if (!p) {
    library ??= require("@bufbuild/cel") as typeof import("@bufbuild/cel");
    const { strings } = require("@bufbuild/cel/ext") as typeof import("@bufbuild/cel/ext");
    try {
      const env = library.celEnv({ funcs: strings });
      p = library.plan(env, library.parse(rule)) as Program;
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e));
    }
    programs.set(rule, p);
  }
  return p;
}

/**
 * A JSON value as CEL sees it: objects become maps, whole numbers `int` (the CRD fields these rules
 * read are `type: integer`), other numbers `double`. cel-go compares int and double across types, so
 * a whole number in a `type: number` field compares the same either way.
 */
export function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === "object") {
    return new Map(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toCel(v)]));
  }
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  return value;
}

export type RuleOutcome = { readonly ok: true } | { readonly ok: false; readonly error?: string };

/** Evaluates one rule with `self` bound to a (JSON) value. */
export function evaluateRule(rule: string, self: unknown): RuleOutcome {
  const program = compile(rule);
  if (program instanceof Error) return { ok: false, error: `the rule does not compile: ${program.message}` };
  const result = program({ self: toCel(self) });
  if (library?.isCelError(result)) return { ok: false, error: result.message };
  if (result === true) return { ok: true };
  if (result === false) return { ok: false };
  return { ok: false, error: `the rule returned ${typeof result}, not a bool` };
}

/** A CEL value back as JSON: lists → arrays, maps → objects, int/uint → number. */
function fromCel(value: unknown): unknown {
  if (library?.isCelList(value)) return [...value].map(fromCel);
  if (library?.isCelMap(value)) {
    return Object.fromEntries([...value.keys()].map((k) => [String(k), fromCel(value.get(k))]));
  }
  if (typeof value === "bigint") return Number(value);
  if (library?.isCelUint(value)) return Number(value.value);
  return value;
}

/**
 * Evaluates one CEL expression with JSON bindings (e.g. `object` and `variables` of a
 * ValidatingAdmissionPolicy) and returns its value as JSON; throws when it does not compile or fails.
 */
export function evaluateExpression(expression: string, bindings: Record<string, unknown>): unknown {
  const program = compile(expression);
  if (program instanceof Error) throw program;
  const cel = Object.fromEntries(Object.entries(bindings).map(([k, v]) => [k, toCel(v)]));
  const result = (program as (b: Record<string, unknown>) => CelResult)(cel);
  if (library?.isCelError(result)) throw new Error(`${expression}: ${result.message}`);
  return fromCel(result);
}

/** [path parts, value] of every existing value at a rule's place, "*" walking lists and maps. */
function locate(
  value: unknown,
  at: readonly string[],
  path: (string | number)[],
): [(string | number)[], unknown][] {
  if (at.length === 0) return value === undefined || value === null ? [] : [[path, value]];
  if (value === null || typeof value !== "object") return [];
  const [head, ...rest] = at as [string, ...string[]];
  if (head === "*") {
    return Array.isArray(value)
      ? value.flatMap((v, i) => locate(v, rest, [...path, i]))
      : Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => locate(v, rest, [...path, k]));
  }
  if (Array.isArray(value)) return [];
  return locate((value as Record<string, unknown>)[head], rest, [...path, head]);
}

function cite(rule: CrdRule): string {
  return `${rule.source.repo} ${rule.source.path}@${rule.source.commit.slice(0, 12)}`;
}

/** Findings for the CRD validation rules that one object breaks. */
export function checkCelRules(env: string, o: K8sObject): Finding[] {
  if (typeof o.apiVersion !== "string" || typeof o.kind !== "string") return [];
  const site: FindingSite = { env, object: objectRef(o) };
  const out: Finding[] = [];
  for (const rule of rulesFor(o.apiVersion, o.kind)) {
    for (const [parts, self] of locate(o, rule.at, [])) {
      const outcome = evaluateRule(rule.rule, self);
      if (outcome.ok) continue;
      const path = fieldPath(parts);
      out.push(
        finding(
          site,
          path,
          "crd/validation-rule",
          outcome.error === undefined
            ? rule.message
            : `the ${o.kind} CRD's rule could not be evaluated (${outcome.error}); the API server refuses the object`,
          `change ${path} so that the ${o.kind} CRD's rule \`${rule.rule}\` holds (from ${cite(rule)})`,
        ),
      );
    }
  }
  return out;
}
