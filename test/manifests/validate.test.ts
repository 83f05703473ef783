// Every rule against a small fixture overlay rendered by real kustomize: each overlay under
// test/fixtures/manifests/broken breaks the clean chain fixture in exactly one way.
import { describe, expect, it } from "vitest";
import { environmentByName, loadRepo } from "../../pipeline/src/config/load.js";
import { validateEnvironments } from "../../pipeline/src/manifests/validate.js";
import { BROKEN, CHAIN } from "./helpers.js";

const broken = loadRepo(BROKEN);

async function findingsOf(env: string) {
  const report = await validateEnvironments(broken, [environmentByName(broken, env)]);
  // the controller-model rules (rollouts/…, external-secrets/…) have their own suites in
  // test/manifests/controllers; each overlay here breaks one object-level rule
  return report.findings
    .filter(
      (f) => !/^(rollouts|external-secrets|argo-cd|notifications|network|config-connector)\//.test(f.rule),
    )
    .map((f) => ({ object: f.object, path: f.path, rule: f.rule, message: f.message }));
}

describe("validateEnvironments on fixture overlays", () => {
  it("passes the clean chain (dev, staging, production)", async () => {
    const repo = loadRepo(CHAIN);
    const report = await validateEnvironments(repo, []);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.environments.map((e) => [e.env, e.rendered, e.objects])).toEqual([
      ["dev", true, 12],
      ["staging", true, 12],
      ["production", true, 12],
    ]);
  });

  it.each([
    [
      "bad-schema",
      {
        object: "Rollout/api",
        path: "spec.replicas",
        rule: "schema/invalid",
        message: "must be of type integer",
      },
    ],
    [
      "missing-template",
      {
        object: "Rollout/api",
        path: "spec.strategy.canary.analysis.templates[0]",
        rule: "ref/analysis-template",
        message: 'ClusterAnalysisTemplate "error-ratio" is not rendered in this environment',
      },
    ],
    [
      "missing-args",
      {
        object: "Rollout/api",
        path: "spec.strategy.canary.analysis.args",
        rule: "ref/analysis-args",
        message:
          'arg "canary-hash" needed by ClusterAnalysisTemplate/error-rate is not set (it has no default)',
      },
    ],
    [
      "dangling-selector",
      {
        object: "Service/api-canary",
        path: "spec.selector",
        rule: "ref/selector",
        message: "Service selector {app=api-v2} selects no pod in namespace shop",
      },
    ],
    [
      "latest-tag",
      {
        object: "Rollout/api",
        path: "spec.template.spec.containers[0].image",
        rule: "policy/image-tag",
        message: 'container "api" image "registry.example.com/shop/api:latest" uses the :latest tag',
      },
    ],
    [
      "plain-secret",
      {
        object: "Secret/api-token",
        path: "stringData",
        rule: "policy/secret-data",
        message: "Secret carries stringData in Git (token)",
      },
    ],
    [
      "unknown-kind",
      {
        object: "Widget/gadget",
        path: "apiVersion",
        rule: "schema/unknown-kind",
        message: "no schema for example.com/v1 Widget",
      },
    ],
  ])("%s: exactly one finding", async (env, expected) => {
    expect(await findingsOf(env)).toEqual([expected]);
  });

  it("unknown-field: an unknown field in a CRD (Rollout) and in a core kind (Service)", async () => {
    expect((await findingsOf("unknown-field")).map((f) => [f.object, f.rule, f.path])).toEqual([
      ["Rollout/api", "schema/unknown-field", "spec.template.spec.containers[0].resource"],
      ["Service/api", "schema/unknown-field", "spec.portz"],
    ]);
  });

  it("privileged: privileged container and hostPath volume", async () => {
    expect((await findingsOf("privileged")).map((f) => [f.rule, f.path, f.message])).toEqual([
      [
        "policy/pod-security",
        "spec.template.spec.containers[0].securityContext.privileged",
        'container "api" is privileged',
      ],
      [
        "policy/pod-security",
        "spec.template.spec.volumes[1].hostPath",
        'volume "host" has type hostPath (host filesystem)',
      ],
    ]);
  });

  it("bad-promql: PrometheusRule expr and analysis query, with position", async () => {
    const found = await findingsOf("bad-promql");
    expect(found.map((f) => [f.object, f.rule, f.path])).toEqual([
      ["ClusterAnalysisTemplate/error-rate", "promql/syntax", "spec.metrics[0].provider.prometheus.query"],
      ["PrometheusRule/api", "promql/syntax", "spec.groups[0].rules[0].expr"],
    ]);
    expect(found[1]?.message).toBe("PromQL syntax error at line 1, column 52: unexpected end of expression");
  });

  it("missing-digest: tags where promotion.yaml requires digests", async () => {
    expect((await findingsOf("missing-digest")).map((f) => [f.object, f.rule])).toEqual([
      ["CronJob/cleanup", "policy/image-digest"],
      ["Rollout/api", "policy/image-digest"],
    ]);
  });

  it("missing-config, dangling-references, no-probes-resources", async () => {
    expect((await findingsOf("missing-config")).map((f) => f.message)).toEqual([
      'Secret "api-database" is not rendered nor produced by an ExternalSecret in namespace shop',
      'ConfigMap "api-settings" is not rendered in namespace shop',
    ]);
    expect((await findingsOf("dangling-references")).map((f) => f.rule)).toEqual([
      "ref/scale-target",
      "ref/rollout-service",
      "ref/selector",
    ]);
    expect((await findingsOf("no-probes-resources")).map((f) => f.message)).toEqual([
      'container "api" has no livenessProbe',
      'container "api" has no limits.cpu, limits.memory',
    ]);
  });

  it("generated-configmap: a generator-suffixed ConfigMap the Rollout template still names unsuffixed", async () => {
    expect(await findingsOf("generated-configmap")).toEqual([
      {
        object: "Rollout/api",
        path: "spec.template.spec.containers[0].envFrom[1].configMapRef.name",
        rule: "ref/config",
        message:
          'ConfigMap "api-flags" is rendered as "api-flags-f78mmf5m89" (generator hash suffix) but this Rollout still refers to "api-flags"',
      },
    ]);
  });

  it("render-fails: a render failure is a finding naming the overlay, other environments still checked", async () => {
    const report = await validateEnvironments(broken, [
      environmentByName(broken, "render-fails"),
      environmentByName(broken, "latest-tag"),
    ]);
    expect(report.environments.map((e) => [e.env, e.rendered])).toEqual([
      ["render-fails", false],
      ["latest-tag", true],
    ]);
    const [f] = report.environments[0]?.findings ?? [];
    expect(f).toMatchObject({ object: "(render)", rule: "render/failed", path: "environments/render-fails" });
    expect(f?.message).toContain("does-not-exist.yaml");
    expect(f?.message).not.toContain(BROKEN);
  });
});
