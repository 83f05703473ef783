// Cross-reference checks over one rendered environment: selectors select something, references
// (HPA/KEDA scale targets, Rollout workloadRef and services, ConfigMaps and Secrets used by pods,
// analysis templates and their args) resolve to objects rendered in the same environment.
import { type Finding, type FindingSite, fieldPath, finding } from "./findings.js";
import { templateArgsUsed } from "./promql.js";
import { type K8sObject, objectRef } from "./render.js";
import {
  containers,
  get,
  isEmptySelector,
  isObj,
  type LabelSelector,
  list,
  namespaceOf,
  type PodTemplate,
  podTemplate,
  selects,
} from "./workloads.js";

class Index {
  readonly byKey = new Map<string, K8sObject>();
  readonly pods: PodTemplate[] = [];
  /** names of Secrets an ExternalSecret will create, per namespace */
  readonly externalSecrets = new Set<string>();
  constructor(readonly objects: readonly K8sObject[]) {
    for (const o of objects) {
      this.byKey.set(Index.key(o.kind, namespaceOf(o), o.metadata?.name), o);
      const t = podTemplate(o);
      if (t) this.pods.push(t);
      if (o.kind === "ExternalSecret") {
        const target = (get(o, "spec", "target", "name") as string | undefined) ?? o.metadata?.name;
        this.externalSecrets.add(`${namespaceOf(o)}/${target}`);
      }
    }
    // a Rollout with workloadRef runs the pod template of the Deployment it names
    for (const o of objects) {
      if (o.kind !== "Rollout") continue;
      const ref = get(o, "spec", "workloadRef");
      if (!isObj(ref)) continue;
      const target = this.find(String(ref.kind ?? "Deployment"), namespaceOf(o), String(ref.name));
      const t = target && podTemplate(target);
      if (t) this.pods.push({ ...t, object: o });
    }
  }
  static key(kind: string, ns: string, name: string | undefined): string {
    return `${kind}/${ns}/${name}`;
  }
  find(kind: string, ns: string, name: string): K8sObject | undefined {
    return this.byKey.get(Index.key(kind, ns, name)) ?? this.byKey.get(Index.key(kind, "default", name));
  }
  has(kind: string, ns: string, name: string): boolean {
    return this.find(kind, ns, name) !== undefined;
  }
  podsIn(ns: string): PodTemplate[] {
    return this.pods.filter((t) => namespaceOf(t.object) === ns);
  }
}

function selectorOf(v: unknown): LabelSelector | undefined {
  return isObj(v) ? (v as LabelSelector) : undefined;
}

function describeSelector(s: LabelSelector): string {
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? [])
    parts.push(`${e.key} ${e.operator} (${(e.values ?? []).join(",")})`);
  return parts.join(", ");
}

/** Cross-reference findings for a whole rendered environment. */
export function checkCrossReferences(env: string, objects: readonly K8sObject[]): Finding[] {
  const index = new Index(objects);
  const out: Finding[] = [];
  for (const o of objects) {
    const site: FindingSite = { env, object: objectRef(o) };
    const ns = namespaceOf(o);
    const add = (path: string, rule: string, message: string, hint: string) =>
      out.push(finding(site, path, rule, message, hint));
    const podSelector = (path: (string | number)[], selector: LabelSelector | undefined, what: string) => {
      if (!selector || isEmptySelector(selector)) return;
      if (!index.podsIn(ns).some((t) => selects(selector, t.labels))) {
        add(
          fieldPath(path),
          "ref/selector",
          `${what} selector {${describeSelector(selector)}} selects no pod in namespace ${ns}`,
          "make the selector match the pod template labels of a workload (e.g. app: <component>)",
        );
      }
    };
    switch (o.kind) {
      case "Service": {
        const sel = get(o, "spec", "selector");
        if (isObj(sel))
          podSelector(["spec", "selector"], { matchLabels: sel as Record<string, string> }, "Service");
        break;
      }
      case "PodDisruptionBudget":
        podSelector(["spec", "selector"], selectorOf(get(o, "spec", "selector")), "PodDisruptionBudget");
        break;
      case "NetworkPolicy":
        podSelector(["spec", "podSelector"], selectorOf(get(o, "spec", "podSelector")), "NetworkPolicy");
        break;
      case "PodMonitor":
        podSelector(["spec", "selector"], selectorOf(get(o, "spec", "selector")), "PodMonitor");
        break;
      case "ServiceMonitor": {
        const sel = selectorOf(get(o, "spec", "selector"));
        if (!sel || isEmptySelector(sel)) break;
        const nsSel = get(o, "spec", "namespaceSelector");
        const any = get(nsSel, "any") === true;
        const names = list(get(nsSel, "matchNames")).map(String);
        const inScope = (s: K8sObject) =>
          any || (names.length > 0 ? names.includes(namespaceOf(s)) : namespaceOf(s) === ns);
        const services = objects.filter((s) => s.kind === "Service" && inScope(s));
        if (!services.some((s) => selects(sel, s.metadata?.labels ?? {}))) {
          add(
            "spec.selector",
            "ref/selector",
            `ServiceMonitor selector {${describeSelector(sel)}} selects no Service`,
            "label the Service(s) to scrape (metadata.labels) or fix the selector",
          );
        }
        break;
      }
      case "HorizontalPodAutoscaler":
      case "ScaledObject": {
        const ref = get(o, "spec", "scaleTargetRef");
        if (!isObj(ref)) break;
        const kind = String(ref.kind ?? "Deployment");
        if (!index.has(kind, ns, String(ref.name))) {
          add(
            "spec.scaleTargetRef",
            "ref/scale-target",
            `scaleTargetRef ${kind}/${String(ref.name)} is not rendered in namespace ${ns}`,
            "point scaleTargetRef at a rendered Deployment, StatefulSet or Rollout (kind, apiVersion and name)",
          );
        }
        break;
      }
      case "Rollout":
        out.push(...rolloutRefs(site, o, index));
        break;
    }
    const t = podTemplate(o);
    if (t) out.push(...configRefs(site, t, index));
  }
  for (const o of objects) {
    if (o.kind === "AnalysisTemplate" || o.kind === "ClusterAnalysisTemplate")
      out.push(...templateArgDeclared(env, o));
  }
  return out;
}

function rolloutRefs(site: FindingSite, o: K8sObject, index: Index): Finding[] {
  const out: Finding[] = [];
  const ns = namespaceOf(o);
  const add = (path: string, rule: string, message: string, hint: string) =>
    out.push(finding(site, path, rule, message, hint));
  const ref = get(o, "spec", "workloadRef");
  if (isObj(ref)) {
    const kind = String(ref.kind ?? "Deployment");
    if (!index.has(kind, ns, String(ref.name)))
      add(
        "spec.workloadRef",
        "ref/rollout-workload",
        `workloadRef ${kind}/${String(ref.name)} is not rendered`,
        "render the referenced Deployment or fix workloadRef.name",
      );
  } else if (!isObj(get(o, "spec", "template"))) {
    add(
      "spec.template",
      "ref/rollout-workload",
      "Rollout has neither template nor workloadRef",
      "add spec.template (or spec.workloadRef)",
    );
  }
  const strategies: [string, string[]][] = [
    ["canary", ["canaryService", "stableService"]],
    ["blueGreen", ["activeService", "previewService"]],
  ];
  for (const [strategy, fields] of strategies) {
    for (const f of fields) {
      const name = get(o, "spec", "strategy", strategy, f);
      if (typeof name === "string" && !index.has("Service", ns, name))
        add(
          `spec.strategy.${strategy}.${f}`,
          "ref/rollout-service",
          `${f} "${name}" is not a rendered Service`,
          `add Service ${name} (selecting the Rollout's pods) or fix the name`,
        );
    }
  }
  // every place a Rollout names analysis templates
  const uses: { path: (string | number)[]; analysis: unknown }[] = [];
  const canary = get(o, "spec", "strategy", "canary");
  if (isObj(canary)) {
    uses.push({ path: ["spec", "strategy", "canary", "analysis"], analysis: canary.analysis });
    for (const [i, s] of list(canary.steps).entries()) {
      uses.push({
        path: ["spec", "strategy", "canary", "steps", i, "analysis"],
        analysis: get(s, "analysis"),
      });
    }
  }
  for (const f of ["prePromotionAnalysis", "postPromotionAnalysis"])
    uses.push({
      path: ["spec", "strategy", "blueGreen", f],
      analysis: get(o, "spec", "strategy", "blueGreen", f),
    });
  for (const use of uses) {
    if (!isObj(use.analysis)) continue;
    const provided = new Set(list(use.analysis.args).map((a) => String(get(a, "name"))));
    const needed = new Map<string, string>();
    list(use.analysis.templates).forEach((tpl, i) => {
      const name = String(get(tpl, "templateName") ?? get(tpl, "clusterTemplateName"));
      const cluster = get(tpl, "clusterScope") === true || get(tpl, "clusterTemplateName") !== undefined;
      const kind = cluster ? "ClusterAnalysisTemplate" : "AnalysisTemplate";
      const path = fieldPath([...use.path, "templates", i]);
      const template = cluster
        ? (index.find(kind, "default", name) ?? findAnyNs(index, kind, name))
        : index.find(kind, ns, name);
      if (!template) {
        add(
          path,
          "ref/analysis-template",
          `${kind} "${name}" is not rendered in this environment`,
          cluster
            ? "add the ClusterAnalysisTemplate to the environment's resources (e.g. rollouts/analysis) or fix templateName"
            : "add the AnalysisTemplate in the Rollout's namespace, or set clusterScope: true for a ClusterAnalysisTemplate",
        );
        return;
      }
      for (const arg of list(get(template, "spec", "args"))) {
        if (!isObj(arg)) continue;
        if (arg.value === undefined && arg.valueFrom === undefined)
          needed.set(String(arg.name), `${kind}/${name}`);
      }
    });
    for (const [arg, from] of needed) {
      if (!provided.has(arg))
        add(
          fieldPath([...use.path, "args"]),
          "ref/analysis-args",
          `arg "${arg}" needed by ${from} is not set (it has no default)`,
          `add {name: ${arg}, value: …} (or valueFrom) to the Rollout's analysis args`,
        );
    }
  }
  return out;
}

function findAnyNs(index: Index, kind: string, name: string): K8sObject | undefined {
  return index.objects.find((x) => x.kind === kind && x.metadata?.name === name);
}

function templateArgDeclared(env: string, o: K8sObject): Finding[] {
  const site: FindingSite = { env, object: objectRef(o) };
  const declared = new Set(list(get(o, "spec", "args")).map((a) => String(get(a, "name"))));
  const out: Finding[] = [];
  list(get(o, "spec", "metrics")).forEach((m, i) => {
    const query = get(m, "provider", "prometheus", "query");
    if (typeof query !== "string") return;
    for (const arg of templateArgsUsed(query)) {
      if (!declared.has(arg))
        out.push(
          finding(
            site,
            fieldPath(["spec", "metrics", i, "provider", "prometheus", "query"]),
            "ref/analysis-args",
            `query uses {{args.${arg}}} but spec.args does not declare "${arg}"`,
            `declare it under spec.args (name: ${arg})`,
          ),
        );
    }
  });
  return out;
}

function configRefs(site: FindingSite, t: PodTemplate, index: Index): Finding[] {
  const out: Finding[] = [];
  const ns = namespaceOf(t.object);
  const check = (
    kind: "ConfigMap" | "Secret",
    name: unknown,
    optional: unknown,
    path: (string | number)[],
  ) => {
    if (typeof name !== "string" || optional === true) return;
    const found =
      index.has(kind, ns, name) || (kind === "Secret" && index.externalSecrets.has(`${ns}/${name}`));
    if (found) return;
    const generated = index.objects.find(
      (x) =>
        x.kind === kind &&
        namespaceOf(x) === ns &&
        new RegExp(`^${escapeRe(name)}-[a-z0-9]{10}$`).test(x.metadata?.name),
    );
    out.push(
      finding(
        site,
        fieldPath([...t.specPath, ...path]),
        "ref/config",
        generated
          ? `${kind} "${name}" is rendered as "${generated.metadata.name}" (generator hash suffix) but this ${t.object.kind} still refers to "${name}"`
          : `${kind} "${name}" is not rendered${kind === "Secret" ? " nor produced by an ExternalSecret" : ""} in namespace ${ns}`,
        generated
          ? `kustomize did not rename the reference inside this ${t.object.kind}: teach it the kind's name references with a configurations: file (Argo Rollouts documents one for kustomize), or set generatorOptions.disableNameSuffixHash: true`
          : kind === "Secret"
            ? `add an ExternalSecret with target.name ${name}, or fix the name (or mark the reference optional)`
            : `add ConfigMap ${name}, or fix the name (or mark the reference optional)`,
      ),
    );
  };
  for (const c of containers(t)) {
    const rel = c.path.slice(t.specPath.length);
    list(c.container.env).forEach((e, i) => {
      const cm = get(e, "valueFrom", "configMapKeyRef");
      if (isObj(cm))
        check("ConfigMap", cm.name, cm.optional, [...rel, "env", i, "valueFrom", "configMapKeyRef", "name"]);
      const s = get(e, "valueFrom", "secretKeyRef");
      if (isObj(s))
        check("Secret", s.name, s.optional, [...rel, "env", i, "valueFrom", "secretKeyRef", "name"]);
    });
    list(c.container.envFrom).forEach((e, i) => {
      const cm = get(e, "configMapRef");
      if (isObj(cm)) check("ConfigMap", cm.name, cm.optional, [...rel, "envFrom", i, "configMapRef", "name"]);
      const s = get(e, "secretRef");
      if (isObj(s)) check("Secret", s.name, s.optional, [...rel, "envFrom", i, "secretRef", "name"]);
    });
  }
  list(t.spec.volumes).forEach((v, i) => {
    const cm = get(v, "configMap");
    if (isObj(cm)) check("ConfigMap", cm.name, cm.optional, ["volumes", i, "configMap", "name"]);
    const s = get(v, "secret");
    if (isObj(s)) check("Secret", s.secretName, s.optional, ["volumes", i, "secret", "secretName"]);
    list(get(v, "projected", "sources")).forEach((src, j) => {
      const pcm = get(src, "configMap");
      if (isObj(pcm))
        check("ConfigMap", pcm.name, pcm.optional, [
          "volumes",
          i,
          "projected",
          "sources",
          j,
          "configMap",
          "name",
        ]);
      const ps = get(src, "secret");
      if (isObj(ps))
        check("Secret", ps.name, ps.optional, ["volumes", i, "projected", "sources", j, "secret", "name"]);
    });
  });
  for (const [i, s] of list(t.spec.imagePullSecrets).entries()) {
    check("Secret", get(s, "name"), false, ["imagePullSecrets", i, "name"]);
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
