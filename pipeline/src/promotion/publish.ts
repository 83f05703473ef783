// Writes an overlay change the way the environment says (write: pull-request | commit): one atomic
// commit on a deterministic branch and one pull request per branch, created or brought up to date
// ("ensure", never "create again"). Shared by promote, release and rollback.
import type { ChangeBuilder, CommitOutcome, Forge, PullRequest } from "../adapters/forge.js";
import type { BranchName } from "./branch.js";
import { type PullRequestText, type Superseded, supersededFrom } from "./pull-request-text.js";

export interface PublishInput {
  readonly forge: Forge;
  readonly base: string;
  readonly baseSha?: string;
  readonly branch: BranchName;
  readonly write: "pull-request" | "commit";
  /** recomputes the change from a base (called again from the new base after a lost race) */
  readonly change: ChangeBuilder;
  /** the pull request text, given what this pull request superseded so far */
  readonly text: (superseded: readonly Superseded[]) => PullRequestText;
  /** one line naming the version a superseding commit replaced, from the files at the old head */
  readonly describePrevious?: (previous: Readonly<Record<string, string | undefined>>) => string | undefined;
}

export type PullRequestStatus = "created" | "updated" | "unchanged" | "left-to-newer-run";

export interface PublishOutcome {
  readonly mode: "pull-request" | "commit";
  readonly branch: string;
  readonly commit: CommitOutcome;
  readonly pullRequest?: PullRequest;
  readonly pullRequestStatus?: PullRequestStatus;
  readonly superseded: readonly Superseded[];
}

export async function publish(input: PublishInput): Promise<PublishOutcome> {
  const { forge } = input;
  if (input.write === "commit") {
    const commit = await forge.commitToBase({
      base: input.base,
      ...(input.baseSha ? { baseSha: input.baseSha } : {}),
      change: input.change,
    });
    return { mode: "commit", branch: input.base, commit, superseded: [] };
  }
  const branch = input.branch.toString();
  const commit = await forge.ensureBranchCommit({
    branch,
    base: input.base,
    ...(input.baseSha ? { baseSha: input.baseSha } : {}),
    change: input.change,
  });
  // a branch this run just created has no open pull request (GitHub closes a pull request when its
  // head branch is deleted), so there is nothing to look up; a concurrent run that opens one first
  // makes createPullRequest answer "already exists", and that pull request is brought up to date below
  let existing =
    commit.status === "created" ? undefined : await forge.findOpenPullRequest(branch, input.base);
  const superseded = [...supersededFrom(existing?.body)];
  if (commit.status === "updated" && commit.previousSha && commit.previousContents) {
    const summary = input.describePrevious?.(commit.previousContents);
    if (summary && !superseded.some((s) => s.sha === commit.previousSha)) {
      superseded.push({ sha: commit.previousSha, summary });
    }
  }
  const text = input.text(superseded);
  let status: PullRequestStatus = "unchanged";
  if (!existing) {
    const created = await forge.createPullRequest({
      head: branch,
      base: input.base,
      title: text.title,
      body: text.body,
    });
    if (!created.existed) {
      await forge.addLabels(created.pr.number, text.labels);
      return {
        mode: "pull-request",
        branch,
        commit,
        pullRequest: { ...created.pr, labels: [...text.labels] },
        pullRequestStatus: "created",
        superseded,
      };
    }
    existing = created.pr; // a concurrent run opened it first: bring it up to date below
  }
  let pr = existing;
  if (pr.title !== text.title || pr.body !== text.body) {
    // only the run whose commit is the branch head writes the text; a newer run writes its own
    const head = await forge.branchSha(branch);
    if (head === commit.sha) {
      pr = await forge.updatePullRequest(pr.number, { title: text.title, body: text.body });
      status = "updated";
    } else status = "left-to-newer-run";
  }
  const missing = text.labels.filter((l) => !existing.labels.includes(l));
  if (missing.length > 0) await forge.addLabels(pr.number, missing);
  return {
    mode: "pull-request",
    branch,
    commit,
    pullRequest: { ...pr, labels: [...new Set([...pr.labels, ...missing])] },
    pullRequestStatus: status,
    superseded,
  };
}
