// The forge interface core code receives: the branch, commit and pull-request operations promotion,
// release and rollback need. Two implementations: adapters/github/forge.ts (GitHub REST, Git Data
// API) and adapters/local-git.ts (git plumbing in the local checkout, used when no token is set).
// Types only; adapters/forge-factory.ts picks one from the environment.

/** A file to write in a commit (whole content; paths relative to the repository root, "/" separated). */
export interface FileChange {
  readonly path: string;
  readonly content: string;
}

/** What one commit writes: its message and files. */
export interface ChangeSet {
  readonly message: string;
  readonly files: readonly FileChange[];
}

/** The base a change is computed from: its commit and a reader of files at that commit. */
export interface BaseSnapshot {
  readonly sha: string;
  read(path: string): Promise<string | undefined>;
}

/**
 * Computes the change from the base. Called again from the new base when a race on the ref was lost,
 * so a concurrent change to the same file is never overwritten with stale content.
 */
export type ChangeBuilder = (base: BaseSnapshot) => Promise<ChangeSet>;

export interface CommitRequest {
  /** branch to write, e.g. "promote/production" (without refs/heads/) */
  readonly branch: string;
  /** the branch the change sits on top of, e.g. "main" */
  readonly base: string;
  /** the base commit already read by the caller (saves a request on the first attempt) */
  readonly baseSha?: string;
  readonly change: ChangeSet | ChangeBuilder;
}

export interface CommitOutcome {
  readonly branch: string;
  /** the commit the branch points to afterwards */
  readonly sha: string;
  /**
   * created: the branch did not exist; updated: the branch moved to a new commit (a superseding change,
   * or a direct commit on the base); unchanged: the branch already carried exactly these files.
   */
  readonly status: "created" | "updated" | "unchanged";
  /** where the branch pointed before, when it existed */
  readonly previousSha?: string;
  /** the written files' content at previousSha (undefined: the file did not exist there) */
  readonly previousContents?: Readonly<Record<string, string | undefined>>;
  /** how many times a lost race on the ref was retried from the new base */
  readonly retries: number;
}

export interface PullRequest {
  readonly number: number;
  /** link for people (html_url on GitHub; a description of the branch for the local forge) */
  readonly url: string;
  readonly title: string;
  readonly body: string;
  /** head branch name (without owner) */
  readonly head: string;
  readonly headSha: string;
  readonly base: string;
  readonly labels: readonly string[];
  readonly state: "open" | "closed";
  readonly merged?: boolean;
}

export interface PullRequestInput {
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
}

export interface MergeOutcome {
  readonly merged: boolean;
  /** the merge commit on the base branch */
  readonly sha?: string;
  readonly message?: string;
}

export interface Forge {
  readonly kind: "github" | "local";
  /** "owner/name" when known (links) */
  readonly repository?: string;
  /** the commit a branch points to, or undefined when it does not exist */
  branchSha(branch: string): Promise<string | undefined>;
  /** a file's content at a ref (branch name or commit sha); undefined when the file does not exist */
  readFile(path: string, ref: string): Promise<string | undefined>;
  /**
   * Makes `branch` carry `files` in one atomic commit on top of `base`: creates the branch, moves it
   * (without force; a commit whose parents include the old head) when its content differs, or
   * leaves it alone when it already matches. The commit is made first and the ref moved last, so a
   * failure half-way never leaves the branch on a half-made commit. A lost race is retried.
   */
  ensureBranchCommit(request: CommitRequest): Promise<CommitOutcome>;
  /** One commit directly on `base` (write: commit); unchanged when the files already match. */
  commitToBase(request: Omit<CommitRequest, "branch">): Promise<CommitOutcome>;
  /** the open pull request whose head is `head` (at most one by construction) */
  findOpenPullRequest(head: string, base?: string): Promise<PullRequest | undefined>;
  /** every open pull request on the base, paginated */
  listOpenPullRequests(base?: string): Promise<readonly PullRequest[]>;
  /**
   * Opens a pull request. When one already exists for the head (a concurrent run won the race),
   * returns that one with existed: true instead of failing.
   */
  createPullRequest(input: PullRequestInput): Promise<{ pr: PullRequest; existed: boolean }>;
  updatePullRequest(number: number, change: { title?: string; body?: string }): Promise<PullRequest>;
  addLabels(number: number, labels: readonly string[]): Promise<void>;
  comment(number: number, body: string): Promise<void>;
  closePullRequest(number: number): Promise<void>;
  /** merges when the head is still `sha` (GitHub refuses otherwise) */
  mergePullRequest(
    number: number,
    options?: { sha?: string; method?: "merge" | "squash" | "rebase" },
  ): Promise<MergeOutcome>;
  /** a link to a commit for people, when the forge has one */
  commitUrl(sha: string): string | undefined;
}
