// Argo Rollouts success/failure conditions: parsed with jsep, checked against the small subset of
// expr-lang the templates use, and evaluated the way Argo Rollouts evaluates them
// (utils/evaluate in argoproj/argo-rollouts). Anything outside the subset is a validation error,
// never silently true.
//
// Supported: `result`, `result[<int>]` (negative indexes count from the end, as in expr),
// len(x), isNaN(x), isInf(x), number and boolean literals, unary ! - +, + - * /,
// < <= > >= == !=, && || (short-circuit), parentheses. `{{args.name}}` placeholders are accepted by
// the checker (they are substituted before evaluation).
import jsepModule from "jsep";

type Node = jsepModule.Expression;
const jsep = jsepModule as unknown as (expr: string) => Node;

export type ResultValue = number | readonly number[];
type Value = number | boolean | readonly number[];

const FUNCTIONS: Record<string, number> = { len: 1, isNaN: 1, isInf: 1 };
const BINARY = new Set(["<", "<=", ">", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/"]);
const UNARY = new Set(["!", "-", "+"]);
const PLACEHOLDER = /\{\{\s*args\.[\w.-]+\s*\}\}/g;

/** An expression Argo Rollouts could not evaluate (or we refuse to): the measurement is an Error. */
export class ExpressionError extends Error {
  override readonly name = "ExpressionError";
}

function parse(expr: string): Node {
  try {
    return jsep(expr);
  } catch (e) {
    throw new ExpressionError(`cannot parse "${expr}": ${(e as Error).message}`);
  }
}

/**
 * Problems with a success/failure condition (empty when it is fine). `{{args.x}}` placeholders are
 * treated as numbers. Reused by `ngx-release validate`.
 */
export function checkAnalysisExpression(expr: string): string[] {
  if (expr.trim() === "") return ["the condition is empty"];
  let ast: Node;
  try {
    ast = parse(expr.replace(PLACEHOLDER, "1"));
  } catch (e) {
    return [(e as Error).message];
  }
  const problems: string[] = [];
  walk(ast, problems);
  return problems.map((p) => `${p} in "${expr}"`);
}

function describe(node: Node): string {
  switch (node.type) {
    case "Compound":
      return "several expressions side by side (is `and`/`or`/`not` used? write && || !)";
    case "ConditionalExpression":
      return "the ternary ?: operator";
    case "ArrayExpression":
      return "an array literal";
    case "ThisExpression":
      return "`this`";
    default:
      return `a ${node.type}`;
  }
}

function walk(node: Node, problems: string[]): void {
  switch (node.type) {
    case "Literal": {
      const v = (node as jsepModule.Literal).value;
      if (typeof v !== "number" && typeof v !== "boolean")
        problems.push(`unsupported literal ${JSON.stringify(v)} (only numbers and true/false)`);
      return;
    }
    case "Identifier": {
      const name = (node as jsepModule.Identifier).name;
      if (name !== "result")
        problems.push(
          `unknown name "${name}" (only result, len(), isNaN(), isInf() and {{args.*}} are supported)`,
        );
      return;
    }
    case "MemberExpression": {
      const m = node as jsepModule.MemberExpression;
      if (!m.computed) {
        problems.push("property access with a dot is not supported (use result[0])");
        return;
      }
      if (!isIntegerLiteral(m.property))
        problems.push("an index must be an integer literal such as result[0]");
      walk(m.object, problems);
      return;
    }
    case "CallExpression": {
      const c = node as jsepModule.CallExpression;
      const callee = c.callee.type === "Identifier" ? (c.callee as jsepModule.Identifier).name : undefined;
      const arity = callee === undefined ? undefined : FUNCTIONS[callee];
      if (callee === undefined || arity === undefined) {
        problems.push(
          `unsupported function ${callee ?? "call"} (supported: ${Object.keys(FUNCTIONS).join(", ")})`,
        );
        return;
      }
      if (c.arguments.length !== arity) problems.push(`${callee}() takes ${arity} argument`);
      for (const a of c.arguments) walk(a, problems);
      return;
    }
    case "UnaryExpression": {
      const u = node as jsepModule.UnaryExpression;
      if (!UNARY.has(u.operator)) problems.push(`unsupported operator ${u.operator}`);
      walk(u.argument, problems);
      return;
    }
    case "BinaryExpression": {
      const b = node as jsepModule.BinaryExpression;
      if (!BINARY.has(b.operator))
        problems.push(`unsupported operator ${b.operator} (supported: ${[...BINARY].join(" ")}, !)`);
      walk(b.left, problems);
      walk(b.right, problems);
      return;
    }
    default:
      problems.push(`unsupported construct: ${describe(node)}`);
  }
}

function isIntegerLiteral(node: Node): boolean {
  if (node.type === "Literal") return Number.isInteger((node as jsepModule.Literal).value);
  if (node.type === "UnaryExpression") {
    const u = node as jsepModule.UnaryExpression;
    return u.operator === "-" && isIntegerLiteral(u.argument);
  }
  return false;
}

/**
 * Evaluates one condition for a measurement value, as Argo Rollouts' EvalCondition does with
 * expr-lang (utils/evaluate/evaluate.go: expr.Compile with the result in the environment and
 * expr.AsBool, then expr.Run):
 * - types are checked before anything runs, against the value's type (a list for a vector, a number
 *   for a scalar): `result > 1` on a vector, `len()` of a number or a non-bool condition is an
 *   error whatever the data;
 * - `&&` and `||` short-circuit (expr-lang compiler/compiler.go BinaryNode emits OpJumpIfFalse /
 *   OpJumpIfTrue before the right operand), so `len(result) == 0 || result[0] >= 0.95` is true on an
 *   empty result and `len(result) > 0 && result[0] >= 0.95` is false;
 * - an index out of range is an error only when it is evaluated (expr-lang vm/runtime Fetch:
 *   "index out of range"); negative indexes count from the end.
 * Argo's Prometheus provider hands an empty vector to the conditions as an empty list
 * (metricproviders/prometheus/prometheus.go processResponse), so "no data" is whatever the
 * condition makes of `[]`.
 */
export function evaluateCondition(expr: string, result: ResultValue): boolean {
  return runCondition(compileCondition(expr), result);
}

/** A condition parsed and checked once; a problem is kept and thrown when the condition is run. */
type CompiledCondition =
  | { readonly expr: string; readonly ast: Node }
  | { readonly expr: string; readonly error: string };

function compileCondition(expr: string): CompiledCondition {
  try {
    if (/\{\{/.test(expr)) throw new ExpressionError(`unresolved argument in "${expr}"`);
    const problems = checkAnalysisExpression(expr);
    if (problems.length > 0) throw new ExpressionError(problems.join("; "));
    return { expr, ast: parse(expr) };
  } catch (e) {
    return { expr, error: (e as Error).message };
  }
}

function runCondition(c: CompiledCondition, result: ResultValue): boolean {
  if ("error" in c) throw new ExpressionError(c.error);
  const type = typeOf(c.ast, Array.isArray(result) ? "list" : "number");
  if (type !== "bool") throw new ExpressionError(`"${c.expr}" gives a ${type}, expected a bool`);
  const out = evaluate(c.ast, result);
  if (typeof out !== "boolean") throw new ExpressionError(`"${c.expr}" gave ${show(out)}, expected a bool`);
  return out;
}

type Type = "number" | "bool" | "list";

/**
 * The static type of a node, as expr-lang's checker gives it before the program runs; a mismatch
 * is an ExpressionError (Argo: the measurement is an Error) even in a branch that would not run.
 */
function typeOf(node: Node, result: Type): Type {
  const want = (t: Type, expected: Type, what: string): void => {
    if (t !== expected) throw new ExpressionError(`${what} needs a ${expected}, got a ${t}`);
  };
  switch (node.type) {
    case "Literal":
      return typeof (node as jsepModule.Literal).value === "boolean" ? "bool" : "number";
    case "Identifier":
      return result;
    case "MemberExpression": {
      const m = node as jsepModule.MemberExpression;
      const list = typeOf(m.object, result);
      if (list !== "list") throw new ExpressionError(`cannot index a ${list}: it is not a list`);
      want(typeOf(m.property, result), "number", "an index");
      return "number";
    }
    case "CallExpression": {
      const c = node as jsepModule.CallExpression;
      const name = (c.callee as jsepModule.Identifier).name;
      const arg = typeOf(c.arguments[0] as Node, result);
      if (name === "len") {
        want(arg, "list", "len()");
        return "number";
      }
      want(arg, "number", `${name}()`);
      return "bool";
    }
    case "UnaryExpression": {
      const u = node as jsepModule.UnaryExpression;
      const t = typeOf(u.argument, result);
      if (u.operator === "!") {
        want(t, "bool", "!");
        return "bool";
      }
      want(t, "number", `unary ${u.operator}`);
      return "number";
    }
    case "BinaryExpression": {
      const b = node as jsepModule.BinaryExpression;
      const op = b.operator;
      const l = typeOf(b.left, result);
      const r = typeOf(b.right, result);
      if (op === "&&" || op === "||") {
        want(l, "bool", op);
        want(r, "bool", op);
        return "bool";
      }
      if ((op === "==" || op === "!=") && l === r && l !== "list") return "bool";
      want(l, "number", op);
      want(r, "number", op);
      return ["<", "<=", ">", ">=", "==", "!="].includes(op) ? "bool" : "number";
    }
    default:
      throw new ExpressionError(`unsupported construct: ${describe(node)}`);
  }
}

function show(v: Value): string {
  return Array.isArray(v) ? `[${v.join(",")}]` : String(v);
}

function num(v: Value, what: string): number {
  if (typeof v !== "number") throw new ExpressionError(`${what} needs a number, got ${show(v)}`);
  return v;
}

function bool(v: Value, what: string): boolean {
  if (typeof v !== "boolean") throw new ExpressionError(`${what} needs a bool, got ${show(v)}`);
  return v;
}

function evaluate(node: Node, result: ResultValue): Value {
  switch (node.type) {
    case "Literal":
      return (node as jsepModule.Literal).value as number | boolean;
    case "Identifier":
      return result;
    case "MemberExpression": {
      const m = node as jsepModule.MemberExpression;
      const list = evaluate(m.object, result);
      if (!Array.isArray(list)) throw new ExpressionError(`cannot index ${show(list)}: it is not a list`);
      const raw = num(evaluate(m.property, result), "an index");
      const i = raw < 0 ? list.length + raw : raw;
      const v = list[i];
      if (v === undefined) throw new ExpressionError(`index out of range: ${raw} (len ${list.length})`);
      return v;
    }
    case "CallExpression": {
      const c = node as jsepModule.CallExpression;
      const name = (c.callee as jsepModule.Identifier).name;
      const arg = evaluate(c.arguments[0] as Node, result);
      if (name === "len") {
        if (!Array.isArray(arg)) throw new ExpressionError(`len() needs a list, got ${show(arg)}`);
        return arg.length;
      }
      const n = num(arg, `${name}()`);
      return name === "isNaN"
        ? Number.isNaN(n)
        : n === Number.POSITIVE_INFINITY || n === Number.NEGATIVE_INFINITY;
    }
    case "UnaryExpression": {
      const u = node as jsepModule.UnaryExpression;
      const v = evaluate(u.argument, result);
      if (u.operator === "!") return !bool(v, "!");
      const n = num(v, `unary ${u.operator}`);
      return u.operator === "-" ? -n : n;
    }
    case "BinaryExpression": {
      const b = node as jsepModule.BinaryExpression;
      const op = b.operator;
      if (op === "&&" || op === "||") {
        const left = bool(evaluate(b.left, result), op);
        if (op === "&&" && !left) return false;
        if (op === "||" && left) return true;
        return bool(evaluate(b.right, result), op);
      }
      const left = evaluate(b.left, result);
      const right = evaluate(b.right, result);
      if ((op === "==" || op === "!=") && typeof left === "boolean" && typeof right === "boolean")
        return op === "==" ? left === right : left !== right;
      const l = num(left, op);
      const r = num(right, op);
      switch (op) {
        case "<":
          return l < r;
        case "<=":
          return l <= r;
        case ">":
          return l > r;
        case ">=":
          return l >= r;
        case "==":
          return l === r;
        case "!=":
          return l !== r;
        case "+":
          return l + r;
        case "-":
          return l - r;
        case "*":
          return l * r;
        case "/":
          return l / r;
      }
      throw new ExpressionError(`unsupported operator ${op}`);
    }
    default:
      throw new ExpressionError(`unsupported construct: ${describe(node)}`);
  }
}

export type Verdict = "Successful" | "Failed" | "Inconclusive" | "Error";

/**
 * The verdict function of a pair of conditions, parsed and checked once, for callers that judge
 * many results with the same conditions (`ngx-release judge simulate`); measurementVerdict uses it.
 */
export function compileVerdict(
  successCondition: string | undefined,
  failureCondition: string | undefined,
): (result: ResultValue) => { verdict: Verdict; message?: string } {
  const success = successCondition ? compileCondition(successCondition) : undefined;
  const failure = failureCondition ? compileCondition(failureCondition) : undefined;
  return (result) => {
    let succeeded = false;
    let failed = false;
    try {
      if (success) succeeded = runCondition(success, result);
      if (failure) failed = runCondition(failure, result);
    } catch (e) {
      return { verdict: "Error", message: (e as Error).message };
    }
    if (!success && !failure) return { verdict: "Successful" };
    if (success && !failure) failed = !succeeded;
    if (!success && failure) succeeded = !failed;
    if (failed) return { verdict: "Failed" };
    if (!succeeded) return { verdict: "Inconclusive" };
    return { verdict: "Successful" };
  };
}

/**
 * The phase of one measurement, as Argo Rollouts' EvaluateResult decides it: no conditions →
 * Successful; only a success condition → Failed when it is false; only a failure condition →
 * Successful when it is false; both false → Inconclusive; an evaluation error → Error.
 */
export function measurementVerdict(
  result: ResultValue,
  successCondition: string | undefined,
  failureCondition: string | undefined,
): { verdict: Verdict; message?: string } {
  return compileVerdict(successCondition, failureCondition)(result);
}
