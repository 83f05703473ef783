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

  it("errors like Argo Rollouts: out of range when evaluated, type mismatch, non-bool", () => {
    expect(() => evaluateCondition("result[0] > 1", [])).toThrow(/index out of range: 0 \(len 0\)/);
    expect(() => evaluateCondition("result[1] > 1", [1])).toThrow(/index out of range/);
    expect(() => evaluateCondition("result > 1", [1])).toThrow(ExpressionError);
    expect(() => evaluateCondition("result[0]", [1])).toThrow(/expected a bool/);
    expect(() => evaluateCondition("result[0] > {{args.max}}", [1])).toThrow(/unresolved argument/);
    expect(() => evaluateCondition("result[0] > 1 and true", [1])).toThrow(/several expressions/);
  });
});

// An empty Prometheus vector reaches the conditions as an empty list (argo-rollouts
// metricproviders/prometheus/prometheus.go processResponse); expr-lang short-circuits && and ||
// (compiler/compiler.go BinaryNode: OpJumpIfFalse / OpJumpIfTrue before the right operand) and
// raises "index out of range" only for an index it actually evaluates (vm/runtime Fetch). The
// guarded conditions are the ones argo-rollouts docs/features/analysis.md recommends for queries
// that may return no data.
describe("evaluateCondition on an empty result (expr-lang semantics)", () => {
  it("a len() guard short-circuits before the index", () => {
    expect(evaluateCondition("len(result) == 0 || result[0] >= 0.95", [])).toBe(true);
    expect(evaluateCondition("len(result) > 0 && result[0] >= 0.95", [])).toBe(false);
    expect(evaluateCondition("result[0] >= 0.95 || len(result) == 0", [0.99])).toBe(true);
    // the same guards still read the value when there is one
    expect(evaluateCondition("len(result) == 0 || result[0] >= 0.95", [0.5])).toBe(false);
    expect(evaluateCondition("len(result) > 0 && result[0] >= 0.95", [0.99])).toBe(true);
  });

  it("an index that is evaluated is an error; its order with the guard matters", () => {
    expect(() => evaluateCondition("result[0] >= 0.95 || len(result) == 0", [])).toThrow(
      /index out of range/,
    );
    expect(() => evaluateCondition("len(result) >= 0 && result[0] >= 0.95", [])).toThrow(
      /index out of range/,
    );
  });

  it("types are checked before anything runs, as expr-lang's checker does, even behind a guard", () => {
    // result is a list for a vector: comparing it with a number never compiles
    expect(() => evaluateCondition("len(result) == 0 || result > 1", [])).toThrow(
      /> needs a number, got a list/,
    );
    // result is a number for a scalar: it cannot be indexed or measured with len()
    expect(() => evaluateCondition("result > 1 || result[0] > 1", 2)).toThrow(/cannot index a number/);
    expect(() => evaluateCondition("true || len(result) > 0", 2)).toThrow(/len\(\) needs a list/);
    expect(() => evaluateCondition("len(result) == 0 || result[0]", [])).toThrow(/\|\| needs a bool/);
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

  // argo-rollouts utils/evaluate/evaluate.go EvaluateResult: with only a success condition, false
  // is Failed; an evaluation error is Error
  it("judges an empty result by what a guarded condition makes of it", () => {
    expect(measurementVerdict([], "len(result) == 0 || result[0] >= 0.95", undefined).verdict).toBe(
      "Successful",
    );
    expect(measurementVerdict([], "len(result) > 0 && result[0] >= 0.95", undefined).verdict).toBe("Failed");
    expect(measurementVerdict([], "result[0] >= 0.95", undefined)).toEqual({
      verdict: "Error",
      message: "index out of range: 0 (len 0)",
    });
  });

  it("follows Argo when only one condition is set", () => {
    expect(measurementVerdict([Number.NaN], ok, undefined).verdict).toBe("Failed");
    expect(measurementVerdict([Number.NaN], undefined, bad).verdict).toBe("Successful");
    expect(measurementVerdict([1], undefined, undefined).verdict).toBe("Successful");
  });
});
