// Fallback writer for `backup schedule` when no forge adapter is available: one commit with the
// changed file on branch backup-schedule/<env>, on top of the base branch, made with git plumbing in
// a temporary index. The working tree, the index and the checked-out branch are never touched; the
// commit is made first and the ref moved last (compare-and-swap), so a failure leaves nothing half-made.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../errors.js";

interface GitResult {
  readonly stdout: string;
  readonly code: number;
  readonly stderr: string;
}

function git(
  root: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
) {
  return new Promise<GitResult>((resolve, reject) => {
    const child = execFile(
      "git",
      args as string[],
      { cwd: root, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof (error as { code?: unknown }).code !== "number") return reject(error);
        resolve({ stdout: String(stdout), stderr: String(stderr), code: error ? Number(error.code) : 0 });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

async function must(
  root: string,
  args: readonly string[],
  options?: Parameters<typeof git>[2],
): Promise<string> {
  const r = await git(root, args, options);
  if (r.code !== 0)
    throw new ConfigError(`git ${args.join(" ")} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout.trim();
}

async function revParse(root: string, ref: string): Promise<string | undefined> {
  const r = await git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** A file's content at a ref, undefined when it does not exist there. */
export async function readAtRef(root: string, ref: string, path: string): Promise<string | undefined> {
  const r = await git(root, ["show", `${ref}:${path}`]);
  return r.code === 0 ? r.stdout : undefined;
}

export interface LocalBranchOutcome {
  readonly branch: string;
  readonly sha: string;
  readonly status: "created" | "updated" | "unchanged";
}

export async function commitFileOnBranch(
  root: string,
  request: { base: string; branch: string; path: string; content: string; message: string },
): Promise<LocalBranchOutcome> {
  const baseSha = await revParse(root, `refs/heads/${request.base}`);
  if (!baseSha) throw new ConfigError(`base branch ${request.base} does not exist in ${root}`);
  const branchRef = `refs/heads/${request.branch}`;
  const previous = await revParse(root, branchRef);

  const dir = mkdtempSync(join(tmpdir(), "ngx-index-"));
  try {
    const env = {
      GIT_INDEX_FILE: join(dir, "index"),
      GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? "ngx-release",
      GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? "ngx-release@users.noreply.github.com",
      GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? "ngx-release",
      GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? "ngx-release@users.noreply.github.com",
    };
    await must(root, ["read-tree", baseSha], { env });
    const blob = await must(root, ["hash-object", "-w", "--stdin"], { input: request.content, env });
    await must(root, ["update-index", "--add", "--cacheinfo", `100644,${blob},${request.path}`], { env });
    const tree = await must(root, ["write-tree"], { env });
    if (previous) {
      const previousTree = await must(root, ["rev-parse", `${previous}^{tree}`]);
      const isOnBase = (await git(root, ["merge-base", "--is-ancestor", baseSha, previous])).code === 0;
      if (previousTree === tree && isOnBase)
        return { branch: request.branch, sha: previous, status: "unchanged" };
    }
    const commit = await must(root, ["commit-tree", tree, "-p", baseSha, "-m", request.message], { env });
    // compare-and-swap: fails when someone moved the branch meanwhile
    await must(root, ["update-ref", branchRef, commit, previous ?? "0".repeat(40)]);
    return { branch: request.branch, sha: commit, status: previous ? "updated" : "created" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
