// Success and failure conditions of analysis templates must use only the expression forms
// `ngx-release analyze` evaluates exactly as Argo Rollouts does; anything else would be judged
// differently (or silently true), so it is a validation finding.
import { checkAnalysisExpression } from "../analysis/expression.js";
import { type Finding, finding } from "./findings.js";
import { type K8sObject, objectRef } from "./render.js";

const TEMPLATE_KINDS = new Set(["AnalysisTemplate", "ClusterAnalysisTemplate"]);

interface MetricLike {
  readonly name?: string;
  readonly successCondition?: string;
  readonly failureCondition?: string;
}

export function checkAnalysisConditions(env: string, o: K8sObject): Finding[] {
  if (!TEMPLATE_KINDS.has(o.kind)) return [];
  const site = { env, object: objectRef(o) };
  const metrics = ((o.spec as { metrics?: MetricLike[] } | undefined)?.metrics ?? []) as MetricLike[];
  const out: Finding[] = [];
  for (const [i, m] of metrics.entries()) {
    for (const field of ["successCondition", "failureCondition"] as const) {
      const expr = m[field];
      if (typeof expr !== "string") continue;
      for (const problem of checkAnalysisExpression(expr)) {
        out.push(
          finding(
            site,
            `spec.metrics[${i}].${field}`,
            "analysis/unsupported-condition",
            `${m.name ?? `metric ${i}`}: ${problem}`,
            "use result / result[i] / len(result) / isNaN / isInf with comparisons, && || ! and parentheses (docs/validation.md)",
          ),
        );
      }
    }
  }
  return out;
}
