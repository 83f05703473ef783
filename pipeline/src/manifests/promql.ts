// PromQL syntax checking with Prometheus' own grammar (@prometheus-io/lezer-promql). Exported for
// every area that holds PromQL (PrometheusRules, analysis templates, dashboards).
import { parser } from "@prometheus-io/lezer-promql";
import { type Finding, fieldPath, finding } from "./findings.js";
import { type K8sObject, objectRef } from "./render.js";
import { get, list } from "./workloads.js";

export interface PromqlPosition {
  /** 0-based offset in the checked expression */
  readonly offset: number;
  /** 1-based line and column */
  readonly line: number;
  readonly column: number;
}

export type PromqlResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly message: string; readonly position: PromqlPosition };

function positionOf(expr: string, offset: number): PromqlPosition {
  const before = expr.slice(0, offset);
  const lines = before.split("\n");
  return { offset, line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/** Checks the syntax of one PromQL expression; on error, says where and what is there. */
export function checkPromql(expr: string): PromqlResult {
  if (expr.trim() === "") {
    return { ok: false, message: "empty expression", position: positionOf(expr, 0) };
  }
  const tree = parser.parse(expr);
  let at: number | undefined;
  tree.iterate({
    enter(node) {
      if (at !== undefined) return false;
      if (node.type.isError) at = node.from;
      return undefined;
    },
  });
  if (at === undefined) return { ok: true };
  const position = positionOf(expr, at);
  const near = expr.slice(at, at + 20).split("\n")[0] ?? "";
  const what = near === "" ? "unexpected end of expression" : `unexpected "${near}"`;
  return {
    ok: false,
    message: `PromQL syntax error at line ${position.line}, column ${position.column}: ${what}`,
    position,
  };
}

/**
 * Replaces Go-template placeholders ({{args.service}}, {{ args.x }}) of an Argo Rollouts analysis
 * query by values that keep the PromQL shape: inside a string a word, inside [...] a duration,
 * elsewhere a number. Returns the expression to parse.
 */
export function substituteTemplateArgs(query: string): string {
  let out = "";
  let quote: string | undefined;
  let brackets = 0;
  for (let i = 0; i < query.length; i++) {
    const ch = query[i] as string;
    if (!quote && ch === "{" && query[i + 1] === "{") {
      const end = query.indexOf("}}", i + 2);
      if (end >= 0) {
        out += brackets > 0 ? "5m" : "1";
        i = end + 1;
        continue;
      }
    }
    if (quote) {
      if (ch === "\\") {
        out += ch + (query[i + 1] ?? "");
        i++;
        continue;
      }
      if (ch === "{" && query[i + 1] === "{") {
        const end = query.indexOf("}}", i + 2);
        if (end >= 0) {
          out += "placeholder";
          i = end + 1;
          continue;
        }
      }
      if (ch === quote) quote = undefined;
      out += ch;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "[") brackets++;
    else if (ch === "]") brackets = Math.max(0, brackets - 1);
    out += ch;
  }
  return out;
}

/** Names of the arguments a query uses ({{args.name}}). */
export function templateArgsUsed(query: string): string[] {
  const names = new Set<string>();
  for (const m of query.matchAll(/\{\{\s*args\.([A-Za-z0-9_-]+)\s*\}\}/g)) names.add(m[1] as string);
  return [...names];
}

/** PromQL findings of one object: PrometheusRule expressions and Prometheus analysis queries. */
export function checkPromqlIn(env: string, o: K8sObject): Finding[] {
  const site = { env, object: objectRef(o) };
  const out: Finding[] = [];
  const check = (expr: unknown, path: (string | number)[], templated: boolean) => {
    if (typeof expr !== "string" && typeof expr !== "number") return;
    const source = String(expr);
    const result = checkPromql(templated ? substituteTemplateArgs(source) : source);
    if (!result.ok)
      out.push(
        finding(
          site,
          fieldPath(path),
          "promql/syntax",
          `${result.message}${templated ? " (after substituting {{args.*}})" : ""}`,
          "fix the expression; check it with `promtool check rules` or the Prometheus UI",
        ),
      );
  };
  if (o.kind === "PrometheusRule") {
    for (const [i, g] of list(get(o, "spec", "groups")).entries()) {
      for (const [j, r] of list(get(g, "rules")).entries()) {
        check(get(r, "expr"), ["spec", "groups", i, "rules", j, "expr"], false);
      }
    }
  }
  if (o.kind === "AnalysisTemplate" || o.kind === "ClusterAnalysisTemplate" || o.kind === "AnalysisRun") {
    for (const [i, m] of list(get(o, "spec", "metrics")).entries()) {
      check(
        get(m, "provider", "prometheus", "query"),
        ["spec", "metrics", i, "provider", "prometheus", "query"],
        true,
      );
    }
  }
  return out;
}
