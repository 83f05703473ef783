import { describe, expect, it } from "vitest";
import {
  checkAnalysisExpression,
  ExpressionError,
  evaluateCondition,
  measurementVerdict,
} from "../../pipeline/src/analysis/expression.js";

describe("checkAnalysisExpression", () => {
  it.each([
    "result[0] >= 0 && result[0] <= {{args.max-error-ratio}}",
    "result[0] > 0.05",
    "len(result) == 1 && !isNaN(result[0]) && !isInf(result[-1])",
    "result < 2 || result == 3",
    "(result[0] * 100) / 2 != -1",
    "true",
  ])("accepts %s", (expr) => {
    expect(checkAnalysisExpression(expr)).toEqual([]);
  });

  it.each([
    ["result[0] > 1 and result[0] < 2", /several expressions side by side/],
    ["result[0] % 2 == 0", /unsupported operator %/],
    ['result[0] == "ok"', /unsupported literal "ok"/],
    ["asInt(result[0]) > 1", /unsupported function asInt/],
    ["result.value > 1", /property access with a dot/],
    ["result[i] > 1", /index must be an integer literal/],
    ["foo > 1", /unknown name "foo"/],
    ["result[0] > 1 ? true : false", /ternary/],
    ["result[0] >", /cannot parse/],
    ["result[0] in [1, 2]", /unsupported|cannot parse/],
    ["", /empty/],
  ])("rejects %s", (expr, message) => {
    const problems = checkAnalysisExpression(expr);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join("\n")).toMatch(message);
  });
});

describe("evaluateCondition (Argo Rollouts semantics)", () => {
  it("indexes vectors and compares numbers", () => {
    expect(evaluateCondition("result[0] <= 0.05", [0.01])).toBe(true);
    expect(evaluateCondition("result[0] <= 0.05", [0.1])).toBe(false);
    expect(evaluateCondition("result[-1] > 1", [0, 2])).toBe(true);
    expect(evaluateCondition("result > 1", 2)).toBe(true);
    expect(evaluateCondition("len(result) == 2", [1, 2])).toBe(true);
  });

  it("makes every comparison with NaN false", () => {
    expect(evaluateCondition("result[0] <= 0.05", [Number.NaN])).toBe(false);
    expect(evaluateCondition("result[0] > 0.05", [Number.NaN])).toBe(false);
    expect(evaluateCondition("isNaN(result[0])", [Number.NaN])).toBe(true);
    expect(evaluateCondition("isInf(result[0])", [Number.POSITIVE_INFINITY])).toBe(true);
  });

  it("short-circuits && and ||", () => {
    expect(evaluateCondition("len(result) > 5 && result[4] > 1", [1])).toBe(false);
    expect(evaluateCondition("len(result) == 1 || result[4] > 1", [1])).toBe(true);
  });

  it("errors like Argo Rollouts: empty result indexed, out of range, type mismatch, non-bool", () => {
    expect(() => evaluateCondition("len(result) > 0 && result[0] > 1", [])).toThrow(/empty/);
    expect(() => evaluateCondition("result[1] > 1", [1])).toThrow(/index out of range/);
    expect(() => evaluateCondition("result > 1", [1])).toThrow(ExpressionError);
    expect(() => evaluateCondition("result[0]", [1])).toThrow(/expected a bool/);
    expect(() => evaluateCondition("result[0] > {{args.max}}", [1])).toThrow(/unresolved argument/);
    expect(() => evaluateCondition("result[0] > 1 and true", [1])).toThrow(/several expressions/);
  });
});

describe("measurementVerdict", () => {
  const ok = "result[0] >= 0 && result[0] <= 0.05";
  const bad = "result[0] > 0.05";
  it.each([
    [[0.01], "Successful"],
    [[0.1], "Failed"],
    [[-1], "Inconclusive"],
    [[Number.NaN], "Inconclusive"],
    [[], "Error"],
  ] as const)("%j → %s with both conditions", (value, verdict) => {
    expect(measurementVerdict(value, ok, bad).verdict).toBe(verdict);
  });

  it("follows Argo when only one condition is set", () => {
    expect(measurementVerdict([Number.NaN], ok, undefined).verdict).toBe("Failed");
    expect(measurementVerdict([Number.NaN], undefined, bad).verdict).toBe("Successful");
    expect(measurementVerdict([1], undefined, undefined).verdict).toBe("Successful");
  });
});
