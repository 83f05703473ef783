// Reads environments/base/monitoring/metric-catalogue.yaml and checks PromQL against it: every
// selector must name a catalogued metric (histograms through _bucket/_sum/_count) and match only
// labels that metric carries (its own labels plus the labels its scrape adds).
// Metric names come from the lezer-promql parse tree, never from a regular expression.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { parse } from "yaml";
import { z } from "zod";

export const CATALOGUE_PATH = "environments/base/monitoring/metric-catalogue.yaml";

const Source = z.strictObject({ description: z.string().min(1), targetLabels: z.array(z.string()) });
const Metric = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/),
  type: z.enum(["counter", "gauge", "histogram", "info"]),
  source: z.string(),
  exposedBy: z.array(z.string()).optional(),
  labels: z.array(z.string()),
  values: z.record(z.string(), z.string()).optional(),
  description: z.string().min(1),
});
const Catalogue = z.strictObject({
  sources: z.record(z.string(), Source),
  metrics: z.array(Metric).min(1),
});
export type CatalogueMetric = z.infer<typeof Metric>;
export type MetricCatalogue = z.infer<typeof Catalogue>;

export function loadCatalogue(root: string): MetricCatalogue {
  return Catalogue.parse(parse(readFileSync(join(root, CATALOGUE_PATH), "utf8")));
}

export interface Selector {
  /** metric name, undefined when the selector has none */
  readonly name: string | undefined;
  readonly labels: readonly string[];
  readonly text: string;
}

export interface ParsedQuery {
  /** the first syntax error, with the text near it */
  readonly error?: string;
  readonly selectors: readonly Selector[];
}

function unquote(literal: string): string {
  // PromQL strings: "..." or '...' with Go escapes, or `...` raw; label values used here are plain
  return literal.slice(1, -1);
}

export function parseQuery(expr: string): ParsedQuery {
  const tree = parser.parse(expr);
  let error: string | undefined;
  const selectors: Selector[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError && error === undefined) {
        const near = expr.slice(node.from, node.from + 25);
        error =
          near === "" ? "unexpected end of expression" : `syntax error near "${near}" (offset ${node.from})`;
      }
      if (node.name !== "VectorSelector") return undefined;
      let name: string | undefined;
      const labels: string[] = [];
      const ident = node.node.getChild("Identifier");
      if (ident) name = expr.slice(ident.from, ident.to);
      const matchers = node.node.getChild("LabelMatchers");
      for (const m of matchers?.getChildren("UnquotedLabelMatcher") ?? []) {
        const labelNode = m.getChild("LabelName");
        if (!labelNode) continue;
        const label = expr.slice(labelNode.from, labelNode.to);
        const value = m.getChild("StringLiteral");
        const op = m.getChild("MatchOp");
        if (label === "__name__" && value && op && expr.slice(op.from, op.to) === "=") {
          name = unquote(expr.slice(value.from, value.to));
        } else labels.push(label);
      }
      // {"metric_name"} (quoted name, Prometheus 3 syntax) is not accepted by Prometheus 2.42
      for (const q of matchers?.getChildren("QuotedLabelName") ?? []) {
        error ??= `quoted metric name ${expr.slice(q.from, q.to)} is not supported by Prometheus 2.42`;
      }
      selectors.push({ name, labels, text: expr.slice(node.from, node.to) });
      return false;
    },
  });
  return error === undefined ? { selectors } : { error, selectors };
}

const SUFFIXES: Record<CatalogueMetric["type"], readonly string[]> = {
  counter: [""],
  gauge: [""],
  info: [""],
  histogram: ["_bucket", "_sum", "_count"],
};

/** Finds the catalogue entry a series name belongs to (histogram series by their suffix). */
export function lookup(
  catalogue: MetricCatalogue,
  series: string,
): { metric: CatalogueMetric; suffix: string } | undefined {
  for (const metric of catalogue.metrics) {
    for (const suffix of SUFFIXES[metric.type]) {
      if (series === metric.name + suffix) return { metric, suffix };
    }
  }
  return undefined;
}

/** Problems of one query against the catalogue; empty when the query is fine. */
export function checkAgainstCatalogue(catalogue: MetricCatalogue, expr: string): string[] {
  const parsed = parseQuery(expr);
  const problems: string[] = [];
  if (parsed.error) problems.push(parsed.error);
  for (const s of parsed.selectors) {
    if (s.name === undefined) {
      problems.push(`selector ${s.text} names no metric`);
      continue;
    }
    const found = lookup(catalogue, s.name);
    if (!found) {
      problems.push(`metric ${s.name} is not in ${CATALOGUE_PATH}`);
      continue;
    }
    const allowed = new Set([
      ...found.metric.labels,
      ...(catalogue.sources[found.metric.source]?.targetLabels ?? []),
      ...(found.suffix === "_bucket" ? ["le"] : []),
    ]);
    for (const label of s.labels) {
      if (!allowed.has(label)) {
        problems.push(`${s.name} has no label "${label}" (catalogue: ${[...allowed].sort().join(", ")})`);
      }
    }
  }
  return problems;
}

/**
 * Grafana substitutes its built-in interval variables before the query reaches Prometheus;
 * do the same so the query parses. Dashboard variables ($app) only appear inside label strings.
 */
export function interpolateGrafana(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g, "5m");
}
