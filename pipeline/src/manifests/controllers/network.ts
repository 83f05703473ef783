// Kubernetes NetworkPolicy, as the network plugin enforces it, against the flows the services need.
// Facts encoded (kubernetes.io "Network Policies"; networking/v1 NetworkPolicySpec API docs):
// - A pod is isolated for ingress (egress) when any NetworkPolicy of its namespace selects it with
//   that direction in policyTypes (policyTypes defaults to Ingress, plus Egress when the policy has
//   egress rules). An isolated pod accepts (sends) a connection only if some selecting policy has a
//   rule whose peers match the other pod and whose ports match; policies are additive (a union).
//   A connection needs BOTH the source's egress and the destination's ingress to allow it.
// - Peers: `podSelector` alone = pods of the policy's namespace; `namespaceSelector` (with an
//   optional `podSelector`) = pods of the namespaces whose labels match (kubernetes.io/metadata.name
//   is set on every namespace); an empty `from`/`to` = everyone. `ipBlock` is meant for addresses
//   outside the cluster (whether it matches pod IPs is implementation-defined): it is not counted as
//   reaching a pod here. Ports: `port` is a number or a named container port of the destination pod,
//   protocol TCP by default, `endPort` a range; no `ports` = every port.
// The needed flows (the call graph) come from the services' configuration: a container's env value
// (set inline or through envFrom ConfigMaps) that is a URL or `host:port` naming a Service, or a
// `<X>_HOST` naming a Service with its `<X>_PORT`.
import { fieldPath } from "../findings.js";
import type { K8sObject } from "../render.js";
import {
  containers,
  get,
  isObj,
  type LabelSelector,
  list,
  namespaceOf,
  podTemplate,
  selects,
} from "../workloads.js";
import { type ClusterView, Reporter, type RuleResult } from "./model.js";

interface Pod {
  readonly object: K8sObject;
  readonly ns: string;
  readonly labels: Record<string, string>;
  /** container ports: number and name */
  readonly ports: readonly { readonly port: number; readonly name?: string; readonly protocol: string }[];
}

interface Flow {
  readonly from: Pod;
  readonly to: Pod;
  readonly port: number;
  /** where the configuration names it: field path in the source object */
  readonly at: string;
  readonly service: string;
}

function podsOf(view: ClusterView): Pod[] {
  const out: Pod[] = [];
  for (const o of view.objects) {
    const t = podTemplate(o);
    if (!t) continue;
    const ports = containers(t).flatMap((c) =>
      list(c.container.ports).map((p) => ({
        port: Number(get(p, "containerPort")),
        ...(typeof get(p, "name") === "string" ? { name: String(get(p, "name")) } : {}),
        protocol: String(get(p, "protocol") ?? "TCP"),
      })),
    );
    out.push({ object: o, ns: namespaceOf(o), labels: t.labels, ports });
  }
  return out;
}

function nsLabels(view: ClusterView, ns: string): Record<string, string> {
  const o = view.objects.find((x) => x.kind === "Namespace" && x.metadata?.name === ns);
  return { ...(o?.metadata?.labels ?? {}), "kubernetes.io/metadata.name": ns };
}

function peerMatches(view: ClusterView, policyNs: string, peer: unknown, other: Pod): boolean {
  if (!isObj(peer)) return false;
  if (isObj(peer.ipBlock)) return false;
  const podSel = isObj(peer.podSelector) ? (peer.podSelector as LabelSelector) : undefined;
  if (isObj(peer.namespaceSelector)) {
    if (!selects(peer.namespaceSelector as LabelSelector, nsLabels(view, other.ns))) return false;
    return podSel ? selects(podSel, other.labels) : true;
  }
  return other.ns === policyNs && (podSel ? selects(podSel, other.labels) : false);
}

function portMatches(rulePorts: unknown, dst: Pod, port: number): boolean {
  const ports = list(rulePorts);
  if (ports.length === 0) return true;
  return ports.some((p) => {
    if (String(get(p, "protocol") ?? "TCP") !== "TCP") return false;
    const v = get(p, "port");
    if (v === undefined) return true;
    const n = typeof v === "number" ? v : dst.ports.find((c) => c.name === v)?.port;
    if (n === undefined) return false;
    const end = get(p, "endPort");
    return typeof end === "number" ? port >= n && port <= end : port === n;
  });
}

function types(policy: K8sObject): string[] {
  const t = list(get(policy, "spec", "policyTypes")).map(String);
  if (t.length > 0) return t;
  return get(policy, "spec", "egress") !== undefined ? ["Ingress", "Egress"] : ["Ingress"];
}

/** The policies (and rule indexes) that let `src` reach `dst` on `port`; undefined when denied. */
export function allowedBy(
  view: ClusterView,
  src: Pod,
  dst: Pod,
  port: number,
): { egress: string[]; ingress: { policy: K8sObject; rule: number }[] } | undefined {
  const policies = view.objects.filter((o) => o.kind === "NetworkPolicy");
  const side = (pod: Pod, dir: "Egress" | "Ingress", other: Pod) => {
    const selecting = policies.filter(
      (p) =>
        namespaceOf(p) === pod.ns &&
        types(p).includes(dir) &&
        selects((get(p, "spec", "podSelector") ?? {}) as LabelSelector, pod.labels),
    );
    if (selecting.length === 0) return { isolated: false, by: [] as { policy: K8sObject; rule: number }[] };
    const by: { policy: K8sObject; rule: number }[] = [];
    for (const p of selecting) {
      list(get(p, "spec", dir === "Egress" ? "egress" : "ingress")).forEach((rule, i) => {
        const peers = list(get(rule, dir === "Egress" ? "to" : "from"));
        const peerOk =
          peers.length === 0 || peers.some((peer) => peerMatches(view, namespaceOf(p), peer, other));
        if (peerOk && portMatches(get(rule, "ports"), dst, port)) by.push({ policy: p, rule: i });
      });
    }
    return { isolated: true, by };
  };
  const e = side(src, "Egress", dst);
  const i = side(dst, "Ingress", src);
  if ((e.isolated && e.by.length === 0) || (i.isolated && i.by.length === 0)) return undefined;
  return { egress: e.by.map((b) => b.policy.metadata.name), ingress: i.by };
}

/** Flows the services' configuration asks for. */
export function neededFlows(view: ClusterView, pods: readonly Pod[]): Flow[] {
  const services = view.objects.filter((o) => o.kind === "Service");
  const configMaps = view.objects.filter((o) => o.kind === "ConfigMap");
  const out: Flow[] = [];
  for (const src of pods) {
    const t = podTemplate(src.object);
    if (!t) continue;
    for (const c of containers(t)) {
      const vars: { name: string; value: string; at: string }[] = [];
      list(c.container.envFrom).forEach((e, i) => {
        const cm = configMaps.find(
          (m) => m.metadata.name === get(e, "configMapRef", "name") && namespaceOf(m) === src.ns,
        );
        for (const [k, v] of Object.entries((get(cm, "data") ?? {}) as Record<string, string>))
          vars.push({ name: k, value: String(v), at: fieldPath([...c.path, "envFrom", i]) });
      });
      list(c.container.env).forEach((e, i) => {
        const v = get(e, "value");
        if (typeof v === "string")
          vars.push({
            name: String(get(e, "name")),
            value: v,
            at: fieldPath([...c.path, "env", i, "value"]),
          });
      });
      const byName = new Map(vars.map((v) => [v.name, v]));
      for (const v of vars) {
        let host: string | undefined;
        let port: number | undefined;
        const url = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#]+)(?::(\d+))?/i.exec(v.value);
        const hp = /^([a-z0-9.-]+):(\d+)$/i.exec(v.value);
        if (url) {
          host = url[1];
          port = url[2] ? Number(url[2]) : v.value.startsWith("https") ? 443 : 80;
        } else if (hp) {
          host = hp[1];
          port = Number(hp[2]);
        } else if (v.name.endsWith("_HOST")) {
          host = v.value;
          const p = byName.get(`${v.name.slice(0, -"_HOST".length)}_PORT`);
          port = p ? Number(p.value) : undefined;
        }
        if (!host || port === undefined) continue;
        const [svcName, svcNs] = host.split(".");
        const svc = services.find(
          (s) =>
            s.metadata.name === svcName && namespaceOf(s) === (svcNs && svcNs !== "svc" ? svcNs : src.ns),
        );
        if (!svc) continue;
        const sp = list(get(svc, "spec", "ports")).find((p) => Number(get(p, "port")) === port);
        if (!sp) continue;
        const selector = (get(svc, "spec", "selector") ?? {}) as Record<string, string>;
        for (const dst of pods) {
          if (dst.ns !== namespaceOf(svc) || !selects({ matchLabels: selector }, dst.labels)) continue;
          const target = get(sp, "targetPort") ?? port;
          const n = typeof target === "number" ? target : dst.ports.find((x) => x.name === target)?.port;
          if (n !== undefined)
            out.push({ from: src, to: dst, port: n, at: v.at, service: svc.metadata.name });
        }
      }
    }
  }
  return out;
}

const ref = (p: Pod) => `${p.object.kind}/${p.object.metadata.name}`;

export function checkNetwork(view: ClusterView): RuleResult {
  const r = new Reporter(view);
  if (view.isBootstrap || !view.objects.some((o) => o.kind === "NetworkPolicy")) return r.result;
  const pods = podsOf(view);
  const needed = neededFlows(view, pods);
  const key = (a: Pod, b: Pod, port: number) => `${ref(a)}>${ref(b)}:${port}`;
  const neededKeys = new Set(needed.map((f) => key(f.from, f.to, f.port)));
  for (const f of needed) {
    if (f.from === f.to) continue;
    if (!allowedBy(view, f.from, f.to, f.port))
      r.add(
        f.from.object,
        f.at,
        "network/needed-flow-denied",
        `this configuration calls Service ${f.service} (${ref(f.to)} port ${f.port}), but the NetworkPolicies deny it (egress of ${ref(f.from)} or ingress of ${ref(f.to)})`,
        `allow it: egress to app=${f.to.labels.app ?? "?"} on ${f.port} in ${ref(f.from)}'s policy and ingress from app=${f.from.labels.app ?? "?"} in ${ref(f.to)}'s`,
      );
  }
  // every flow between two pods of the cluster the policies allow must be in the call graph
  const reported = new Set<string>();
  for (const src of pods)
    for (const dst of pods) {
      if (src === dst || src.object.kind === "CronJob" || dst.object.kind === "CronJob") continue;
      for (const cp of dst.ports) {
        if (cp.protocol !== "TCP" || neededKeys.has(key(src, dst, cp.port))) continue;
        const by = allowedBy(view, src, dst, cp.port);
        if (!by) continue;
        const first = by.ingress[0];
        const policy =
          first?.policy ??
          view.objects.find((o) => o.kind === "NetworkPolicy" && by.egress.includes(o.metadata.name));
        const id = key(src, dst, cp.port);
        if (reported.has(id)) continue;
        reported.add(id);
        const what = `lets ${ref(src)} reach ${ref(dst)} on port ${cp.port}${cp.name ? ` (${cp.name})` : ""}, which no configuration of ${ref(src)} calls`;
        if (policy)
          r.add(
            policy,
            first ? fieldPath(["spec", "ingress", first.rule]) : "spec.egress",
            "network/flow-outside-call-graph",
            what,
            `narrow the rule to the callers the configuration names (or add the upstream to ${ref(src)}'s env if it is really needed)`,
          );
        else
          r.add(
            dst.object,
            "spec.template.metadata.labels",
            "network/flow-outside-call-graph",
            `no NetworkPolicy isolates these pods (neither ${ref(src)}'s egress nor this ingress): ${what}`,
            "select the pods with a policy (a namespace-wide default-deny, then allow the callers)",
          );
      }
    }
  return r.result;
}
