// The commit clock on GitHub, for lead times when the local clone does not have a commit (a shallow
// CI checkout): GET /repos/{o}/{r}/commits/{sha} for a commit's author time and parents, and for a
// merge commit GET /repos/{o}/{r}/compare/{first parent}...{second parent} for the merged branch's
// first commit. A commit GitHub does not know (404, 422) is unknown; other failures are RemoteErrors.
import type { CommitClock } from "../../metrics/lead-start.js";
import { createOctokit, type GitHubClient, type GitHubSettings, toRemoteError } from "./octokit.js";

interface RawCommit {
  sha: string;
  commit: { author?: { date?: string } | null; committer?: { date?: string } | null };
  parents: { sha: string }[];
}

const isUnknown = (e: unknown) => {
  const status = (e as { status?: number })?.status;
  return status === 404 || status === 422;
};

const iso = (date: string | undefined) => {
  const t = date ? Date.parse(date) : Number.NaN;
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
};

export function githubCommitClock(settings: GitHubSettings, client?: GitHubClient): CommitClock {
  const octokit = client ?? createOctokit(settings);
  const [owner = "", repo = ""] = settings.repository.split("/");
  return {
    async firstCommitTime(sha) {
      let commit: RawCommit;
      try {
        commit = (await octokit.rest.repos.getCommit({ owner, repo, ref: sha })).data as unknown as RawCommit;
      } catch (e) {
        if (isUnknown(e)) return undefined;
        throw toRemoteError(e, `read commit ${sha.slice(0, 7)}`);
      }
      let first = commit;
      const [base, head] = commit.parents.map((p) => p.sha);
      if (base && head) {
        try {
          const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
            owner,
            repo,
            basehead: `${base}...${head}`,
            per_page: 1,
          });
          // commits of the comparison are oldest first
          first = ((data as unknown as { commits: RawCommit[] }).commits[0] ?? commit) as RawCommit;
        } catch (e) {
          if (!isUnknown(e)) throw toRemoteError(e, `compare ${base.slice(0, 7)}...${head.slice(0, 7)}`);
        }
      }
      const at = iso(first.commit.author?.date ?? first.commit.committer?.date);
      return at ? { at, commit: first.sha } : undefined;
    },
  };
}
