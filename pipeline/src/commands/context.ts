// What every command receives: global options, the environment, and where to write.
import { resolve } from "node:path";
import type { Command } from "commander";
import { resolveGitHubToken, type TokenSource } from "../adapters/github-token.js";
import { formatData, type OutputFormat, outputFormat } from "../output/output-format.js";
import { type Clock, clockFromEnv } from "../time/clock.js";

export interface Context {
  /** repository root (--repo, default the current directory) */
  readonly root: string;
  /** machine-readable output asked for (-o json, -o yaml or --json) */
  readonly json: boolean;
  /** -o json|yaml|table (--json = -o json) */
  readonly output: OutputFormat;
  /** the process environment, GITHUB_TOKEN filled from GH_TOKEN or `gh auth token` when unset */
  readonly env: NodeJS.ProcessEnv;
  /** where GITHUB_TOKEN came from, if there is one */
  readonly tokenSource?: TokenSource;
  /** the one clock: NGX_NOW when set (checked here, exit 2 when not ISO-8601), else the system's */
  readonly now: Clock;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream;
  /** writes a line to stdout */
  print(text: string): void;
  /** writes a document to stdout as JSON, or YAML with -o yaml */
  printJson(value: unknown): void;
  /** a note for people, on stderr (suppressed with --json) */
  info(text: string): void;
}

export function contextFrom(cmd: Command): Context {
  const opts = cmd.optsWithGlobals<{ repo?: string; json?: boolean; output?: string }>();
  const stdout = process.stdout;
  const output = outputFormat(opts);
  const json = output !== "table";
  const token = resolveGitHubToken(process.env);
  return {
    root: resolve(opts.repo ?? process.cwd()),
    json,
    output,
    env: token.env,
    ...(token.source ? { tokenSource: token.source } : {}),
    now: clockFromEnv(process.env),
    stdout,
    stderr: process.stderr,
    print: (text) => void stdout.write(`${text}\n`),
    printJson: (value) => void stdout.write(formatData(value, output === "yaml" ? "yaml" : "json")),
    info: (text) => {
      if (!json) process.stderr.write(`${text}\n`);
    },
  };
}

/** The GitHub Actions run this command runs in (for log links), from the variables Actions sets. */
export function actionsRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: run } = env;
  return server && repository && run ? `${server}/${repository}/actions/runs/${run}` : undefined;
}
