// External Secrets, as its controller consumes an ExternalSecret with the store it names and the
// pods with the Secret it writes. Facts encoded (external-secrets/external-secrets):
// - pkg/controllers/secretstore/client_manager.go `getStore`: `secretStoreRef.kind` ClusterSecretStore
//   is looked up by name cluster-wide, anything else as a SecretStore in the ExternalSecret's own
//   namespace; `shouldProcessSecret`: a ClusterSecretStore with `conditions` serves a namespace only
//   when one condition admits it — `namespaceSelector` or `namespaces` (matched as the label
//   kubernetes.io/metadata.name) or `namespaceRegexes` (Go regexp, unanchored); otherwise "using
//   cluster store … is not allowed from namespace …: denied by spec.condition", the ExternalSecret
//   stays Ready=False (Argo CD shows it Degraded) and no Secret is written.
// - The Secret's keys are the `data[].secretKey`s, or, with `target.template`, the template's
//   `data` keys (mergePolicy Replace, the default); a template reads the fetched values by their
//   secretKey (`{{ .password }}`).
import { fieldPath } from "../findings.js";
import type { K8sObject } from "../render.js";
import { containers, get, isObj, list, namespaceOf, podTemplate, selects } from "../workloads.js";
import { type ClusterView, Reporter, type RuleResult } from "./model.js";

export function storeOf(view: ClusterView, es: K8sObject): { kind: string; name: string; store?: K8sObject } {
  const kind = String(get(es, "spec", "secretStoreRef", "kind") ?? "SecretStore");
  const name = String(get(es, "spec", "secretStoreRef", "name") ?? "");
  const store = view.objects.find(
    (o) =>
      o.kind === kind &&
      o.metadata?.name === name &&
      (kind === "ClusterSecretStore" || namespaceOf(o) === namespaceOf(es)),
  );
  return { kind, name, ...(store ? { store } : {}) };
}

/** The labels of a namespace as the API server has them (kubernetes.io/metadata.name is automatic). */
function namespaceLabels(view: ClusterView, ns: string): Record<string, string> {
  const obj = view.objects.find((o) => o.kind === "Namespace" && o.metadata?.name === ns);
  return { ...(obj?.metadata?.labels ?? {}), "kubernetes.io/metadata.name": ns };
}

/** shouldProcessSecret: does this ClusterSecretStore serve namespace `ns`? */
export function storeAdmits(view: ClusterView, store: K8sObject, ns: string): boolean {
  const conditions = list(get(store, "spec", "conditions"));
  if (conditions.length === 0) return true;
  const labels = namespaceLabels(view, ns);
  return conditions.some((c) => {
    const sel = get(c, "namespaceSelector");
    if (isObj(sel) && selects(sel, labels)) return true;
    if (
      list(get(c, "namespaces")).some((n) =>
        selects({ matchLabels: { "kubernetes.io/metadata.name": String(n) } }, labels),
      )
    )
      return true;
    return list(get(c, "namespaceRegexes")).some((re) => {
      try {
        return new RegExp(String(re)).test(ns);
      } catch {
        return false;
      }
    });
  });
}

/** The keys of the Secret an ExternalSecret writes; undefined when dataFrom makes them unknowable. */
export function secretKeys(es: K8sObject): Set<string> | undefined {
  const template = get(es, "spec", "target", "template");
  if (isObj(template) && isObj(template.data) && (template.mergePolicy ?? "Replace") === "Replace")
    return new Set(Object.keys(template.data));
  if (list(get(es, "spec", "dataFrom")).length > 0) return undefined;
  return new Set(list(get(es, "spec", "data")).map((d) => String(get(d, "secretKey"))));
}

export function targetName(es: K8sObject): string {
  return String(get(es, "spec", "target", "name") ?? es.metadata.name);
}

export function checkExternalSecrets(view: ClusterView): RuleResult {
  const r = new Reporter(view);
  const externalSecrets = view.objects.filter((o) => o.kind === "ExternalSecret");
  for (const es of externalSecrets) {
    const ns = namespaceOf(es);
    const { kind, name, store } = storeOf(view, es);
    const other = store
      ? undefined
      : view.objects.find(
          (o) => (o.kind === "ClusterSecretStore" || o.kind === "SecretStore") && o.metadata?.name === name,
        );
    if (!store && !other) {
      // nothing of that name in Git for this cluster: it may be installed outside this repository
      r.note(
        es,
        "spec.secretStoreRef",
        "external-secrets/store-missing",
        `${kind} "${name}" is not rendered for this cluster; it must exist there (installed outside this repository)${kind === "ClusterSecretStore" ? ` and its conditions must admit namespace ${ns}` : ` in namespace ${ns}`} — validate cannot tell`,
        "render the store with the cluster's sources so validate can check it",
      );
    } else if (!store && other) {
      r.add(
        es,
        "spec.secretStoreRef",
        "external-secrets/store-missing",
        `${kind} "${name}" is not rendered for this cluster${kind === "SecretStore" ? ` in namespace ${ns}` : ""} (a ${other.kind} of that name is, in ${namespaceOf(other)}): External Secrets cannot fetch it`,
        kind === "SecretStore"
          ? "a SecretStore serves only its own namespace: add one there, or name a ClusterSecretStore (kind: ClusterSecretStore)"
          : "add the ClusterSecretStore to the sources of this cluster, or fix the name",
      );
    } else if (store && kind === "ClusterSecretStore" && !storeAdmits(view, store, ns)) {
      r.add(
        es,
        "spec.secretStoreRef",
        "external-secrets/store-condition",
        `ClusterSecretStore "${name}" does not admit namespace ${ns} (spec.conditions): External Secrets refuses it ("denied by spec.condition"), the Secret is never written and the ExternalSecret stays Ready=False (Degraded in Argo CD)`,
        `use a store whose conditions list namespace ${ns} (one store per audience keeps each secret readable only where it is used), or add ${ns} to ${name}'s conditions`,
      );
    }
    // a template reads only the values the ExternalSecret fetches
    const fetched = new Set(list(get(es, "spec", "data")).map((d) => String(get(d, "secretKey"))));
    const tdata = get(es, "spec", "target", "template", "data");
    if (isObj(tdata) && list(get(es, "spec", "dataFrom")).length === 0) {
      for (const [key, text] of Object.entries(tdata)) {
        for (const m of String(text).matchAll(/\{\{\s*\.([\w-]+)/g)) {
          if (!fetched.has(m[1] as string))
            r.add(
              es,
              fieldPath(["spec", "target", "template", "data", key]),
              "external-secrets/template-key",
              `the template reads .${m[1]}, which no data[].secretKey fetches (fetched: ${[...fetched].join(", ") || "none"})`,
              `add {secretKey: ${m[1]}, remoteRef: …} to spec.data, or fix the name`,
            );
        }
      }
    }
  }
  // pods read keys the Secret will have
  for (const o of view.objects) {
    const t = podTemplate(o);
    if (!t) continue;
    for (const c of containers(t)) {
      list(c.container.env).forEach((e, i) => {
        const ref = get(e, "valueFrom", "secretKeyRef");
        if (!isObj(ref) || ref.optional === true) return;
        const es = externalSecrets.find(
          (x) => namespaceOf(x) === namespaceOf(o) && targetName(x) === String(ref.name),
        );
        const keys = es && secretKeys(es);
        if (keys && !keys.has(String(ref.key)))
          r.add(
            o,
            fieldPath([...c.path, "env", i, "valueFrom", "secretKeyRef", "key"]),
            "external-secrets/secret-key",
            `Secret ${String(ref.name)} (written by ExternalSecret ${es?.metadata.name}) will have keys ${[...keys].join(", ")}, not "${String(ref.key)}": the container does not start (CreateContainerConfigError)`,
            "use one of those keys, or add it to the ExternalSecret",
          );
      });
    }
  }
  secretAccess(view, r, externalSecrets);
  return r.result;
}

/** The Google SA name a store authenticates as (its Kubernetes SA's iam.gke.io annotation). */
function storeIdentity(view: ClusterView, store: K8sObject): { ksa?: K8sObject; gsa?: string } {
  const ref = get(store, "spec", "provider", "gcpsm", "auth", "workloadIdentity", "serviceAccountRef");
  if (!isObj(ref)) return {};
  const ns = String(ref.namespace ?? namespaceOf(store));
  const ksa = view.objects.find(
    (o) => o.kind === "ServiceAccount" && o.metadata?.name === String(ref.name) && namespaceOf(o) === ns,
  );
  const email = ksa?.metadata?.annotations?.["iam.gke.io/gcp-service-account"];
  return { ...(ksa ? { ksa } : {}), ...(email ? { gsa: email } : {}) };
}

/** Secret Manager secrets a Google SA may read, from the IAMPolicyMembers rendered in Git. */
function readableBy(view: ClusterView, gsaEmail: string): Set<string> {
  const name = gsaEmail.split("@")[0];
  const out = new Set<string>();
  for (const m of view.objects) {
    if (m.kind !== "IAMPolicyMember" || get(m, "spec", "role") !== "roles/secretmanager.secretAccessor")
      continue;
    if (get(m, "spec", "resourceRef", "kind") !== "SecretManagerSecret") continue;
    const member =
      get(m, "spec", "memberFrom", "serviceAccountRef", "name") ??
      String(get(m, "spec", "member") ?? "").replace(/^serviceAccount:([^@]+)@.*$/, "$1");
    if (member === name) out.add(String(get(m, "spec", "resourceRef", "name")));
  }
  return out;
}

/**
 * Each secret readable only where it is used: the store's Google SA must be able to read every key
 * its ExternalSecrets fetch (Secret Manager refuses the rest: the ExternalSecret errors), and no
 * namespace the store admits may reach a secret nobody there uses. Judged only when the store's
 * grants are in Git (Config Connector); otherwise a note.
 */
function secretAccess(view: ClusterView, r: Reporter, externalSecrets: K8sObject[]): void {
  const rendered = new Set(
    view.objects.filter((o) => o.kind === "SecretManagerSecret").map((o) => o.metadata.name),
  );
  for (const store of view.objects) {
    if (store.kind !== "ClusterSecretStore" && store.kind !== "SecretStore") continue;
    if (!isObj(get(store, "spec", "provider", "gcpsm"))) continue;
    const { ksa, gsa } = storeIdentity(view, store);
    // the ExternalSecrets the store actually serves (a refused one is reported by store-condition)
    const users = externalSecrets.filter(
      (es) =>
        storeOf(view, es).store === store &&
        (store.kind !== "ClusterSecretStore" || storeAdmits(view, store, namespaceOf(es))),
    );
    const fetched = (es: K8sObject) =>
      list(get(es, "spec", "data")).map((d) => String(get(d, "remoteRef", "key")));
    if (!ksa || !gsa) {
      r.add(
        store,
        "spec.provider.gcpsm.auth.workloadIdentity.serviceAccountRef",
        "external-secrets/store-identity",
        ksa
          ? `ServiceAccount ${ksa.metadata.name} has no iam.gke.io/gcp-service-account annotation: the store has no Google identity`
          : "the Kubernetes SA this store authenticates as is not rendered for this cluster",
        "render the ServiceAccount (annotated with its Google SA) next to the store",
      );
      continue;
    }
    const grants = readableBy(view, gsa);
    const keys = new Set(users.flatMap(fetched));
    if (grants.size === 0) {
      if (keys.size > 0)
        r.note(
          store,
          "spec.provider.gcpsm",
          "external-secrets/secret-access",
          `Google SA ${gsa} must be able to read ${[...keys].join(", ")}; no grant for it is in Git (Config Connector), so validate cannot tell`,
          "grant roles/secretmanager.secretAccessor on exactly these secrets (see rollouts/README.md, Notification tokens)",
        );
      continue;
    }
    for (const es of users)
      list(get(es, "spec", "data")).forEach((d, i) => {
        const key = String(get(d, "remoteRef", "key"));
        if (!grants.has(key))
          r.add(
            es,
            fieldPath(["spec", "data", i, "remoteRef", "key"]),
            "external-secrets/secret-access",
            `${store.kind} ${store.metadata.name} reads as Google SA ${gsa}, which has no roles/secretmanager.secretAccessor on "${key}"${rendered.has(key) ? "" : " (and no SecretManagerSecret of that name is rendered)"}: Secret Manager refuses, the Secret is never written`,
            "grant the store's Google SA access to this secret (iampolicymember.yaml), or use the store whose identity reads it",
          );
      });
    for (const secret of grants) {
      if (keys.has(secret)) continue;
      r.addIfComplete(
        store,
        "spec.provider.gcpsm.auth.workloadIdentity.serviceAccountRef",
        "external-secrets/least-privilege",
        `Google SA ${gsa} of this store can read "${secret}", which no ExternalSecret using the store fetches: any ExternalSecret in the namespaces the store admits could read it`,
        `give "${secret}" its own store and Google SA, admitted only where it is used`,
      );
    }
  }
}
