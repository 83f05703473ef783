import { describe, expect, it } from "vitest";
import { checkCrossReferences } from "../../pipeline/src/manifests/crossrefs.js";
import type { K8sObject } from "../../pipeline/src/manifests/render.js";
import { deployment, service } from "./helpers.js";

const refs = (objects: K8sObject[]) =>
  checkCrossReferences("dev", objects).map((f) => `${f.object} ${f.rule} ${f.path}: ${f.message}`);

function template(kind: string, name: string, args: { name: string; value?: string }[]): K8sObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind,
    metadata: kind === "AnalysisTemplate" ? { name, namespace: "shop" } : { name },
    spec: {
      args,
      metrics: [
        {
          name: "m",
          provider: {
            prometheus: {
              query: `sum(rate(x{${args.map((a) => `${a.name}="{{args.${a.name}}}"`).join(",")}}[5m]))`,
            },
          },
        },
      ],
    },
  };
}

function rollout(strategy: Record<string, unknown>): K8sObject {
  const d = deployment("api");
  return { ...d, apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", spec: { ...d.spec, strategy } };
}

describe("checkCrossReferences", () => {
  it("accepts selectors, services and templates that resolve", () => {
    const objects = [
      rollout({
        canary: {
          canaryService: "api-canary",
          analysis: {
            templates: [{ templateName: "error-rate", clusterScope: true }, { templateName: "smoke" }],
            args: [{ name: "service", value: "api" }],
          },
        },
      }),
      service("api", { app: "api" }),
      service("api-canary", { app: "api" }),
      template("ClusterAnalysisTemplate", "error-rate", [
        { name: "service" },
        { name: "namespace", value: "shop" },
      ]),
      template("AnalysisTemplate", "smoke", [{ name: "service" }]),
    ];
    expect(refs(objects)).toEqual([]);
  });

  it("reports selectors that select nothing (Service, PDB, NetworkPolicy, ServiceMonitor)", () => {
    const objects: K8sObject[] = [
      deployment("web"),
      service("web", { app: "webb" }),
      {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: "web", namespace: "shop" },
        spec: { selector: { matchExpressions: [{ key: "app", operator: "In", values: ["api"] }] } },
      },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "all", namespace: "shop" },
        spec: { podSelector: {} },
      },
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "web", namespace: "shop" },
        spec: { selector: { matchLabels: { app: "api" } }, endpoints: [] },
      },
    ];
    expect(refs(objects)).toEqual([
      "Service/web ref/selector spec.selector: Service selector {app=webb} selects no pod in namespace shop",
      "PodDisruptionBudget/web ref/selector spec.selector: PodDisruptionBudget selector {app In (api)} selects no pod in namespace shop",
      "ServiceMonitor/web ref/selector spec.selector: ServiceMonitor selector {app=api} selects no Service",
    ]);
  });

  it("reports a missing analysis template, args without default left unset, and undeclared query args", () => {
    const cat = template("ClusterAnalysisTemplate", "error-rate", [
      { name: "service" },
      { name: "canary-hash" },
    ]);
    (cat.spec as { args: unknown[] }).args.pop();
    const objects = [
      rollout({
        canary: {
          analysis: {
            templates: [{ templateName: "error-rate", clusterScope: true }, { templateName: "latency" }],
            args: [{ name: "other", value: "x" }],
          },
        },
      }),
      cat,
    ];
    expect(refs(objects)).toEqual([
      'Rollout/api ref/analysis-template spec.strategy.canary.analysis.templates[1]: AnalysisTemplate "latency" is not rendered in this environment',
      'Rollout/api ref/analysis-args spec.strategy.canary.analysis.args: arg "service" needed by ClusterAnalysisTemplate/error-rate is not set (it has no default)',
      'ClusterAnalysisTemplate/error-rate ref/analysis-args spec.metrics[0].provider.prometheus.query: query uses {{args.canary-hash}} but spec.args does not declare "canary-hash"',
    ]);
  });

  it("reports unresolved HPA targets, Rollout services and workloadRef", () => {
    const r = rollout({ canary: { canaryService: "api-canary", stableService: "api-stable" } });
    const withRef: K8sObject = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "ref", namespace: "shop" },
      spec: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "gone" } },
    };
    const hpa: K8sObject = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "api", namespace: "shop" },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" }, maxReplicas: 3 },
    };
    expect(refs([r, withRef, hpa, service("api-canary", { app: "api" })])).toEqual([
      'Rollout/api ref/rollout-service spec.strategy.canary.stableService: stableService "api-stable" is not a rendered Service',
      "Rollout/ref ref/rollout-workload spec.workloadRef: workloadRef Deployment/gone is not rendered",
      "HorizontalPodAutoscaler/api ref/scale-target spec.scaleTargetRef: scaleTargetRef Deployment/api is not rendered in namespace shop",
    ]);
  });

  it("resolves ConfigMaps and Secrets from rendered objects or ExternalSecret targets", () => {
    const d = deployment("web");
    const spec = d.spec.template.spec;
    spec.containers[0].envFrom = [
      { configMapRef: { name: "web-config" } },
      { secretRef: { name: "web-env" } },
    ];
    spec.containers[0].env = [
      { name: "A", valueFrom: { secretKeyRef: { name: "optional-one", key: "a", optional: true } } },
      { name: "B", valueFrom: { configMapKeyRef: { name: "flags", key: "b" } } },
    ];
    spec.volumes = [
      { name: "certs", secret: { secretName: "tls" } },
      { name: "all", projected: { sources: [{ configMap: { name: "ca" } }] } },
    ];
    const objects: K8sObject[] = [
      d,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config", namespace: "shop" } },
      {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name: "web-env-source", namespace: "shop" },
        spec: { target: { name: "web-env" } },
      },
      {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name: "tls", namespace: "shop" },
      },
    ];
    expect(refs(objects)).toEqual([
      'Deployment/web ref/config spec.template.spec.containers[0].env[1].valueFrom.configMapKeyRef.name: ConfigMap "flags" is not rendered in namespace shop',
      'Deployment/web ref/config spec.template.spec.volumes[1].projected.sources[0].configMap.name: ConfigMap "ca" is not rendered in namespace shop',
    ]);
  });
});
