// Kubernetes joins by reference: a Service's named targetPort must be a container port name of the
// pods it selects (EndpointSlice FindPort); an HPA's scaleTargetRef group must serve the target kind.
import { describe, expect, it } from "vitest";
import { checkKubernetes } from "../../../pipeline/src/manifests/controllers/kubernetes.js";
import type { K8sObject } from "../../../pipeline/src/manifests/render.js";
import { ROOT, syntheticView, viewOf } from "./view.js";

const rollout: K8sObject = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "api", namespace: "apps" },
  spec: {
    template: {
      metadata: { labels: { app: "api" } },
      spec: { containers: [{ name: "api", ports: [{ name: "http", containerPort: 8080 }] }] },
    },
  },
};
const service = (targetPort: string | number): K8sObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "api", namespace: "apps" },
  spec: { selector: { app: "api" }, ports: [{ port: 80, targetPort }] },
});
const hpa = (apiVersion: string): K8sObject => ({
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "api", namespace: "apps" },
  spec: { scaleTargetRef: { apiVersion, kind: "Rollout", name: "api" } },
});
const rules = (objects: K8sObject[]) =>
  checkKubernetes(syntheticView(objects, { "Service/api": "apps/api/service.yaml" })).findings.map((f) => [
    f.rule,
    f.path,
    f.file,
  ]);

describe("kubernetes/*", () => {
  it("the repository has none", async () => {
    for (const env of ["dev", "staging", "production"])
      expect(checkKubernetes(await viewOf(ROOT, env)).findings, env).toEqual([]);
  });

  it("service-port: a named targetPort the selected pods lack is a finding with file and field", () => {
    expect(rules([rollout, service("http"), service(8080)])).toEqual([]);
    expect(rules([rollout, service("web")])).toEqual([
      ["kubernetes/service-port", "spec.ports[0].targetPort", "apps/api/service.yaml"],
    ]);
  });

  it("scale-target: the HPA must name the Rollout's API group", () => {
    expect(rules([rollout, hpa("argoproj.io/v1alpha1")])).toEqual([]);
    expect(rules([rollout, hpa("apps/v1")]).map((x) => x.slice(0, 2))).toEqual([
      ["kubernetes/scale-target", "spec.scaleTargetRef.apiVersion"],
    ]);
  });
});
