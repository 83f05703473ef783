// Argo CD, as it syncs one Application (every source together) and as the AppProject and the
// ApplicationSet allow it. Facts encoded:
// - Sync order (argoproj/gitops-engine pkg/sync/sync_tasks.go, `syncTasks.Less`): phase, then
//   sync wave, then kind — built-in kinds in the order of `kindOrder` (Namespace … ServiceAccount …
//   Deployment, StatefulSet …); kinds it does not list (custom resources: ExternalSecret,
//   ClusterSecretStore, Rollout) sort after them. pkg/sync/sync_context.go starts the next wave only
//   when every resource of the current one is healthy; inside one wave nothing waits for health.
//   So a Secret written by an ExternalSecret exists before its pods start only if the ExternalSecret
//   is in an EARLIER wave than the pods, and the store it needs in an earlier wave still.
// - AppProject (argo-cd pkg/apis/application/v1alpha1/app_project_types.go `IsGroupKindPermitted`,
//   `IsDestinationPermitted`): a cluster-scoped kind must match clusterResourceWhitelist (empty: none
//   allowed); a namespaced kind must match namespaceResourceWhitelist when it is set; each namespaced
//   object's namespace (the Application's destination namespace when it sets none) must match a
//   destination of the Application's cluster. Anything else fails the sync ("not permitted in project").
// - An ApplicationSet source path that does not exist makes the generated Application fail to
//   render (ComparisonError), so nothing of it syncs.
import { existsSync } from "node:fs";
import { fieldPath } from "../findings.js";
import type { K8sObject } from "../render.js";
import { containers, get, isObj, list, namespaceOf, podTemplate } from "../workloads.js";
import { storeOf, targetName } from "./external-secrets.js";
import { type ClusterView, groupOf, Reporter, type RuleResult, waveOf } from "./model.js";

const WAVE = 'metadata.annotations["argocd.argoproj.io/sync-wave"]';

/** Kinds the API server serves cluster-scoped (those this repository could render). */
export const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterSecretStore",
  "ClusterExternalSecret",
  "ClusterAnalysisTemplate",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "PriorityClass",
  "PersistentVolume",
  "IngressClass",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "MutatingAdmissionPolicy",
  "MutatingAdmissionPolicyBinding",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "APIService",
  "ClusterIssuer",
]);

function secretsUsed(o: K8sObject): Set<string> {
  const out = new Set<string>();
  const t = podTemplate(o);
  if (!t) return out;
  for (const c of containers(t)) {
    for (const e of list(c.container.env)) {
      const n = get(e, "valueFrom", "secretKeyRef", "name");
      if (typeof n === "string") out.add(n);
    }
    for (const e of list(c.container.envFrom)) {
      const n = get(e, "secretRef", "name");
      if (typeof n === "string") out.add(n);
    }
  }
  for (const v of list(t.spec.volumes)) {
    const n = get(v, "secret", "secretName");
    if (typeof n === "string") out.add(n);
    for (const s of list(get(v, "projected", "sources"))) {
      const pn = get(s, "secret", "name");
      if (typeof pn === "string") out.add(pn);
    }
  }
  return out;
}

function syncWaves(view: ClusterView, r: Reporter): void {
  const externalSecrets = view.objects.filter((o) => o.kind === "ExternalSecret");
  for (const es of externalSecrets) {
    const { store } = storeOf(view, es);
    if (store && waveOf(store) >= waveOf(es))
      r.add(
        es,
        WAVE,
        "argo-cd/sync-wave",
        `ExternalSecret is in wave ${waveOf(es)} and its ${store.kind} ${store.metadata.name} in wave ${waveOf(store)}: Argo CD applies the ExternalSecret before the store is healthy`,
        `put the store in an earlier wave than the ExternalSecret (e.g. store -3, ExternalSecret -2)`,
      );
    const target = targetName(es);
    for (const o of view.objects) {
      if (namespaceOf(o) !== namespaceOf(es) || !secretsUsed(o).has(target)) continue;
      if (waveOf(o) <= waveOf(es))
        r.add(
          o,
          WAVE,
          "argo-cd/sync-wave",
          `${o.kind} reads Secret ${target}, written by ExternalSecret ${es.metadata.name} in wave ${waveOf(es)}, but is in wave ${waveOf(o)}: within a wave Argo CD applies built-in kinds before custom resources and waits for health only between waves, so the pods start before the Secret exists`,
          `put ExternalSecret ${es.metadata.name} in an earlier wave than its consumers (e.g. -2, consumers 0)`,
        );
    }
  }
  // a store's own Kubernetes SA (Workload Identity) must exist when the store is validated
  for (const store of view.objects) {
    if (store.kind !== "ClusterSecretStore" && store.kind !== "SecretStore") continue;
    const ref = get(store, "spec", "provider", "gcpsm", "auth", "workloadIdentity", "serviceAccountRef");
    if (!isObj(ref)) continue;
    const ns = String(ref.namespace ?? namespaceOf(store));
    const ksa = view.objects.find(
      (o) => o.kind === "ServiceAccount" && o.metadata?.name === String(ref.name) && namespaceOf(o) === ns,
    );
    if (ksa && waveOf(ksa) > waveOf(store))
      r.add(
        ksa,
        WAVE,
        "argo-cd/sync-wave",
        `ServiceAccount is the identity of ${store.kind} ${store.metadata.name} (wave ${waveOf(store)}) but is in wave ${waveOf(ksa)}: the store cannot authenticate until it exists`,
        `put the ServiceAccount in the store's wave or earlier`,
      );
  }
}

function globMatch(pattern: unknown, value: string): boolean {
  const p = String(pattern ?? "");
  if (p === "*" || p === value) return true;
  if (!p.includes("*")) return false;
  return new RegExp(
    `^${p
      .split("*")
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  ).test(value);
}

function kindListed(entries: unknown[], group: string, kind: string): boolean {
  return entries.some((e) => globMatch(get(e, "group"), group) && globMatch(get(e, "kind"), kind));
}

interface Generated {
  readonly appSet: K8sObject;
  readonly cluster: string;
  readonly namespace: string;
  readonly project: string;
}

function generatedFor(bootstrap: readonly K8sObject[], env: string): Generated | undefined {
  for (const appSet of bootstrap) {
    if (appSet.kind !== "ApplicationSet") continue;
    for (const g of list(get(appSet, "spec", "generators")))
      for (const el of list(get(g, "list", "elements"))) {
        if (!isObj(el) || el.env !== env) continue;
        const sub = (v: unknown) =>
          String(v ?? "").replace(/\{\{\s*\.(\w+)\s*\}\}/g, (w, k: string) =>
            el[k] === undefined ? w : String(el[k]),
          );
        const spec = get(appSet, "spec", "template", "spec");
        return {
          appSet,
          cluster: sub(get(spec, "destination", "name") ?? get(spec, "destination", "server")),
          namespace: sub(get(spec, "destination", "namespace")),
          project: sub(get(spec, "project")),
        };
      }
  }
  return undefined;
}

function project(view: ClusterView, r: Reporter): void {
  const gen = generatedFor(view.bootstrap ?? [], view.env);
  if (!gen) return;
  const proj = (view.bootstrap ?? []).find(
    (o) => o.kind === "AppProject" && o.metadata?.name === gen.project,
  );
  if (!proj) {
    r.add(
      gen.appSet,
      "spec.template.spec.project",
      "argo-cd/project",
      `AppProject "${gen.project}" is not rendered by the bootstrap (kustomization.yaml): the Application for ${view.env} cannot sync`,
      "add the AppProject to rollouts/argocd or fix spec.template.spec.project",
    );
    return;
  }
  const destinations = list(get(proj, "spec", "destinations"));
  const clusterKinds = list(get(proj, "spec", "clusterResourceWhitelist"));
  const nsKinds = get(proj, "spec", "namespaceResourceWhitelist");
  const reported = new Set<string>();
  for (const o of view.objects) {
    const group = groupOf(o);
    const where = `${group || "core"}/${o.kind}`;
    if (CLUSTER_SCOPED.has(o.kind)) {
      if (!kindListed(clusterKinds, group, o.kind) && !reported.has(where)) {
        reported.add(where);
        r.add(
          o,
          "kind",
          "argo-cd/project-kind",
          `cluster-scoped ${where} is not in AppProject ${gen.project}'s clusterResourceWhitelist: Argo CD refuses to sync it ("not permitted in project")`,
          `add {group: "${group}", kind: ${o.kind}} to clusterResourceWhitelist in rollouts/argocd/appproject.yaml`,
        );
      }
      continue;
    }
    if (Array.isArray(nsKinds) && !kindListed(nsKinds, group, o.kind) && !reported.has(where)) {
      reported.add(where);
      r.add(
        o,
        "kind",
        "argo-cd/project-kind",
        `${where} is not in AppProject ${gen.project}'s namespaceResourceWhitelist: Argo CD refuses to sync it ("not permitted in project")`,
        `add {group: "${group}", kind: ${o.kind}} to namespaceResourceWhitelist in rollouts/argocd/appproject.yaml`,
      );
    }
    const ns = o.metadata?.namespace ?? gen.namespace;
    const ok = destinations.some(
      (d) =>
        (globMatch(get(d, "name"), gen.cluster) || globMatch(get(d, "server"), gen.cluster)) &&
        globMatch(get(d, "namespace"), ns),
    );
    if (!ok && !reported.has(`ns/${ns}`)) {
      reported.add(`ns/${ns}`);
      r.add(
        o,
        "metadata.namespace",
        "argo-cd/project-destination",
        `namespace ${ns} on cluster ${gen.cluster} is not a destination of AppProject ${gen.project}: Argo CD refuses to sync it`,
        `add {name: ${gen.cluster}, namespace: ${ns}} to the AppProject's destinations, or move the object`,
      );
    }
  }
}

/** Checks of the bootstrap itself: every generated Application's sources exist. */
function applicationSetPaths(view: ClusterView, r: Reporter, repoRoot: string): void {
  for (const appSet of view.objects) {
    if (appSet.kind !== "ApplicationSet") continue;
    const spec = get(appSet, "spec", "template", "spec");
    const sources = list(get(spec, "sources"));
    const all = sources.length > 0 ? sources : [get(spec, "source")];
    for (const g of list(get(appSet, "spec", "generators")))
      for (const el of list(get(g, "list", "elements"))) {
        if (!isObj(el)) continue;
        all.forEach((s, i) => {
          const raw = get(s, "path");
          if (typeof raw !== "string") return;
          const path = raw.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (w, k: string) =>
            el[k] === undefined ? w : String(el[k]),
          );
          if (!existsSync(`${repoRoot}/${path}/kustomization.yaml`))
            r.add(
              appSet,
              fieldPath([
                "spec",
                "template",
                "spec",
                sources.length > 0 ? "sources" : "source",
                ...(sources.length > 0 ? [i] : []),
                "path",
              ]),
              "argo-cd/applicationset-path",
              `source path ${path} (element ${JSON.stringify(el)}) has no kustomization.yaml in the repository: the generated Application fails to render and nothing of it syncs`,
              "create the folder or fix the path / the generator element",
            );
        });
      }
  }
}

export function checkArgoCd(view: ClusterView): RuleResult {
  const r = new Reporter(view);
  if (view.isBootstrap) {
    if (view.root) applicationSetPaths(view, r, view.root);
    return r.result;
  }
  syncWaves(view, r);
  project(view, r);
  return r.result;
}
