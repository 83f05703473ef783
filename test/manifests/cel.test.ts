// The CRDs' x-kubernetes-validations rules evaluated like the API server does. Cases come from the
// rules themselves as published upstream (kedacore/keda config/crd/bases/keda.sh_scaledobjects.yaml
// @8b4f083ca8c8: minReplicaCount ≤ maxReplicaCount, maxReplicaCount defaulting to 100 in the rule;
// external-secrets/external-secrets config/crds/bases/external-secrets.io_secretstores.yaml
// @cc5bfbc2234a: the provider one-of rules) and from the evaluation semantics of
// kubernetes/kubernetes apiextensions-apiserver pkg/apiserver/schema/cel/validation.go
// (Validator.validateExpressions: absent values skipped, evaluation errors refused).
import { describe, expect, it } from "vitest";
import { checkCelRules, evaluateRule } from "../../pipeline/src/manifests/cel.js";
import { CRD_RULES, rulesFor } from "../../pipeline/src/manifests/crd-rules.js";
import type { K8sObject } from "../../pipeline/src/manifests/render.js";

function scaledObject(spec: Record<string, unknown>): K8sObject {
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: { name: "api", namespace: "shop" },
    spec: {
      scaleTargetRef: { name: "api" },
      triggers: [{ type: "cpu", metadata: { value: "60" } }],
      ...spec,
    },
  };
}

describe("KEDA ScaledObject: minReplicaCount must be ≤ maxReplicaCount", () => {
  it("minReplicaCount 5 with maxReplicaCount 3 is a finding with KEDA's message and source", () => {
    expect(checkCelRules("dev", scaledObject({ minReplicaCount: 5, maxReplicaCount: 3 }))).toEqual([
      {
        env: "dev",
        object: "ScaledObject/api",
        path: "spec",
        rule: "crd/validation-rule",
        message: "minReplicaCount must be less than or equal to maxReplicaCount",
        hint: "change spec so that the ScaledObject CRD's rule `!has(self.minReplicaCount) || self.minReplicaCount <= (has(self.maxReplicaCount) ? self.maxReplicaCount : 100)` holds (from kedacore/keda config/crd/bases/keda.sh_scaledobjects.yaml@8b4f083ca8c8)",
      },
    ]);
  });

  it.each([
    [{ minReplicaCount: 3, maxReplicaCount: 3 }, 0],
    [{ minReplicaCount: 0, maxReplicaCount: 10 }, 0],
    [{ maxReplicaCount: 3 }, 0], // no minReplicaCount: nothing to compare
    [{}, 0],
    [{ minReplicaCount: 100 }, 0], // the rule compares with 100 when maxReplicaCount is absent
    [{ minReplicaCount: 101 }, 1],
    [{ minReplicaCount: 4, maxReplicaCount: 3 }, 1],
  ])("spec %j → %i findings", (spec, n) => {
    expect(checkCelRules("dev", scaledObject(spec))).toHaveLength(n);
  });

  it("does not apply to other versions or kinds", () => {
    const o = scaledObject({ minReplicaCount: 5, maxReplicaCount: 3 });
    expect(checkCelRules("dev", { ...o, apiVersion: "keda.sh/v1beta9" })).toEqual([]);
    expect(checkCelRules("dev", { ...o, kind: "ScaledJob" })).toEqual([]);
  });
});

describe("External Secrets store provider rules", () => {
  const store = (provider: Record<string, unknown>): K8sObject => ({
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: "store" },
    spec: { provider },
  });

  it("refuses a secretserver password with both value and secretRef, at that path", () => {
    const f = checkCelRules(
      "dev",
      store({
        secretserver: {
          serverURL: "https://s",
          username: { value: "u" },
          password: { value: "p", secretRef: { name: "s", key: "k" } },
        },
      }),
    );
    expect(f.map((x) => [x.path, x.message])).toEqual([
      ["spec.provider.secretserver.password", "exactly one of value or secretRef must be set"],
    ]);
    expect(f[0]?.hint).toContain(
      "external-secrets/external-secrets config/crds/bases/external-secrets.io_clustersecretstores.yaml",
    );
  });

  it("refuses a crd provider with neither auth nor authRef, and one with both", () => {
    expect(checkCelRules("dev", store({ crd: {} })).map((x) => x.message)).toEqual([
      "one of auth or authRef is required",
    ]);
    expect(checkCelRules("dev", store({ crd: { auth: {}, authRef: {} } })).map((x) => x.message)).toEqual([
      "at most one of the fields in [auth authRef] may be set",
    ]);
  });

  it("skips rules whose place is absent (the gcpsm provider the repository uses has none)", () => {
    expect(checkCelRules("dev", store({ gcpsm: { projectID: "p" } }))).toEqual([]);
  });
});

describe("the evaluator (@bufbuild/cel) with Kubernetes' value typing", () => {
  it("whole numbers are CEL int, others double, and they compare across types as in cel-go", () => {
    expect(evaluateRule("self == 3 && type(self) == int", 3)).toEqual({ ok: true });
    expect(evaluateRule("self == 1.5 && type(self) == double", 1.5)).toEqual({ ok: true });
    expect(evaluateRule("self.a <= 1.5", { a: 1 })).toEqual({ ok: true });
  });

  it("an evaluation error is a failure with the error (the API server refuses the object)", () => {
    const r = evaluateRule("self.missing > 0", {});
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.error).toMatch(/missing/);
  });

  it("a rule that does not compile is reported, not thrown", () => {
    const r = evaluateRule("self.((", {});
    expect(r.ok === false && r.error).toMatch(/does not compile/);
  });

  it("every vendored rule compiles and names a full upstream commit", () => {
    for (const rule of CRD_RULES) {
      expect(rule.source.commit).toMatch(/^[0-9a-f]{40}$/);
      const r = evaluateRule(rule.rule, {});
      expect(r.ok === false && r.error ? r.error : "", rule.rule).not.toMatch(/does not compile/);
    }
    expect(rulesFor("keda.sh/v1alpha1", "ScaledObject")).toHaveLength(1);
    expect(rulesFor("v1", "Service")).toEqual([]);
  });
});
