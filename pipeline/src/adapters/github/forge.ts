// The Forge on GitHub: Git Data API for one atomic commit per change (ref → tree with base_tree →
// commit → ref update without force, or ref creation), pulls and issues APIs for the pull request.
// The commit is created before the ref moves, so a failure half-way leaves no branch on a
// half-made commit; a lost race on the ref is retried from the new base. SDK errors become
// RemoteError here.
import { ConfigError, RemoteError } from "../../errors.js";
import { changeAt, compareWithHead } from "../commit-plan.js";
import type {
  CommitOutcome,
  CommitRequest,
  Forge,
  MergeOutcome,
  PullRequest,
  PullRequestInput,
} from "../forge.js";
import { createOctokit, type GitHubClient, type GitHubSettings, toRemoteError } from "./octokit.js";

const MAX_RACE_RETRIES = 5;
const SHA = /^[0-9a-f]{40}$/;

interface RawPull {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
  state: string;
  merged_at?: string | null;
  head: { ref: string; sha: string };
  base: { ref: string };
  labels?: ({ name?: string } | string)[];
}

function toPull(p: RawPull): PullRequest {
  return {
    number: p.number,
    url: p.html_url,
    title: p.title,
    body: p.body ?? "",
    head: p.head.ref,
    headSha: p.head.sha,
    base: p.base.ref,
    labels: (p.labels ?? []).map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
    state: p.state === "open" ? "open" : "closed",
    merged: Boolean(p.merged_at),
  };
}

function statusOf(e: unknown): number | undefined {
  return (e as { status?: number }).status;
}

function messageOf(e: unknown): string {
  const err = e as {
    message?: string;
    response?: { data?: { message?: string; errors?: { message?: string }[] } };
  };
  const data = err.response?.data;
  return [data?.message, ...(data?.errors ?? []).map((x) => x.message), err.message]
    .filter(Boolean)
    .join(" ");
}

/** A ref write that lost a race: someone else created or moved the branch first. */
function lostRace(e: unknown): boolean {
  const status = statusOf(e);
  const msg = messageOf(e);
  return (
    (status === 422 &&
      /Reference already exists|not a fast forward|Reference cannot be updated/i.test(msg)) ||
    (status === 409 && /fast forward|reference|conflict/i.test(msg))
  );
}

export class GitHubForge implements Forge {
  readonly kind = "github" as const;
  readonly repository: string;
  private readonly owner: string;
  private readonly repo: string;
  /** file contents at commit shas (immutable, so safe to keep for the life of the process) */
  private readonly files = new Map<string, string | undefined>();
  /**
   * commits by sha (immutable): their tree and parents, filled by every branch read (GET
   * /branches/{branch} answers with the head commit), so a commit on a branch head read in this run
   * costs no GET /git/commits/{sha}
   */
  private readonly commits = new Map<string, { tree: string; parents: readonly string[] }>();

  constructor(
    private readonly octokit: GitHubClient,
    repository: string,
    private readonly htmlUrl = "https://github.com",
  ) {
    const [owner, repo] = repository.split("/");
    if (!owner || !repo) throw new ConfigError(`GITHUB_REPOSITORY "${repository}" is not owner/name`);
    this.repository = repository;
    this.owner = owner;
    this.repo = repo;
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toRemoteError(e, action);
    }
  }

  /**
   * The branch head, read now (never cached: callers re-read it before a write to detect a race).
   * GET /repos/{o}/{r}/branches/{branch} rather than GET /git/ref: the same head, plus the head
   * commit's tree and parents, which a commit on top of it needs (one request instead of two).
   */
  async branchSha(branch: string): Promise<string | undefined> {
    try {
      const { data } = await this.octokit.rest.repos.getBranch({
        owner: this.owner,
        repo: this.repo,
        branch,
      });
      // GitHub answers a renamed branch with its new name (a redirect): that is not this branch
      if (data.name !== branch) return undefined;
      const c = data.commit;
      this.commits.set(c.sha, { tree: c.commit.tree.sha, parents: c.parents.map((p) => p.sha) });
      return c.sha;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw toRemoteError(e, `reading branch ${branch}`);
    }
  }

  /** a commit's tree and parents: from this run's branch reads, else GET /git/commits/{sha} */
  private async commit(sha: string): Promise<{ tree: string; parents: readonly string[] }> {
    const known = this.commits.get(sha);
    if (known) return known;
    const { data } = await this.call(`reading commit ${sha}`, () =>
      this.octokit.rest.git.getCommit({ owner: this.owner, repo: this.repo, commit_sha: sha }),
    );
    const c = { tree: data.tree.sha, parents: data.parents.map((p) => p.sha) };
    this.commits.set(sha, c);
    return c;
  }

  async readFile(path: string, ref: string): Promise<string | undefined> {
    const key = `${ref}:${path}`;
    if (SHA.test(ref) && this.files.has(key)) return this.files.get(key);
    let content: string | undefined;
    try {
      const { data } = await this.octokit.rest.repos.getContent({
        owner: this.owner,
        repo: this.repo,
        path,
        ref,
        mediaType: { format: "raw" },
      });
      content = typeof data === "string" ? data : decodeContent(data);
    } catch (e) {
      if (statusOf(e) !== 404) throw toRemoteError(e, `reading ${path} at ${ref}`);
      content = undefined;
    }
    if (SHA.test(ref)) this.files.set(key, content);
    return content;
  }

  async ensureBranchCommit(request: CommitRequest): Promise<CommitOutcome> {
    return this.writeRef(request.branch, request.base, request.change, request.baseSha);
  }

  async commitToBase(request: Omit<CommitRequest, "branch">): Promise<CommitOutcome> {
    return this.writeRef(request.base, request.base, request.change, request.baseSha);
  }

  private async writeRef(
    branch: string,
    base: string,
    change: CommitRequest["change"],
    knownBaseSha: string | undefined,
  ): Promise<CommitOutcome> {
    const direct = branch === base;
    for (let attempt = 0; ; attempt++) {
      const baseSha = (attempt === 0 ? knownBaseSha : undefined) ?? (await this.branchSha(base));
      if (!baseSha)
        throw new RemoteError("GitHub", `base branch ${base} does not exist in ${this.repository}`, {
          status: 404,
        });
      const set = await changeAt(change, baseSha, (p, sha) => this.readFile(p, sha));
      const headSha = direct ? baseSha : await this.branchSha(branch);
      const { unchanged, previousContents } = await compareWithHead(
        { branch, set, baseSha, headSha, attempt },
        (p, sha) => this.readFile(p, sha),
      );
      if (unchanged) return unchanged;
      const baseCommit = await this.commit(baseSha);
      let parents = [baseSha];
      if (headSha && headSha !== baseSha) {
        const head = await this.commit(headSha);
        // keep the update a fast-forward; bring in the new base when the branch is not on it yet
        parents = head.parents.includes(baseSha) ? [headSha] : [headSha, baseSha];
      }
      const tree = await this.call("creating the tree", () =>
        this.octokit.rest.git.createTree({
          owner: this.owner,
          repo: this.repo,
          base_tree: baseCommit.tree,
          tree: set.files.map((f) => ({
            path: f.path,
            mode: "100644" as const,
            type: "blob" as const,
            content: f.content,
          })),
        }),
      );
      const commit = await this.call("creating the commit", () =>
        this.octokit.rest.git.createCommit({
          owner: this.owner,
          repo: this.repo,
          message: set.message,
          tree: tree.data.sha,
          parents,
        }),
      );
      this.commits.set(commit.data.sha, { tree: tree.data.sha, parents });
      try {
        if (headSha) {
          await this.octokit.rest.git.updateRef({
            owner: this.owner,
            repo: this.repo,
            ref: `heads/${branch}`,
            sha: commit.data.sha,
            force: false,
          });
        } else {
          await this.octokit.rest.git.createRef({
            owner: this.owner,
            repo: this.repo,
            ref: `refs/heads/${branch}`,
            sha: commit.data.sha,
          });
        }
      } catch (e) {
        if (lostRace(e) && attempt < MAX_RACE_RETRIES) continue;
        throw toRemoteError(e, `${headSha ? "moving" : "creating"} branch ${branch}`);
      }
      return {
        branch,
        sha: commit.data.sha,
        status: headSha ? "updated" : "created",
        ...(headSha ? { previousSha: headSha, previousContents } : {}),
        retries: attempt,
      };
    }
  }

  async findOpenPullRequest(head: string, base?: string): Promise<PullRequest | undefined> {
    const { data } = await this.call(`listing pull requests for ${head}`, () =>
      this.octokit.rest.pulls.list({
        owner: this.owner,
        repo: this.repo,
        state: "open",
        head: `${this.owner}:${head}`,
        ...(base ? { base } : {}),
        per_page: 10,
      }),
    );
    const found = (data as RawPull[]).find((p) => p.head.ref === head);
    return found ? toPull(found) : undefined;
  }

  async listOpenPullRequests(base?: string): Promise<readonly PullRequest[]> {
    const all = await this.call("listing open pull requests", () =>
      this.octokit.paginate(this.octokit.rest.pulls.list, {
        owner: this.owner,
        repo: this.repo,
        state: "open",
        ...(base ? { base } : {}),
        per_page: 100,
      }),
    );
    return (all as RawPull[]).map(toPull);
  }

  async createPullRequest(input: PullRequestInput): Promise<{ pr: PullRequest; existed: boolean }> {
    try {
      const { data } = await this.octokit.rest.pulls.create({
        owner: this.owner,
        repo: this.repo,
        head: input.head,
        base: input.base,
        title: input.title,
        body: input.body,
      });
      return { pr: toPull(data as RawPull), existed: false };
    } catch (e) {
      if (statusOf(e) === 422 && /pull request already exists/i.test(messageOf(e))) {
        const pr = await this.findOpenPullRequest(input.head, input.base);
        if (pr) return { pr, existed: true };
      }
      throw toRemoteError(e, `opening the pull request for ${input.head}`);
    }
  }

  async updatePullRequest(number: number, change: { title?: string; body?: string }): Promise<PullRequest> {
    const { data } = await this.call(`updating pull request #${number}`, () =>
      this.octokit.rest.pulls.update({ owner: this.owner, repo: this.repo, pull_number: number, ...change }),
    );
    return toPull(data as RawPull);
  }

  async addLabels(number: number, labels: readonly string[]): Promise<void> {
    if (labels.length === 0) return;
    await this.call(`labelling pull request #${number}`, () =>
      this.octokit.rest.issues.addLabels({
        owner: this.owner,
        repo: this.repo,
        issue_number: number,
        labels: [...labels],
      }),
    );
  }

  async comment(number: number, body: string): Promise<void> {
    await this.call(`commenting on #${number}`, () =>
      this.octokit.rest.issues.createComment({
        owner: this.owner,
        repo: this.repo,
        issue_number: number,
        body,
      }),
    );
  }

  async closePullRequest(number: number): Promise<void> {
    await this.call(`closing pull request #${number}`, () =>
      this.octokit.rest.pulls.update({
        owner: this.owner,
        repo: this.repo,
        pull_number: number,
        state: "closed",
      }),
    );
  }

  async mergePullRequest(
    number: number,
    options: { sha?: string; method?: "merge" | "squash" | "rebase" } = {},
  ): Promise<MergeOutcome> {
    const { data } = await this.call(`merging pull request #${number}`, () =>
      this.octokit.rest.pulls.merge({
        owner: this.owner,
        repo: this.repo,
        pull_number: number,
        ...(options.sha ? { sha: options.sha } : {}),
        merge_method: options.method ?? "merge",
      }),
    );
    return { merged: data.merged, sha: data.sha, message: data.message };
  }

  commitUrl(sha: string): string {
    return `${this.htmlUrl}/${this.repository}/commit/${sha}`;
  }
}

function decodeContent(data: unknown): string | undefined {
  const d = data as { content?: string; encoding?: string };
  if (typeof d?.content !== "string") return undefined;
  return d.encoding === "base64" ? Buffer.from(d.content, "base64").toString("utf8") : d.content;
}

/** The GitHub forge from settings (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL). */
export function createGitHubForge(settings: GitHubSettings): GitHubForge {
  const api = settings.apiUrl ?? "https://api.github.com";
  const html = api === "https://api.github.com" ? "https://github.com" : api.replace(/\/api\/v3\/?$/, "");
  return new GitHubForge(createOctokit(settings), settings.repository, html);
}
