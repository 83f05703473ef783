// What every command receives: global options, the environment, and where to write.
import { resolve } from "node:path";
import type { Command } from "commander";
import { type Clock, clockFromEnv } from "../time/clock.js";

export interface Context {
  /** repository root (--repo, default the current directory) */
  readonly root: string;
  readonly json: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** the one clock: NGX_NOW when set (checked here, exit 2 when not ISO-8601), else the system's */
  readonly now: Clock;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream;
  /** writes a line to stdout */
  print(text: string): void;
  /** writes a JSON document to stdout */
  printJson(value: unknown): void;
  /** a note for people, on stderr (suppressed with --json) */
  info(text: string): void;
}

export function contextFrom(cmd: Command): Context {
  const opts = cmd.optsWithGlobals<{ repo?: string; json?: boolean }>();
  const stdout = process.stdout;
  const json = Boolean(opts.json);
  return {
    root: resolve(opts.repo ?? process.cwd()),
    json,
    env: process.env,
    now: clockFromEnv(process.env),
    stdout,
    stderr: process.stderr,
    print: (text) => void stdout.write(`${text}\n`),
    printJson: (value) => void stdout.write(`${JSON.stringify(value, null, 2)}\n`),
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
