// The AnalysisRun's phase from its metrics' phases, as Argo Rollouts decides it: the worst one,
// with Failed worse than Error (utils/analysis/helpers.go analysisStatusOrder / IsWorse, used by
// analysis/analysis.go asssessRunStatus). Cases from utils/analysis/helpers_test.go TestIsWorst
// and TestWorst.
import { describe, expect, it } from "vitest";
import type { Verdict } from "../../pipeline/src/analysis/expression.js";
import { isWorse, type MetricOutcome, overallVerdict } from "../../pipeline/src/analysis/run.js";

const outcome = (verdict: Verdict, metric = "m"): MetricOutcome => ({
  rollout: "orchestrator",
  where: "background analysis",
  template: "ngx-error-rate",
  metric,
  provider: "prometheus",
  verdict,
});

describe("isWorse (utils/analysis/helpers_test.go TestIsWorst)", () => {
  it.each([
    ["Successful", "Successful", false],
    ["Successful", "Inconclusive", true],
    ["Successful", "Error", true],
    ["Successful", "Failed", true],
    ["Inconclusive", "Successful", false],
    ["Inconclusive", "Inconclusive", false],
    ["Inconclusive", "Error", true],
    ["Inconclusive", "Failed", true],
    ["Error", "Error", false],
    ["Error", "Successful", false],
    ["Error", "Inconclusive", false],
    ["Error", "Failed", true],
    ["Failed", "Successful", false],
    ["Failed", "Inconclusive", false],
    ["Failed", "Error", false],
    ["Failed", "Failed", false],
  ] as const)("IsWorse(%s, %s) = %s", (current, next, worse) => {
    expect(isWorse(current, next)).toBe(worse);
  });
});

describe("overallVerdict: the worst metric phase", () => {
  it("one Failed and one Error metric make a Failed run, in either order", () => {
    expect(overallVerdict([outcome("Failed", "a"), outcome("Error", "b")])).toBe("Failed");
    expect(overallVerdict([outcome("Error", "a"), outcome("Failed", "b")])).toBe("Failed");
  });

  it("TestWorst: Successful and Failed give Failed", () => {
    expect(overallVerdict([outcome("Successful"), outcome("Failed")])).toBe("Failed");
    expect(overallVerdict([outcome("Failed"), outcome("Successful")])).toBe("Failed");
  });

  it("Error beats Inconclusive, Inconclusive beats Successful, all Successful is Successful", () => {
    expect(overallVerdict([outcome("Inconclusive"), outcome("Error")])).toBe("Error");
    expect(overallVerdict([outcome("Successful"), outcome("Inconclusive")])).toBe("Inconclusive");
    expect(overallVerdict([outcome("Successful"), outcome("Successful")])).toBe("Successful");
  });
});
