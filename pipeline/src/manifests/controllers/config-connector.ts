// Config Connector and Workload Identity, as the controller and GKE consume the IAM objects.
// Facts encoded:
// - Config Connector (namespaced mode) acts as the Google SA of the namespace's
//   ConfigConnectorContext; an IAMPolicyMember changes the IAM policy of the resource it names
//   (`resourceRef`, e.g. `external: projects/<id>`), which needs resourcemanager.projects.setIamPolicy
//   on THAT project. This repository grants each environment's Config Connector identity IAM rights
//   on its own project (and production's on the shared project ngx-agents) in
//   docs/disaster-recovery.md step 1 — outside Git. A binding on another environment's project can
//   never be applied by this environment's identity (UpdateFailed, 403) and breaks the isolation of
//   the environments; one on a project outside every environment is a note.
// - GKE Workload Identity: a pod's Kubernetes SA `ns/ksa` acts as the Google SA named by its
//   `iam.gke.io/gcp-service-account` annotation only if that Google SA grants
//   roles/iam.workloadIdentityUser to `serviceAccount:<cluster project>.svc.id.goog[ns/ksa]`.
import { get, namespaceOf } from "../workloads.js";
import { type ClusterView, Reporter, type RuleResult } from "./model.js";

const IAM_KINDS = new Set(["IAMPolicyMember", "IAMPolicy", "IAMPartialPolicy", "IAMAuditConfig"]);

export function checkConfigConnector(view: ClusterView): RuleResult {
  const r = new Reporter(view);
  if (!view.project || view.isBootstrap) return r.result;
  const others = new Map(Object.entries(view.otherProjects ?? {}));
  for (const o of view.objects) {
    if (!IAM_KINDS.has(o.kind)) continue;
    const ref = get(o, "spec", "resourceRef");
    const external = String(get(ref, "external") ?? "");
    const m = get(ref, "kind") === "Project" ? /^(?:projects\/)?([a-z][a-z0-9-]+)$/.exec(external) : null;
    const target = m?.[1];
    if (!target || target === view.project) continue;
    const owner = [...others].find(([, p]) => p === target)?.[0];
    if (owner)
      r.add(
        o,
        "spec.resourceRef.external",
        "config-connector/cross-project",
        `sets IAM on projects/${target}, the project of environment ${owner}: ${view.env}'s Config Connector identity has no documented right there (docs/disaster-recovery.md step 1), so the binding never applies, and one environment must not change another's IAM`,
        `move the binding to environments/${owner} (its own Config Connector applies it; name the member by email), or document the grant`,
      );
    else
      r.note(
        o,
        "spec.resourceRef.external",
        "config-connector/cross-project",
        `sets IAM on projects/${target}, outside ${view.env}'s project: it applies only if ${view.env}'s Config Connector identity holds roles/resourcemanager.projectIamAdmin there, granted outside Git (docs/disaster-recovery.md step 1)`,
        "keep that grant in the documented setup",
      );
  }
  workloadIdentity(view, r);
  return r.result;
}

function workloadIdentity(view: ClusterView, r: Reporter): void {
  const gsas = new Set(
    view.objects.filter((o) => o.kind === "IAMServiceAccount").map((o) => o.metadata.name),
  );
  const bindings = view.objects.filter(
    (o) => o.kind === "IAMPolicyMember" && get(o, "spec", "role") === "roles/iam.workloadIdentityUser",
  );
  if (gsas.size === 0) return; // no Config Connector in this environment: nothing to compare
  for (const b of bindings) {
    const member = String(get(b, "spec", "member") ?? "");
    const m = /^serviceAccount:([a-z0-9-]+)\.svc\.id\.goog\[([^/]+)\/([^\]]+)\]$/.exec(member);
    if (!m) continue;
    const [, pool, ns, name] = m as unknown as [string, string, string, string];
    const gsa = String(get(b, "spec", "resourceRef", "name") ?? "");
    if (pool !== view.project)
      r.add(
        b,
        "spec.member",
        "config-connector/workload-identity",
        `the member's workload pool is ${pool}.svc.id.goog, but ${view.env}'s cluster is in project ${view.project}: no pod of this cluster can act as ${gsa}`,
        `use serviceAccount:${view.project}.svc.id.goog[${ns}/${name}]`,
      );
    const ksa = view.objects.find(
      (o) => o.kind === "ServiceAccount" && o.metadata?.name === name && namespaceOf(o) === ns,
    );
    const annotation = ksa?.metadata?.annotations?.["iam.gke.io/gcp-service-account"];
    if (!ksa || !annotation?.startsWith(`${gsa}@`))
      r.add(
        b,
        "spec.member",
        "config-connector/workload-identity",
        ksa
          ? `Kubernetes SA ${ns}/${name} is annotated ${annotation ?? "with no Google SA"}, not ${gsa}: the binding grants nothing the pods use`
          : `Kubernetes SA ${ns}/${name} is not rendered in this cluster`,
        `annotate ${ns}/${name} with iam.gke.io/gcp-service-account: ${gsa}@${view.project}.iam.gserviceaccount.com, or fix the binding`,
      );
  }
  for (const ksa of view.objects) {
    if (ksa.kind !== "ServiceAccount") continue;
    const email = ksa.metadata?.annotations?.["iam.gke.io/gcp-service-account"];
    const em = email && /^([a-z0-9-]+)@([a-z0-9-]+)\.iam\.gserviceaccount\.com$/.exec(email);
    if (!em || em[2] !== view.project) continue;
    const member = `serviceAccount:${view.project}.svc.id.goog[${namespaceOf(ksa)}/${ksa.metadata.name}]`;
    const bound = bindings.some(
      (b) => get(b, "spec", "member") === member && get(b, "spec", "resourceRef", "name") === em[1],
    );
    if (!gsas.has(em[1] as string) || !bound)
      r.add(
        ksa,
        'metadata.annotations["iam.gke.io/gcp-service-account"]',
        "config-connector/workload-identity",
        `${email} ${gsas.has(em[1] as string) ? "does not grant roles/iam.workloadIdentityUser to" : "is not created in Git (IAMServiceAccount) nor bound to"} ${member}: the pods get no Google credentials`,
        "add the IAMServiceAccount and its Workload Identity IAMPolicyMember (environments/components/cloud-infrastructure)",
      );
  }
}
