// The Forge on the local checkout, used when no GITHUB_TOKEN is set. Branches and commits are made
// with git plumbing on a temporary index (GIT_INDEX_FILE), so the user's working tree and index are
// not touched; the ref moves last, compare-and-swap on its old value (a lost race is retried).
// "Pull requests" are records in <git dir>/ngx-release/pulls.json; the command prints their text.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { ConfigError, InputError } from "../errors.js";
import { changeAt, compareWithHead } from "./commit-plan.js";
import type {
  CommitOutcome,
  CommitRequest,
  FileChange,
  Forge,
  MergeOutcome,
  PullRequest,
  PullRequestInput,
} from "./forge.js";

const MAX_RACE_RETRIES = 5;

interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface PullRecord extends PullRequest {
  readonly comments: string[];
}

interface PullStore {
  next: number;
  pulls: PullRecord[];
}

export class LocalGitForge implements Forge {
  readonly kind = "local" as const;
  private identity: Record<string, string> | undefined;

  constructor(
    readonly root: string,
    readonly repository?: string,
  ) {}

  git(
    args: readonly string[],
    options: { env?: Record<string, string>; input?: string } = {},
  ): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        "git",
        [...args],
        { cwd: this.root, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error && typeof (error as { code?: unknown }).code !== "number") {
            reject(
              new ConfigError(`git ${args[0]} failed: ${error.message}`, {
                cause: error,
                hint: "install git",
              }),
            );
            return;
          }
          resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr });
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  private async must(
    args: readonly string[],
    options: { env?: Record<string, string>; input?: string } = {},
  ): Promise<string> {
    const r = await this.git(args, options);
    if (r.code !== 0) {
      throw new ConfigError(
        `git ${args.join(" ")} failed in ${this.root}: ${r.stderr.trim() || `exit ${r.code}`}`,
      );
    }
    return r.stdout.trim();
  }

  async branchSha(branch: string): Promise<string | undefined> {
    const r = await this.git(["rev-parse", "-q", "--verify", `refs/heads/${branch}^{commit}`]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  async readFile(path: string, ref: string): Promise<string | undefined> {
    const r = await this.git(["cat-file", "blob", `${ref}:${path}`]);
    return r.code === 0 ? r.stdout : undefined;
  }

  ensureBranchCommit(request: CommitRequest): Promise<CommitOutcome> {
    return this.writeRef(request.branch, request.base, request.change, request.baseSha);
  }

  commitToBase(request: Omit<CommitRequest, "branch">): Promise<CommitOutcome> {
    return this.writeRef(request.base, request.base, request.change, request.baseSha);
  }

  private async commitEnv(): Promise<Record<string, string>> {
    if (!this.identity) {
      const r = await this.git(["var", "GIT_COMMITTER_IDENT"]);
      this.identity =
        r.code === 0
          ? {}
          : {
              GIT_AUTHOR_NAME: "ngx-release",
              GIT_AUTHOR_EMAIL: "ngx-release@localhost",
              GIT_COMMITTER_NAME: "ngx-release",
              GIT_COMMITTER_EMAIL: "ngx-release@localhost",
            };
    }
    return this.identity;
  }

  private async checkedOutBranch(): Promise<string | undefined> {
    const r = await this.git(["symbolic-ref", "-q", "HEAD"]);
    return r.code === 0 ? r.stdout.trim().replace(/^refs\/heads\//, "") : undefined;
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
      if (!baseSha) throw new ConfigError(`base branch ${base} does not exist in ${this.root}`);
      const set = await changeAt(change, baseSha, (p, sha) => this.readFile(p, sha));
      const headSha = direct ? baseSha : await this.branchSha(branch);
      const { unchanged, previousContents } = await compareWithHead(
        { branch, set, baseSha, headSha, attempt },
        (p, sha) => this.readFile(p, sha),
      );
      if (unchanged) return unchanged;
      const checkedOut = direct && (await this.checkedOutBranch()) === base;
      if (checkedOut) await this.refuseLocalEdits(set.files);
      let parents = [baseSha];
      if (headSha && headSha !== baseSha) {
        const headParents = (await this.must(["rev-parse", `${headSha}^@`])).split("\n").filter(Boolean);
        parents = headParents.includes(baseSha) ? [headSha] : [headSha, baseSha];
      }
      const commit = await this.makeCommit(baseSha, set.files, set.message, parents);
      const r = await this.git([
        "update-ref",
        "-m",
        "ngx-release",
        `refs/heads/${branch}`,
        commit,
        headSha ?? "0".repeat(40),
      ]);
      if (r.code !== 0) {
        if (attempt < MAX_RACE_RETRIES) continue;
        throw new ConfigError(`branch ${branch} kept moving while ngx-release wrote it: ${r.stderr.trim()}`);
      }
      if (checkedOut) await this.syncCheckout(set.files);
      return {
        branch,
        sha: commit,
        status: headSha && !direct ? "updated" : direct ? "updated" : "created",
        ...(headSha ? { previousSha: headSha, previousContents } : {}),
        retries: attempt,
      };
    }
  }

  /** tree of `baseSha` plus `files`, committed with `parents`; only a temporary index is used */
  private async makeCommit(
    baseSha: string,
    files: readonly FileChange[],
    message: string,
    parents: string[],
  ): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "ngx-index-"));
    const env = { ...(await this.commitEnv()), GIT_INDEX_FILE: join(dir, "index") };
    try {
      await this.must(["read-tree", baseSha], { env });
      for (const f of files) {
        const blob = await this.must(["hash-object", "-w", "--stdin"], { input: f.content });
        await this.must(["update-index", "--add", "--cacheinfo", `100644,${blob},${f.path}`], { env });
      }
      const tree = await this.must(["write-tree"], { env });
      return await this.must(["commit-tree", tree, ...parents.flatMap((p) => ["-p", p]), "-F", "-"], {
        env,
        input: message,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async refuseLocalEdits(files: readonly FileChange[]): Promise<void> {
    const r = await this.git(["status", "--porcelain", "--", ...files.map((f) => f.path)]);
    if (r.stdout.trim() !== "") {
      throw new InputError(
        `refusing to commit to the checked-out branch: ${files.map((f) => f.path).join(", ")} has local changes`,
        { hint: "commit or discard them first (ngx-release writes these files itself)" },
      );
    }
  }

  /** after a direct commit on the checked-out branch: the written files in the index and working tree match it */
  private async syncCheckout(files: readonly FileChange[]): Promise<void> {
    for (const f of files) {
      const blob = await this.must(["hash-object", "-w", "--stdin"], { input: f.content });
      await this.must(["update-index", "--add", "--cacheinfo", `100644,${blob},${f.path}`]);
      const target = join(this.root, f.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, f.content);
    }
  }

  // ---- pull request records -------------------------------------------------------------------

  private async storePath(): Promise<string> {
    const dir = await this.must(["rev-parse", "--git-common-dir"]);
    return join(isAbsolute(dir) ? dir : join(this.root, dir), "ngx-release", "pulls.json");
  }

  private async load(): Promise<PullStore> {
    try {
      return JSON.parse(await readFile(await this.storePath(), "utf8")) as PullStore;
    } catch {
      return { next: 1, pulls: [] };
    }
  }

  private async save(store: PullStore): Promise<void> {
    const path = await this.storePath();
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(store, null, 2)}\n`);
  }

  /**
   * Closes records whose branch was deleted or merged into the base by hand (persisted, so a branch
   * created again later gets a new pull request). Call with the store loaded under the lock.
   */
  private async sweep(store: PullStore): Promise<boolean> {
    let changed = false;
    for (const [i, p] of store.pulls.entries()) {
      if (p.state !== "open") continue;
      const head = await this.branchSha(p.head);
      const base = await this.branchSha(p.base);
      const merged = Boolean(
        head && base && (await this.git(["merge-base", "--is-ancestor", head, base])).code === 0,
      );
      if (!head || merged) {
        store.pulls[i] = { ...p, state: "closed", merged };
        changed = true;
      }
    }
    return changed;
  }

  /** the store with stale records closed */
  private swept(): Promise<PullStore> {
    return this.locked(async () => {
      const store = await this.load();
      if (await this.sweep(store)) await this.save(store);
      return store;
    });
  }

  private async refresh(p: PullRecord): Promise<PullRecord> {
    return { ...p, headSha: (await this.branchSha(p.head)) ?? p.headSha };
  }

  private strip(p: PullRecord): PullRequest {
    const { comments: _c, ...pr } = p;
    return pr;
  }

  async findOpenPullRequest(head: string, base?: string): Promise<PullRequest | undefined> {
    const store = await this.swept();
    const p = store.pulls.find((x) => x.state === "open" && x.head === head && (!base || x.base === base));
    return p ? this.strip(await this.refresh(p)) : undefined;
  }

  async listOpenPullRequests(base?: string): Promise<readonly PullRequest[]> {
    const store = await this.swept();
    const open = store.pulls.filter((x) => x.state === "open" && (!base || x.base === base));
    return Promise.all(open.map(async (p) => this.strip(await this.refresh(p))));
  }

  createPullRequest(input: PullRequestInput): Promise<{ pr: PullRequest; existed: boolean }> {
    return this.locked(() => this.createUnlocked(input));
  }

  private async createUnlocked(input: PullRequestInput): Promise<{ pr: PullRequest; existed: boolean }> {
    const store = await this.load();
    await this.sweep(store);
    const existing = store.pulls.find((x) => x.state === "open" && x.head === input.head);
    if (existing) return { pr: this.strip(await this.refresh(existing)), existed: true };
    const headSha = await this.branchSha(input.head);
    if (!headSha) throw new InputError(`branch ${input.head} does not exist in ${this.root}`);
    const record: PullRecord = {
      number: store.next,
      url: `local branch ${input.head} (no GITHUB_TOKEN: push it and open the pull request yourself)`,
      title: input.title,
      body: input.body,
      head: input.head,
      headSha,
      base: input.base,
      labels: [],
      state: "open",
      comments: [],
    };
    store.next += 1;
    store.pulls.push(record);
    await this.save(store);
    return { pr: this.strip(record), existed: false };
  }

  /** serialises read-modify-write of the record file between processes (mkdir is atomic) */
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const lock = `${await this.storePath()}.lock`;
    await mkdir(dirname(lock), { recursive: true });
    for (let i = 0; ; i++) {
      try {
        await mkdir(lock);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST" || i > 200) throw e;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }

  private edit(number: number, fn: (p: PullRecord) => PullRecord): Promise<PullRecord> {
    return this.locked(() => this.editUnlocked(number, fn));
  }

  private async editUnlocked(number: number, fn: (p: PullRecord) => PullRecord): Promise<PullRecord> {
    const store = await this.load();
    const i = store.pulls.findIndex((x) => x.number === number);
    const found = store.pulls[i];
    if (!found) throw new InputError(`no local pull request #${number}`);
    const next = fn(found);
    store.pulls[i] = next;
    await this.save(store);
    return next;
  }

  async updatePullRequest(number: number, change: { title?: string; body?: string }): Promise<PullRequest> {
    return this.strip(await this.refresh(await this.edit(number, (p) => ({ ...p, ...change }))));
  }

  async addLabels(number: number, labels: readonly string[]): Promise<void> {
    await this.edit(number, (p) => ({ ...p, labels: [...new Set([...p.labels, ...labels])] }));
  }

  async comment(number: number, body: string): Promise<void> {
    await this.edit(number, (p) => ({ ...p, comments: [...p.comments, body] }));
  }

  async closePullRequest(number: number): Promise<void> {
    await this.edit(number, (p) => ({ ...p, state: "closed" }));
  }

  /** fast-forwards the base to the head (the checked-out base is left to the user: git merge --ff-only) */
  async mergePullRequest(number: number, options: { sha?: string } = {}): Promise<MergeOutcome> {
    const store = await this.load();
    const p = store.pulls.find((x) => x.number === number);
    if (p?.state !== "open") throw new InputError(`no open local pull request #${number}`);
    const head = await this.branchSha(p.head);
    const base = await this.branchSha(p.base);
    if (!head || !base) return { merged: false, message: `branch ${!head ? p.head : p.base} is missing` };
    if (options.sha && options.sha !== head) return { merged: false, message: "head branch was modified" };
    if ((await this.checkedOutBranch()) === p.base) {
      return { merged: false, message: `${p.base} is checked out here: run git merge --ff-only ${p.head}` };
    }
    const ff = await this.git(["merge-base", "--is-ancestor", base, head]);
    if (ff.code !== 0)
      return { merged: false, message: `${p.head} is not on top of ${p.base}: not mergeable` };
    const r = await this.git(["update-ref", `refs/heads/${p.base}`, head, base]);
    if (r.code !== 0) return { merged: false, message: `${p.base} moved: ${r.stderr.trim()}` };
    await this.edit(number, (x) => ({ ...x, state: "closed", merged: true }));
    return { merged: true, sha: head };
  }

  commitUrl(_sha: string): string | undefined {
    return undefined;
  }
}
