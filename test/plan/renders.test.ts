// `validate` and `plan` render each kustomize tree once per run: the root kustomization serves as a
// tree and as the bootstrap, a source several environments' Applications share (rollouts/…) is
// rendered once, and plan's rendered diff reuses the validation's render of the checked-out overlay.
// KUSTOMIZE_BIN points at a wrapper that logs each call and runs the real kustomize (or kubectl).
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const REPO = resolve(import.meta.dirname, "../..");
let dir = "";
let wrapper = "";
let log = "";

function which(command: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ngx-renders-"));
  log = join(dir, "calls.log");
  const kustomize = which("kustomize");
  const real = kustomize ?? which("kubectl");
  if (!real) throw new Error("neither kustomize nor kubectl on PATH");
  // the adapter reads a KUSTOMIZE_BIN whose name starts with "kubectl" as kubectl
  wrapper = join(dir, kustomize ? "kustomize-counting" : "kubectl-counting");
  writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(wrapper, 0o755);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** the directories kustomize was asked to render, one entry per call */
async function rendersOf(args: readonly string[]): Promise<string[]> {
  rmSync(log, { force: true });
  const r = await runCli([...args, "--repo", REPO], { env: { KUSTOMIZE_BIN: wrapper } });
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("version"))
    .map((l) => l.replace(/^(build|kustomize) /, ""));
}

const counts = (dirs: readonly string[]) => {
  const m = new Map<string, number>();
  for (const d of dirs) m.set(d, (m.get(d) ?? 0) + 1);
  return m;
};

describe("renders per run", () => {
  let validate: string[] = [];

  it("validate renders each tree once", async () => {
    const dirs = await rendersOf(["validate"]);
    validate = dirs;
    expect(
      [...counts(dirs).values()].every((n) => n === 1),
      dirs.join("\n"),
    ).toBe(true);
    for (const env of ["dev", "staging", "production"])
      expect(dirs).toContain(join(REPO, "environments", env));
    expect(dirs).toContain(REPO);
  });

  it("plan renders each tree once and only the promoted overlay besides", async () => {
    if (validate.length === 0) validate = await rendersOf(["validate"]);
    const dirs = await rendersOf(["plan"]);
    expect(
      [...counts(dirs).values()].every((n) => n === 1),
      dirs.join("\n"),
    ).toBe(true);
    const extra = dirs.filter((d) => !validate.includes(d));
    // this repository's chain: dev → staging is refused (staging needs digests), staging → production renders once
    expect(extra).toHaveLength(1);
    expect(extra[0]).toMatch(/ngx-render-[^/]+\/environments\/production$/);
  });
});
