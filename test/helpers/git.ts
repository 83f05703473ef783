// Real git for test fixtures: a fixed identity (and, when asked, fixed author/committer dates),
// files written into a checkout, and commits that return their SHA.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const IDENTITY = {
  GIT_AUTHOR_NAME: "test",
  GIT_AUTHOR_EMAIL: "test@example.test",
  GIT_COMMITTER_NAME: "test",
  GIT_COMMITTER_EMAIL: "test@example.test",
};

/** `git <args>` in `dir`; returns stdout trimmed, throws (with git's stderr) on a non-zero exit. */
export function git(dir: string, ...args: string[]): string {
  return gitAt(dir, undefined, ...args);
}

/** `git <args>` in `dir` with author and committer dates set to `date` (ISO-8601) when given. */
export function gitAt(dir: string, date: string | undefined, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: {
      ...process.env,
      ...IDENTITY,
      ...(date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {}),
    },
  }).trim();
}

/** Writes `files` (path relative to `dir` → content), creating folders. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** Writes `files`, commits everything in the work tree and returns the new HEAD. */
export function commitFiles(
  dir: string,
  files: Record<string, string>,
  message: string,
  date?: string,
): string {
  writeFiles(dir, files);
  git(dir, "add", "-A");
  gitAt(dir, date, "commit", "-q", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

/** `git init` on branch main in `dir`, then one commit of `files`; returns its SHA. */
export function initRepo(dir: string, files: Record<string, string>, message = "fixture"): string {
  git(dir, "init", "-q", "-b", "main");
  return commitFiles(dir, files, message);
}
