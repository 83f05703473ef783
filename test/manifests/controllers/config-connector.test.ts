// Config Connector and Workload Identity: an environment's IAM binding on another environment's
// project can never be applied by its Config Connector identity (and breaks their isolation); one on
// a project outside every environment is a note; Workload Identity binds the right KSA in the right pool.
import { describe, expect, it } from "vitest";
import { checkConfigConnector } from "../../../pipeline/src/manifests/controllers/config-connector.js";
import type { K8sObject } from "../../../pipeline/src/manifests/render.js";
import { ROOT, syntheticView, TODAY, viewOf } from "./view.js";

describe("config-connector/cross-project", () => {
  it("production before the fix sets IAM on staging's project: a finding with file and field", async () => {
    const { findings, notes } = checkConfigConnector(await viewOf(TODAY, "production"));
    expect(findings).toEqual([
      expect.objectContaining({
        object: "IAMPolicyMember/ngx-release-monitoring-viewer-staging",
        file: "environments/components/cloud-infrastructure/delivery/iampolicymember.yaml",
        path: "spec.resourceRef.external",
        rule: "config-connector/cross-project",
      }),
    ]);
    // the shared project's grants are outside Git: said, not passed silently
    expect(notes.map((n) => n.object)).toEqual([
      "IAMPolicyMember/ngx-release-monitoring-metric-writer",
      "IAMPolicyMember/ngx-release-monitoring-viewer",
    ]);
  });

  it("the repository: staging grants it on its own project (cloud-infrastructure/signals-reader); no environment sets IAM on another's", async () => {
    for (const env of ["dev", "staging", "production"])
      expect(checkConfigConnector(await viewOf(ROOT, env)).findings, env).toEqual([]);
    const staging = await viewOf(ROOT, "staging");
    expect(
      staging.objects.find(
        (o) => o.kind === "IAMPolicyMember" && o.metadata.name === "ngx-release-monitoring-viewer",
      )?.spec,
    ).toMatchObject({
      member: "serviceAccount:ngx-release@ngx-agents.iam.gserviceaccount.com",
      role: "roles/monitoring.viewer",
    });
  });
});

describe("config-connector/workload-identity", () => {
  const gsa: K8sObject = {
    apiVersion: "iam.cnrm.cloud.google.com/v1beta1",
    kind: "IAMServiceAccount",
    metadata: { name: "web" },
  };
  const ksa = (annotation: string): K8sObject => ({
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: {
      name: "web",
      namespace: "apps",
      annotations: { "iam.gke.io/gcp-service-account": annotation },
    },
  });
  const binding = (member: string): K8sObject => ({
    apiVersion: "iam.cnrm.cloud.google.com/v1beta1",
    kind: "IAMPolicyMember",
    metadata: { name: "web-wi" },
    spec: {
      member,
      role: "roles/iam.workloadIdentityUser",
      resourceRef: { kind: "IAMServiceAccount", name: "web" },
    },
  });
  const rules = (objects: K8sObject[]) =>
    checkConfigConnector(syntheticView(objects, {}, "p1")).findings.map((f) => [f.object, f.path]);

  it("passes the right pool and KSA; a wrong pool, a wrong KSA or a missing binding is a finding", () => {
    expect(
      rules([gsa, ksa("web@p1.iam.gserviceaccount.com"), binding("serviceAccount:p1.svc.id.goog[apps/web]")]),
    ).toEqual([]);
    expect(
      rules([gsa, ksa("web@p1.iam.gserviceaccount.com"), binding("serviceAccount:p2.svc.id.goog[apps/web]")]),
    ).toEqual([
      ["IAMPolicyMember/web-wi", "spec.member"],
      ["ServiceAccount/web", 'metadata.annotations["iam.gke.io/gcp-service-account"]'],
    ]);
    expect(
      rules([
        gsa,
        ksa("other@p1.iam.gserviceaccount.com"),
        binding("serviceAccount:p1.svc.id.goog[apps/web]"),
      ]),
    ).toEqual([
      ["IAMPolicyMember/web-wi", "spec.member"],
      ["ServiceAccount/web", 'metadata.annotations["iam.gke.io/gcp-service-account"]'],
    ]);
  });
});
