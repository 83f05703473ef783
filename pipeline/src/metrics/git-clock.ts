// The commit clock on the local clone: author times with `git show`/`git rev-list`. A commit the clone
// does not have (a shallow CI checkout) is simply unknown. It answers both questions lead-start.ts
// asks: where a promotion's first commit is, and when an image's source commit (tag sha-<commit>)
// was authored, when that commit is in the clone (docs/metrics.md, "Where a change starts").
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { CommitClock } from "./lead-start.js";

const run = promisify(execFile);

async function git(root: string, args: readonly string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run("git", [...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** author time of a commit as UTC ISO-8601 */
async function authorTime(root: string, sha: string): Promise<string | undefined> {
  const out = await git(root, ["show", "-s", "--format=%at", `${sha}^{commit}`, "--"]);
  const seconds = out ? Number(out.split("\n")[0]) : Number.NaN;
  return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : undefined;
}

export function gitCommitClock(root: string): CommitClock {
  return {
    async firstCommitTime(sha) {
      const parents = (await git(root, ["rev-list", "--parents", "-n", "1", sha]))?.split(/\s+/).slice(1);
      if (!parents) return undefined;
      let first = sha;
      if (parents.length >= 2) {
        // a merged pull request: its commits are those reachable from the second parent only
        const list = await git(root, [
          "rev-list",
          "--reverse",
          "--topo-order",
          `${parents[0]}..${parents[1]}`,
        ]);
        first = list?.split("\n")[0] || parents[1] || sha;
      }
      const at = await authorTime(root, first);
      return at ? { at, commit: first } : undefined;
    },
    async sourceCommitTime(commit) {
      // only a hex prefix git resolves to exactly one commit object (an ambiguous prefix is unknown)
      if (!/^[0-9a-f]{7,40}$/.test(commit)) return undefined;
      return authorTime(root, commit);
    },
  };
}
