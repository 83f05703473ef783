// Runs the built CLI (dist/cli.js) as a child process, the way users and workflows do.
import { spawn } from "node:child_process";
import { resolve } from "node:path";

export const CLI = resolve(import.meta.dirname, "../../dist/cli.js");

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? process.cwd(),
      // a clean environment: no token, no Argo CD, no colour, unless a test sets them; a shifted
      // system clock (libfaketime, test/time/any-date.test.ts) reaches the CLI too
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NO_COLOR: "1",
        // a gh logged in on the developer's machine must not turn local runs into GitHub ones
        NGX_NO_GH_AUTH: "1",
        ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
        ...fakedClock(),
        ...options.env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** libfaketime's variables when the suite runs under it, so the CLI sees the same shifted clock */
function fakedClock(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => k === "LD_PRELOAD" || k.startsWith("FAKETIME") || k === "DONT_FAKE_MONOTONIC",
    ),
  );
}
