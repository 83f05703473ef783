// Argo CD as it syncs one Application: waves order the store, the ExternalSecrets and their
// consumers (health is awaited only between waves); the AppProject admits every kind and namespace;
// every ApplicationSet path exists.
import { describe, expect, it } from "vitest";
import { checkArgoCd } from "../../../pipeline/src/manifests/controllers/argo-cd.js";
import type { ClusterView } from "../../../pipeline/src/manifests/controllers/model.js";
import type { K8sObject } from "../../../pipeline/src/manifests/render.js";
import { edit, ROOT, syntheticView, TODAY, viewOf } from "./view.js";

describe("argo-cd/sync-wave (gitops-engine sync_tasks.go order, sync_context.go waits between waves)", () => {
  it.each(["dev", "staging", "production"])(
    "%s before the fix: redis-auth's consumers start before their Secret",
    async (env) => {
      const found = checkArgoCd(await viewOf(TODAY, env))
        .findings.filter((f) => f.rule === "argo-cd/sync-wave")
        .map((f) => [f.object, f.file]);
      expect(found).toEqual(
        expect.arrayContaining([
          ["ExternalSecret/redis-auth", "environments/base/redis/externalsecret.yaml"],
          ["StatefulSet/redis", "environments/base/redis/statefulset.yaml"],
          ["Rollout/a2a-server", "environments/base/a2a-server/rollout.yaml"],
          ["Rollout/vertex-ai-client", "environments/base/vertex-ai-client/rollout.yaml"],
          ["ExternalSecret/argo-rollouts-notification-secret", "rollouts/notifications/externalsecret.yaml"],
        ]),
      );
    },
  );

  it("the repository: store (-3) → ExternalSecrets (-2) → consumers (0), as docs/disaster-recovery.md step 4 says", async () => {
    for (const env of ["dev", "staging", "production"]) {
      const view = await viewOf(ROOT, env);
      expect(checkArgoCd(view).findings, env).toEqual([]);
      const wave = (kind: string, name: string) =>
        view.objects.find((o) => o.kind === kind && o.metadata.name === name)?.metadata.annotations?.[
          "argocd.argoproj.io/sync-wave"
        ];
      expect([
        wave("ClusterSecretStore", "gcp-secret-manager"),
        wave("ExternalSecret", "redis-auth"),
        wave("StatefulSet", "redis"),
      ]).toEqual(["-3", "-2", undefined]);
    }
  });
});

describe("AppProject and ApplicationSet", () => {
  it("a kind the AppProject does not list, or a namespace it does not admit, is a finding", async () => {
    const prod = await viewOf(ROOT, "production");
    const policy: K8sObject = {
      apiVersion: "scheduling.k8s.io/v1",
      kind: "PriorityClass",
      metadata: { name: "critical" },
    };
    const job: K8sObject = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "x", namespace: "kube-system" },
    };
    const view: ClusterView = { ...prod, objects: [...prod.objects, policy, job] };
    const found = checkArgoCd(view).findings.map((f) => [f.object, f.rule, f.path]);
    expect(found).toEqual(
      expect.arrayContaining([
        ["PriorityClass/critical", "argo-cd/project-kind", "kind"],
        ["Job/x", "argo-cd/project-kind", "kind"],
        ["Job/x", "argo-cd/project-destination", "metadata.namespace"],
      ]),
    );
  });

  it("an ApplicationSet source path that does not exist is a finding on the bootstrap", async () => {
    const prod = await viewOf(ROOT, "production");
    const appSet = prod.bootstrap?.find((o) => o.kind === "ApplicationSet") as K8sObject;
    const broken = edit(appSet, (a) => {
      (a.spec as { template: { spec: { sources: { path: string }[] } } }).template.spec.sources[1] = {
        ...(a.spec as { template: { spec: { sources: { path: string }[] } } }).template.spec.sources[1],
        path: "rollouts/notification",
      };
    });
    const view: ClusterView = { ...syntheticView([broken]), root: ROOT, isBootstrap: true };
    const found = checkArgoCd(view).findings;
    expect(found).toHaveLength(3);
    expect(found[0]).toMatchObject({
      rule: "argo-cd/applicationset-path",
      path: "spec.template.spec.sources[1].path",
    });
    expect(
      checkArgoCd({ ...syntheticView(prod.bootstrap ?? []), root: ROOT, isBootstrap: true }).findings,
    ).toEqual([]);
  });
});
