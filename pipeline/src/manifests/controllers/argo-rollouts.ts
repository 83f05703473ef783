// Argo Rollouts, as its controller consumes a Rollout together with the templates and Services it
// names. Facts encoded (argoproj/argo-rollouts, same code v1.7–v1.9):
// - On every reconcile the controller validates the Rollout's references
//   (pkg/apis/rollouts/validation/validation_references.go `ValidateAnalysisTemplatesWithType`) by
//   building the AnalysisRun each analysis would create (utils/analysis/helpers.go
//   `NewAnalysisRunFromTemplates`): `flattenArgs` merges the args of ALL referenced templates and
//   refuses one name with two values, `flattenMetrics` refuses two metrics with one name, and
//   `MergeArgs` only fills args the templates declare, from a Rollout arg with a `value` or a
//   `valueFrom`. Any error leaves the Rollout with an InvalidSpec condition before a ReplicaSet exists.
// - `ValidateService` (same file): every selector label of the canary/stable Service, except
//   `rollouts-pod-template-hash`, must equal the Rollout's pod template label (or the
//   canaryMetadata/stableMetadata label of that Service).
import { type AnalysisTemplate, describeConflict, flattenTemplateArgs } from "../../analysis/templates.js";
import { fieldPath } from "../findings.js";
import type { K8sObject } from "../render.js";
import { get, isObj, list, namespaceOf } from "../workloads.js";
import { type ClusterView, Reporter, type RuleResult } from "./model.js";

interface Use {
  readonly path: (string | number)[];
  readonly analysis: Record<string, unknown>;
}

function analysisUses(rollout: K8sObject): Use[] {
  const uses: Use[] = [];
  const canary = get(rollout, "spec", "strategy", "canary");
  if (isObj(canary)) {
    if (isObj(canary.analysis))
      uses.push({ path: ["spec", "strategy", "canary", "analysis"], analysis: canary.analysis });
    list(canary.steps).forEach((s, i) => {
      const a = get(s, "analysis");
      if (isObj(a)) uses.push({ path: ["spec", "strategy", "canary", "steps", i, "analysis"], analysis: a });
    });
  }
  for (const f of ["prePromotionAnalysis", "postPromotionAnalysis"]) {
    const a = get(rollout, "spec", "strategy", "blueGreen", f);
    if (isObj(a)) uses.push({ path: ["spec", "strategy", "blueGreen", f], analysis: a });
  }
  return uses;
}

function findTemplate(view: ClusterView, rollout: K8sObject, ref: unknown): AnalysisTemplate | undefined {
  const name = String(get(ref, "templateName") ?? get(ref, "clusterTemplateName") ?? "");
  const cluster = get(ref, "clusterScope") === true || get(ref, "clusterTemplateName") !== undefined;
  return view.objects.find(
    (o) =>
      o.metadata?.name === name &&
      (cluster
        ? o.kind === "ClusterAnalysisTemplate"
        : o.kind === "AnalysisTemplate" && namespaceOf(o) === namespaceOf(rollout)),
  ) as AnalysisTemplate | undefined;
}

export function checkArgoRollouts(view: ClusterView): RuleResult {
  const r = new Reporter(view);
  for (const rollout of view.objects) {
    if (rollout.kind !== "Rollout") continue;
    for (const use of analysisUses(rollout)) {
      const refs = list(use.analysis.templates);
      const templates = refs.flatMap((ref) => {
        const t = findTemplate(view, rollout, ref);
        return t ? [t] : [];
      });
      const at = fieldPath([...use.path, "templates"]);
      for (const c of flattenTemplateArgs(templates).conflicts)
        r.add(
          rollout,
          at,
          "rollouts/args-conflict",
          `Argo Rollouts merges the args of every template this analysis references and refuses the Rollout (InvalidSpec, no canary): ${describeConflict(c)}`,
          `give the argument a name of its own in one template (e.g. "comparison-${c.name}") and in its settings, or the same value in both`,
        );
      const metricOwner = new Map<string, string>();
      for (const t of templates) {
        for (const m of list(get(t, "spec", "metrics"))) {
          const name = String(get(m, "name"));
          const prev = metricOwner.get(name);
          if (prev !== undefined && prev !== t.metadata.name)
            r.add(
              rollout,
              at,
              "rollouts/metric-duplicate",
              `metric "${name}" is in ${prev} and in ${t.metadata.name}: Argo Rollouts refuses two metrics with one name in one AnalysisRun (InvalidSpec)`,
              "rename the metric in one of the templates",
            );
          metricOwner.set(name, t.metadata.name);
        }
      }
      const declared = new Set(
        templates.flatMap((t) => list(get(t, "spec", "args")).map((a) => String(get(a, "name")))),
      );
      list(use.analysis.args).forEach((a, i) => {
        const name = String(get(a, "name"));
        const path = fieldPath([...use.path, "args", i]);
        if (get(a, "value") === undefined && get(a, "valueFrom") === undefined)
          r.add(
            rollout,
            path,
            "rollouts/arg-without-value",
            `arg "${name}" has neither value nor valueFrom: Argo Rollouts ignores it and the template's own value (or none) is used`,
            "give it a value or valueFrom (podTemplateHashValue, fieldRef), or remove it",
          );
        else if (templates.length === refs.length && !declared.has(name))
          r.add(
            rollout,
            path,
            "rollouts/arg-unused",
            `arg "${name}" is declared by none of ${templates.map((t) => t.metadata.name).join(", ")}: Argo Rollouts drops it`,
            "fix the name to one a template declares, or remove it",
          );
      });
    }
    serviceSelectors(view, rollout, r);
  }
  return r.result;
}

function serviceSelectors(view: ClusterView, rollout: K8sObject, r: Reporter): void {
  const templateLabels = (get(rollout, "spec", "template", "metadata", "labels") ?? {}) as Record<
    string,
    string
  >;
  const fields: [string, string, string][] = [
    ["canary", "canaryService", "canaryMetadata"],
    ["canary", "stableService", "stableMetadata"],
    ["blueGreen", "activeService", "activeMetadata"],
    ["blueGreen", "previewService", "previewMetadata"],
  ];
  for (const [strategy, field, meta] of fields) {
    const name = get(rollout, "spec", "strategy", strategy, field);
    if (typeof name !== "string") continue;
    const svc = view.objects.find(
      (o) => o.kind === "Service" && o.metadata?.name === name && namespaceOf(o) === namespaceOf(rollout),
    );
    if (!svc) continue; // ref/rollout-service reports it
    const extra = (get(rollout, "spec", "strategy", strategy, meta, "labels") ?? {}) as Record<
      string,
      string
    >;
    const selector = (get(svc, "spec", "selector") ?? {}) as Record<string, string>;
    for (const [k, v] of Object.entries(selector)) {
      if (k === "rollouts-pod-template-hash") continue;
      if (templateLabels[k] === v || extra[k] === v) continue;
      r.add(
        rollout,
        `spec.strategy.${strategy}.${field}`,
        "rollouts/service-selector",
        `Service ${name} selects ${k}=${v}, which the Rollout's pod template does not carry (${k}=${templateLabels[k] ?? "unset"}): Argo Rollouts refuses the Rollout (InvalidSpec)`,
        `label the pod template ${k}: ${v}, or fix Service ${name}'s selector`,
      );
    }
  }
}
