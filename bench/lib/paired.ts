// Shared by the benchmarks: time a command under /usr/bin/time, run two commands alternately so both
// see the same machine load (this machine is shared: ratios of paired medians, not absolute times),
// and find out which kustomize trees a CLI run renders (KUSTOMIZE_BIN pointing at a logging wrapper).
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";

export const ROOT = resolve(import.meta.dirname, "../..");
export const CLI = join(ROOT, "dist/cli.js");

export interface Run {
  readonly ms: number;
  /** peak resident set size of the largest process (the command or a child it waited for), in MiB */
  readonly peakMiB: number;
  /** user + system CPU seconds of the command and the children it waited for */
  readonly cpuS: number;
  readonly code: number;
}

export function ensureBuilt(): void {
  if (!existsSync(CLI))
    execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
}

/** Runs a command under /usr/bin/time -v: wall time, peak RSS (of the largest process) and exit code. */
export function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn("/usr/bin/time", ["-v", cmd, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", fail);
    child.on("close", (code) => {
      const ms = performance.now() - start;
      const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1] ?? 0);
      const user = Number(/User time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? 0);
      const sys = Number(/System time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? 0);
      done({ ms, peakMiB: kb / 1024, cpuS: user + sys, code: code ?? -1 });
    });
  });
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** Runs `a` and `b` alternately `runs` times; returns both series. */
export async function paired(
  runs: number,
  a: () => Promise<Run>,
  b: () => Promise<Run>,
): Promise<{ a: Run[]; b: Run[] }> {
  const out = { a: [] as Run[], b: [] as Run[] };
  for (let i = 0; i < runs; i++) {
    out.a.push(await a());
    out.b.push(await b());
  }
  return out;
}

/** The real kustomize: `kustomize` when on PATH, else `kubectl kustomize`. */
function realKustomize(): { cmd: string; prefix: readonly string[] } {
  try {
    return {
      cmd: execFileSync("sh", ["-c", "command -v kustomize"], { encoding: "utf8" }).trim(),
      prefix: ["build"],
    };
  } catch {
    return { cmd: "kubectl", prefix: ["kustomize"] };
  }
}

/**
 * The directories `ngx-release <args>` asks kustomize to render, one entry per render. A directory
 * in a temporary copy (plan's rendered diff) is mapped back to the same directory of `root`.
 */
export async function rendersOf(args: readonly string[], root: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "ngx-bench-renders-"));
  try {
    const log = join(dir, "calls.log");
    const k = realKustomize();
    const wrapper = join(dir, k.prefix[0] === "build" ? "kustomize-logging" : "kubectl-logging");
    writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${k.cmd}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    await timed(process.execPath, [CLI, ...args, "--repo", root], { KUSTOMIZE_BIN: wrapper });
    return readFileSync(log, "utf8")
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("version"))
      .map((l) => l.replace(/^(build|kustomize) /, "").replace(/^.*\/ngx-render-[^/]+/, root));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bare renders of `dirs`, concurrently (as the CLI may run them); wall time and summed CPU. */
export async function bareRenders(dirs: readonly string[]): Promise<Run> {
  const k = realKustomize();
  const start = performance.now();
  const runs = await Promise.all(dirs.map((d) => timed(k.cmd, [...k.prefix, d])));
  return {
    ms: performance.now() - start,
    peakMiB: Math.max(...runs.map((r) => r.peakMiB)),
    cpuS: runs.reduce((a, r) => a + r.cpuS, 0),
    code: Math.max(...runs.map((r) => r.code)),
  };
}

/** One line per figure: what it is, the figure now, the goal, and whether it is met. */
export function goalLine(what: string, now: string, goal: string, met: boolean): string {
  return `${what}: ${now} · goal ${goal} · ${met ? "met" : "NOT met"}`;
}
