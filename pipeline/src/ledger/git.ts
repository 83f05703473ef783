// What the ledger and the gates read from the local clone: commits, ancestry, and an overlay's images
// at a given commit (git show), so answers never depend on uncommitted edits in the working tree.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ConfigError } from "../errors.js";
import { type ImageEntry, readImages } from "../promotion/images.js";

const run = promisify(execFile);

async function git(root: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run("git", [...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export function overlayPath(env: string): string {
  return `environments/${env}/kustomization.yaml`;
}

export interface GitReader {
  /** full sha of a ref; undefined when the clone does not have it */
  resolve(ref: string): Promise<string | undefined>;
  /** true when `ancestor` is `descendant` or one of its ancestors; false when either is unknown */
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /** the images of an environment's overlay at a commit; undefined when the commit or file is unknown */
  imagesAt(ref: string, env: string): Promise<ImageEntry[] | undefined>;
  /** the newest commit (from `ref`) that changed a path */
  lastCommitTouching(path: string, ref?: string): Promise<string | undefined>;
}

export function gitReader(root: string): GitReader {
  return {
    async resolve(ref) {
      try {
        return (await git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])).trim() || undefined;
      } catch {
        return undefined;
      }
    },
    async isAncestor(ancestor, descendant) {
      try {
        await git(root, ["merge-base", "--is-ancestor", ancestor, descendant]);
        return true;
      } catch {
        return false;
      }
    },
    async imagesAt(ref, env) {
      let content: string;
      try {
        content = await git(root, ["show", `${ref}:${overlayPath(env)}`]);
      } catch {
        return undefined;
      }
      return readImages(content, `${overlayPath(env)} at ${ref.slice(0, 12)}`);
    },
    async lastCommitTouching(path, ref = "HEAD") {
      try {
        return (await git(root, ["log", "-1", "--format=%H", ref, "--", path])).trim() || undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** HEAD of the clone, as a full sha; ConfigError outside a git checkout or before the first commit. */
export async function headCommit(root: string): Promise<string> {
  try {
    return (await git(root, ["rev-parse", "--verify", "HEAD"])).trim();
  } catch (e) {
    throw new ConfigError(`${root}: no commit checked out (git rev-parse HEAD failed)`, {
      cause: e,
      hint: "run ngx-release in a clone of the repository with at least one commit",
    });
  }
}
