// Kubernetes controllers that join objects by reference (besides the ref/* cross-reference rules).
// Facts encoded:
// - EndpointSlice controller (kubernetes pkg/controller/endpointslice, `podutil.FindPort` in
//   pkg/api/v1/pod/util.go): a Service port whose `targetPort` is a NAME resolves to the container
//   port of that name on each selected pod; a pod without it gets no endpoint for that port, so the
//   Service sends that port's traffic nowhere. A numeric targetPort is used as is.
// - HorizontalPodAutoscaler controller (pkg/controller/podautoscaler): it reads the target through
//   the scale subresource of `scaleTargetRef.apiVersion`'s group and `kind`; a group that does not
//   serve that kind (e.g. apps/v1 for a Rollout) fails with "unable to get the target's current scale".
import { get, isObj, list, namespaceOf, podTemplate, selects } from "../workloads.js";
import { type ClusterView, groupOf, Reporter, type RuleResult } from "./model.js";

export function checkKubernetes(view: ClusterView): RuleResult {
  const r = new Reporter(view);
  const templates = view.objects.flatMap((o) => {
    const t = podTemplate(o);
    return t ? [t] : [];
  });
  for (const svc of view.objects) {
    if (svc.kind !== "Service") continue;
    const selector = get(svc, "spec", "selector");
    if (!isObj(selector) || Object.keys(selector).length === 0) continue;
    const pods = templates.filter(
      (t) =>
        namespaceOf(t.object) === namespaceOf(svc) &&
        selects({ matchLabels: selector as Record<string, string> }, t.labels),
    );
    if (pods.length === 0) continue; // ref/selector reports it
    list(get(svc, "spec", "ports")).forEach((p, i) => {
      const target = get(p, "targetPort");
      if (typeof target !== "string") return;
      const lacking = pods.filter(
        (t) =>
          !["containers", "initContainers"].some((f) =>
            list(t.spec[f]).some((c) => list(get(c, "ports")).some((cp) => get(cp, "name") === target)),
          ),
      );
      for (const t of lacking)
        r.add(
          svc,
          `spec.ports[${i}].targetPort`,
          "kubernetes/service-port",
          `targetPort "${target}" is not a named container port of ${t.object.kind}/${t.object.metadata.name}, which this Service selects: those pods get no endpoint for port ${String(get(p, "port"))}`,
          `name the container port "${target}" or point targetPort at an existing name or number`,
        );
    });
  }
  for (const hpa of view.objects) {
    if (hpa.kind !== "HorizontalPodAutoscaler") continue;
    const ref = get(hpa, "spec", "scaleTargetRef");
    if (!isObj(ref)) continue;
    const target = view.objects.find(
      (o) => o.kind === ref.kind && o.metadata?.name === ref.name && namespaceOf(o) === namespaceOf(hpa),
    );
    if (!target) continue; // ref/scale-target reports it
    const want = groupOf(target);
    const have = groupOf({ apiVersion: String(ref.apiVersion ?? "") });
    if (want !== have)
      r.add(
        hpa,
        "spec.scaleTargetRef.apiVersion",
        "kubernetes/scale-target",
        `scaleTargetRef names ${String(ref.kind)} in API group "${have}", but ${target.kind}/${target.metadata.name} is served by "${want}" (${target.apiVersion}): the HPA controller cannot read its scale subresource`,
        `set scaleTargetRef.apiVersion: ${target.apiVersion}`,
      );
  }
  return r.result;
}
