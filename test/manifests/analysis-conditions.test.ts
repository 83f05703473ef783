import { describe, expect, it } from "vitest";
import {
  checkAnalysisConditions,
  checkPauseDurations,
} from "../../pipeline/src/manifests/analysis-conditions.js";
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

// Argo Rollouts parses a metric's interval and initialDelay with Go's time.ParseDuration
// (utils/analysis/helpers.go ValidateMetric) and refuses a canary pause whose
// RolloutPause.DurationSeconds() is below 0 (pkg/apis/rollouts/validation
// ValidateRolloutStrategyCanary): digits are seconds, other strings are Go durations.
describe("durations Argo Rollouts reads with Go's grammar, in validate", () => {
  const withSchedule = (schedule: Record<string, unknown>): K8sObject => {
    const t = template("result[0] < 1");
    const metric = (t.spec as { metrics: Record<string, unknown>[] }).metrics[0] as Record<string, unknown>;
    Object.assign(metric, schedule);
    return t;
  };
  const rollout = (...durations: unknown[]): K8sObject => ({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "api" },
    spec: {
      strategy: {
        canary: { steps: durations.flatMap((d) => [{ setWeight: 20 }, { pause: { duration: d } }]) },
      },
    },
  });

  it("accepts Go durations Argo accepts: 1h30m, 1.5h, 300ms, 90s; a pause of digits or an int", () => {
    expect(
      checkAnalysisConditions("prod", withSchedule({ interval: "1m30s", initialDelay: "1.5m" })),
    ).toEqual([]);
    expect(checkAnalysisConditions("prod", withSchedule({ interval: "{{args.interval}}" }))).toEqual([]);
    expect(checkPauseDurations("prod", rollout("1h30m", "1.5h", "300ms", "90", 45, "0"))).toEqual([]);
    expect(
      checkPauseDurations("prod", {
        ...rollout(),
        spec: { strategy: { canary: { steps: [{ pause: {} }] } } },
      }),
    ).toEqual([]);
  });

  it("reports a metric interval or initialDelay that is not a Go duration", () => {
    const findings = checkAnalysisConditions(
      "prod",
      withSchedule({ interval: "1d", initialDelay: "2 minutes" }),
    );
    expect(findings.map((f) => [f.path, f.rule])).toEqual([
      ["spec.metrics[0].interval", "analysis/duration"],
      ["spec.metrics[0].initialDelay", "analysis/duration"],
    ]);
    expect(findings[0]?.message).toMatch(/^error-rate: "1d" is not a Go duration: unknown unit "d"/);
  });

  it("reports a pause Argo reads as below 0 (not a duration, or negative)", () => {
    const findings = checkPauseDurations("prod", rollout("1d", "-5s", -3, "30 minutes", "30m"));
    expect(findings.map((f) => f.path)).toEqual([
      "spec.strategy.canary.steps[1].pause.duration",
      "spec.strategy.canary.steps[3].pause.duration",
      "spec.strategy.canary.steps[5].pause.duration",
      "spec.strategy.canary.steps[7].pause.duration",
    ]);
    expect(findings[0]).toMatchObject({ object: "Rollout/api", rule: "rollout/pause-duration" });
    expect(findings[0]?.message).toMatch(/"1d" is not a Go duration: unknown unit "d".*InvalidSpec/);
    expect(findings[1]?.message).toMatch(/"-5s" is negative/);
  });

  it("is part of every environment's checks", () => {
    const rules = checkObjects({ name: "prod", requireDigests: false }, [
      withSchedule({ interval: "1d" }),
      rollout("1d"),
    ]).map((f) => f.rule);
    expect(rules).toContain("analysis/duration");
    expect(rules).toContain("rollout/pause-duration");
  });
});
