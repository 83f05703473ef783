import { describe, expect, it } from "vitest";
import { checkSchema, knownKinds } from "../../pipeline/src/manifests/schema.js";
import { deployment, service } from "./helpers.js";

describe("checkSchema", () => {
  it("accepts a valid core object, with int-or-string ports and free-form label maps", () => {
    const d = deployment();
    d.metadata.labels = { app: "web", "cost-center": "ai-services", "anything.example.com/x": "y" };
    expect(checkSchema("dev", d)).toEqual([]);
    expect(checkSchema("dev", service("web", { app: "web" }))).toEqual([]);
  });

  it("reports an unknown field with its full path, like kubeconform -strict", () => {
    const d = deployment();
    d.spec.template.spec.containers[0].resource = { limits: { cpu: "1" } };
    d.spec.strategyy = {};
    const found = checkSchema("dev", d);
    expect(found.map((f) => [f.rule, f.path]).sort()).toEqual([
      ["schema/unknown-field", "spec.strategyy"],
      ["schema/unknown-field", "spec.template.spec.containers[0].resource"],
    ]);
    expect(found.find((f) => f.path.endsWith("resource"))).toMatchObject({
      env: "dev",
      object: "Deployment/web",
      message: 'unknown field "resource" (not in the apps/v1 Deployment schema)',
    });
  });

  it("reports unknown fields in metadata but not inside annotations", () => {
    const d = deployment();
    (d.metadata as Record<string, unknown>).label = { a: "b" };
    d.metadata.annotations = { "free.example.com/anything": "x" };
    expect(checkSchema("dev", d).map((f) => f.path)).toEqual(["metadata.label"]);
  });

  it("reports type, enum and required violations at their field", () => {
    const d = deployment();
    d.spec.replicas = "two";
    d.spec.template.spec.containers[0].imagePullPolicy = "Sometimes";
    delete d.spec.template.spec.containers[0].name;
    const found = checkSchema("dev", d);
    expect(found.map((f) => [f.rule, f.path, f.message])).toEqual(
      expect.arrayContaining([
        ["schema/invalid", "spec.replicas", "must be of type integer"],
        [
          "schema/invalid",
          "spec.template.spec.containers[0].imagePullPolicy",
          'must be one of "Always", "IfNotPresent", "Never"',
        ],
        ["schema/invalid", "spec.template.spec.containers[0]", 'required field "name" is missing'],
      ]),
    );
  });

  it("validates CRDs strictly: Rollout, ServiceMonitor, ExternalSecret (v1 uses the v1beta1 schema)", () => {
    const rollout = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "api" },
      spec: {
        selector: { matchLabels: { app: "api" } },
        template: deployment("api").spec.template,
        strategy: { canary: { canaryService: "api-canary", stepz: [], steps: [{ setWeight: 20 }] } },
      },
    };
    expect(checkSchema("dev", rollout).map((f) => f.path)).toEqual(["spec.strategy.canary.stepz"]);
    const sm = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "api" },
      spec: { selector: { matchLabels: { app: "api" } }, endpoints: [{ port: "metrics", intervall: "30s" }] },
    };
    expect(checkSchema("dev", sm).map((f) => f.path)).toEqual(["spec.endpoints[0].intervall"]);
    const es = {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: "db" },
      spec: {
        secretStoreRef: { kind: "ClusterSecretStore", name: "gcp" },
        target: { name: "db" },
        data: [{ secretKey: "password", remoteRef: { key: "db-password" } }],
      },
    };
    expect(checkSchema("dev", es)).toEqual([]);
  });

  it("checks pod templates embedded in CRDs against the current core schema (native sidecars, resizePolicy)", () => {
    const template = deployment("api").spec.template;
    template.spec.initContainers = [
      { name: "proxy", image: "r.example.com/proxy:1", restartPolicy: "Always", resizePolicy: [] },
    ];
    template.spec.containers[0].livenessProbe.httpGett = {};
    const rollout = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "api" },
      spec: { selector: { matchLabels: { app: "api" } }, template, strategy: { canary: {} } },
    };
    expect(checkSchema("dev", rollout).map((f) => [f.path, f.message])).toEqual([
      [
        "spec.template.spec.containers[0].livenessProbe.httpGett",
        'unknown field "httpGett" (not in the core PodTemplateSpec schema)',
      ],
    ]);
    const analysis = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "AnalysisTemplate",
      metadata: { name: "smoke" },
      spec: {
        metrics: [
          {
            name: "ok",
            provider: { job: { spec: { backoffLimit: "x", template: { spec: { containers: [] } } } } },
          },
        ],
      },
    };
    expect(checkSchema("dev", analysis).map((f) => [f.path, f.message])).toEqual([
      ["spec.metrics[0].provider.job.spec.backoffLimit", "must be of type integer"],
    ]);
  });

  it("rejects a kind without schema unless allowed", () => {
    const widget = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: {} };
    const [f] = checkSchema("dev", widget);
    expect(f).toMatchObject({ rule: "schema/unknown-kind", message: "no schema for example.com/v1 Widget" });
    expect(f?.hint).toContain("--allow-kind example.com/v1/Widget");
    expect(checkSchema("dev", widget, { allowKinds: ["example.com/v1/Widget"] })).toEqual([]);
    expect(checkSchema("dev", widget, { allowKinds: ["Widget"] })).toEqual([]);
  });

  it("knows the kinds this repository uses", () => {
    const kinds = knownKinds();
    for (const k of [
      "argoproj.io/v1alpha1/Rollout",
      "argoproj.io/v1alpha1/ClusterAnalysisTemplate",
      "argoproj.io/v1alpha1/ApplicationSet",
      "argoproj.io/v1alpha1/AppProject",
      "monitoring.coreos.com/v1/PrometheusRule",
      "external-secrets.io/v1/ClusterSecretStore",
      "keda.sh/v1alpha1/ScaledObject",
      "cloud.google.com/v1/BackendConfig",
      "batch/v1/CronJob",
    ]) {
      expect(kinds).toContain(k);
    }
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {} };
    expect(checkSchema("dev", pod).map((f) => [f.rule, f.path, f.message])).toEqual([
      ["schema/invalid", "spec", 'required field "containers" is missing'],
    ]);
  });
});
