// Extracts the repository tree at a Git revision into a temporary directory (git archive | tar),
// so an environment can be rendered as it was at that revision without touching the checkout.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { InputError } from "../errors.js";

const run = promisify(execFile);

export interface Snapshot {
  readonly dir: string;
  readonly commit: string;
  dispose(): Promise<void>;
}

/** Resolves `ref` to a commit, or an InputError naming the ref. */
export async function resolveRevision(root: string, ref: string): Promise<string> {
  try {
    const { stdout } = await run("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
      cwd: root,
    });
    return stdout.trim();
  } catch (e) {
    throw new InputError(`git revision "${ref}" not found in ${root}`, {
      cause: e,
      hint: "pass a branch, tag or commit that exists locally (e.g. --base origin/main after git fetch)",
    });
  }
}

export async function snapshotAt(root: string, ref: string): Promise<Snapshot> {
  const commit = await resolveRevision(root, ref);
  const dir = await mkdtemp(join(tmpdir(), "ngx-snapshot-"));
  try {
    await new Promise<void>((resolve, reject) => {
      const archive = spawn("git", ["archive", "--format=tar", commit], { cwd: root });
      const tar = spawn("tar", ["-x", "-C", dir]);
      let stderr = "";
      archive.stderr.on("data", (d) => {
        stderr += d;
      });
      tar.stderr.on("data", (d) => {
        stderr += d;
      });
      archive.stdout.pipe(tar.stdin);
      archive.on("error", reject);
      tar.on("error", reject);
      tar.on("close", (code) =>
        code === 0 ? resolve() : reject(new Error(`git archive | tar failed (${code}): ${stderr.trim()}`)),
      );
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, commit, dispose: () => rm(dir, { recursive: true, force: true }) };
}
