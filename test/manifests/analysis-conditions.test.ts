import { describe, expect, it } from "vitest";
import { checkAnalysisConditions } from "../../pipeline/src/manifests/analysis-conditions.js";
import type { K8sObject } from "../../pipeline/src/manifests/render.js";
import { checkObjects } from "../../pipeline/src/manifests/validate.js";

function template(successCondition: string, failureCondition?: string): K8sObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ClusterAnalysisTemplate",
    metadata: { name: "t" },
    spec: {
      metrics: [
        {
          name: "error-rate",
          successCondition,
          ...(failureCondition ? { failureCondition } : {}),
          provider: { prometheus: { address: "http://p:9090", query: "vector(1)" } },
        },
      ],
    },
  };
}

describe("analysis conditions in validate", () => {
  it("accepts the supported forms", () => {
    expect(
      checkAnalysisConditions(
        "prod",
        template("len(result) > 0 && result[0] >= 0 && result[0] <= 0.05", "result[0] > 0.05"),
      ),
    ).toEqual([]);
  });

  it("reports an unsupported construct with the field path and rule", () => {
    const findings = checkAnalysisConditions("prod", template("result[0] < 0.05 and result[0] >= 0"));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      env: "prod",
      object: "ClusterAnalysisTemplate/t",
      path: "spec.metrics[0].successCondition",
      rule: "analysis/unsupported-condition",
    });
    expect(findings[0]?.message).toMatch(/^error-rate: /);
  });

  it("is part of every environment's checks", () => {
    const findings = checkObjects({ name: "prod", requireDigests: false }, [
      template("all(result, {# < 1})"),
    ]);
    expect(findings.map((f) => f.rule)).toContain("analysis/unsupported-condition");
  });

  it("ignores other kinds", () => {
    expect(
      checkAnalysisConditions("prod", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }),
    ).toEqual([]);
  });
});
