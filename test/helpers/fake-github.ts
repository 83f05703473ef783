// A stateful fake of the GitHub REST API on FakeServer, for the endpoints the forge uses: refs,
// trees and commits (Git Data API), contents, pulls, labels, issue comments, merges. It answers with
// GitHub's real status codes and error bodies ("Reference already exists", "Update is not a fast
// forward", "A pull request already exists for owner:branch.", "Head branch was modified…"),
// x-ratelimit-* headers on every answer and Link pagination. Faults are injected per route, and
// other fakes (deployments, statuses) can add routes on the same `server`.
import { createHash } from "node:crypto";
import { type FakeRequest, type FakeResponse, FakeServer } from "./fake-server.js";

const DOCS = "https://docs.github.com/rest";

export interface FakeCommit {
  readonly sha: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly message: string;
}

export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: "open" | "closed";
  merged_at: string | null;
  labels: string[];
  comments: string[];
}

interface Fault {
  readonly method: string;
  readonly path: RegExp;
  readonly responses: FakeResponse[];
}

interface Hook {
  readonly method: string;
  readonly path: RegExp;
  readonly run: (req: FakeRequest) => Promise<void> | void;
}

function sha1(value: unknown): string {
  return createHash("sha1").update(JSON.stringify(value)).digest("hex");
}

function error(status: number, message: string, extra: Record<string, unknown> = {}): FakeResponse {
  return { status, body: { message, documentation_url: DOCS, status: String(status), ...extra } };
}

export class FakeGitHub {
  readonly trees = new Map<string, Map<string, string>>();
  readonly commits = new Map<string, FakeCommit>();
  readonly refs = new Map<string, string>();
  readonly pulls: FakePull[] = [];
  /** when set, requests must carry this token */
  token = "test-token";
  /** a token without contents:write / pull-requests:write: every write answers 403 */
  readOnly = false;
  private remaining = 5000;
  private readonly faults: Fault[] = [];
  private readonly hooks: Hook[] = [];
  private clock = 0;

  private constructor(
    readonly server: FakeServer,
    readonly owner: string,
    readonly repo: string,
  ) {}

  static async start(repository = "acme/delivery", server?: FakeServer): Promise<FakeGitHub> {
    const [owner, repo] = repository.split("/") as [string, string];
    const fake = new FakeGitHub(server ?? (await FakeServer.start()), owner, repo);
    fake.routes();
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  get repository(): string {
    return `${this.owner}/${this.repo}`;
  }

  /** environment for the CLI / forge factory pointing at this fake */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      GITHUB_TOKEN: this.token,
      GITHUB_REPOSITORY: this.repository,
      GITHUB_API_URL: this.url,
      NGX_GITHUB_RETRY_DELAY_MS: "5",
      NGX_GITHUB_WRITE_SPACING_MS: "0",
      ...extra,
    };
  }

  // ---- state ------------------------------------------------------------------------------------

  /** commits `files` on top of `branch` (created from nothing when missing), like a push */
  push(branch: string, files: Record<string, string>, message = "push"): string {
    const parent = this.refs.get(`heads/${branch}`);
    const base = parent ? this.treeOf(parent) : new Map<string, string>();
    const tree = this.putTree(new Map([...base, ...Object.entries(files)]));
    const sha = this.putCommit(tree, parent ? [parent] : [], message);
    this.refs.set(`heads/${branch}`, sha);
    return sha;
  }

  fileAt(ref: string, path: string): string | undefined {
    const sha = this.resolve(ref);
    return sha ? this.treeOf(sha).get(path) : undefined;
  }

  branch(name: string): string | undefined {
    return this.refs.get(`heads/${name}`);
  }

  openPulls(): FakePull[] {
    return this.pulls.filter((p) => p.state === "open");
  }

  /** the next `responses.length` requests matching method and path get these answers instead */
  fail(method: string, path: RegExp, ...responses: FakeResponse[]): this {
    this.faults.push({ method: method.toUpperCase(), path, responses: [...responses] });
    return this;
  }

  /** runs `run` once, before the next request matching method and path is handled */
  beforeOnce(method: string, path: RegExp, run: Hook["run"]): this {
    this.hooks.push({ method: method.toUpperCase(), path, run });
    return this;
  }

  /** requests that change state (everything but GET/HEAD) */
  writes(): FakeRequest[] {
    return this.server.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD");
  }

  isAncestor(ancestor: string, sha: string): boolean {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length) {
      const s = stack.pop() as string;
      if (s === ancestor) return true;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...(this.commits.get(s)?.parents ?? []));
    }
    return false;
  }

  private putTree(entries: Map<string, string>): string {
    const sorted = [...entries].sort(([a], [b]) => a.localeCompare(b));
    const sha = sha1(sorted);
    this.trees.set(sha, new Map(sorted));
    return sha;
  }

  private putCommit(tree: string, parents: readonly string[], message: string): string {
    this.clock += 1;
    const sha = sha1({ tree, parents, message, clock: this.clock });
    this.commits.set(sha, { sha, tree, parents, message });
    return sha;
  }

  private treeOf(commit: string): Map<string, string> {
    const c = this.commits.get(commit);
    return (c && this.trees.get(c.tree)) ?? new Map();
  }

  private resolve(ref: string): string | undefined {
    if (this.commits.has(ref)) return ref;
    return this.refs.get(`heads/${ref.replace(/^refs\/heads\//, "")}`);
  }

  private pullJson(p: FakePull) {
    const head = this.refs.get(`heads/${p.head}`) ?? "";
    return {
      number: p.number,
      html_url: `https://github.example.test/${this.repository}/pull/${p.number}`,
      title: p.title,
      body: p.body,
      state: p.state,
      merged_at: p.merged_at,
      head: { ref: p.head, sha: head, label: `${this.owner}:${p.head}` },
      base: { ref: p.base, sha: this.refs.get(`heads/${p.base}`) ?? "" },
      labels: p.labels.map((name) => ({ name })),
    };
  }

  // ---- routes -----------------------------------------------------------------------------------

  private routes(): void {
    const prefix = `/repos/${this.owner}/${this.repo}`;
    const r = (method: string, tail: string, impl: (req: FakeRequest) => FakeResponse) => {
      const path = new RegExp(`^${prefix.replace(/[.]/g, "\\.")}${tail}$`);
      this.server.allow(method, path, (req) => this.dispatch(req, impl));
    };
    r("GET", "/git/ref/(.+)", (req) => {
      const sha = this.refs.get(dec(req.params[0]));
      if (!sha) return error(404, "Not Found");
      return { body: { ref: `refs/${dec(req.params[0])}`, object: { sha, type: "commit" } } };
    });
    // GET /branches/{branch}: the head commit with its tree and parents (the shape of GitHub's
    // "Get a branch": name, commit { sha, commit { tree { sha } }, parents [{ sha }] }, protected)
    r("GET", "/branches/(.+)", (req) => {
      const name = dec(req.params[0]);
      const sha = this.refs.get(`heads/${name}`);
      const c = sha ? this.commits.get(sha) : undefined;
      if (!sha || !c) return error(404, "Branch not found");
      return {
        body: {
          name,
          commit: {
            sha,
            commit: { tree: { sha: c.tree }, message: c.message },
            parents: c.parents.map((p) => ({ sha: p })),
          },
          protected: false,
        },
      };
    });
    r("GET", "/git/commits/([0-9a-f]{40})", (req) => {
      const c = this.commits.get(req.params[0] as string);
      if (!c) return error(404, "Not Found");
      return {
        body: {
          sha: c.sha,
          tree: { sha: c.tree },
          parents: c.parents.map((sha) => ({ sha })),
          message: c.message,
        },
      };
    });
    r("GET", "/contents/(.+)", (req) => {
      const ref = req.query.get("ref") ?? "main";
      const sha = this.resolve(ref);
      if (!sha) return error(404, `No commit found for the ref ${ref}`);
      const path = dec(req.params[0]);
      const content = this.treeOf(sha).get(path);
      if (content === undefined) return error(404, "Not Found");
      if (String(req.headers.accept ?? "").includes("raw")) {
        return { headers: { "content-type": "text/plain; charset=utf-8" }, body: content };
      }
      return {
        body: { type: "file", path, encoding: "base64", content: Buffer.from(content).toString("base64") },
      };
    });
    r("POST", "/git/trees", (req) => {
      const body = req.body as {
        base_tree?: string;
        tree?: { path: string; content?: string; sha?: string | null }[];
      };
      let base = new Map<string, string>();
      if (body.base_tree) {
        const t = this.trees.get(body.base_tree);
        if (!t) return error(422, "Invalid tree info", { errors: ["base_tree not found"] });
        base = new Map(t);
      }
      for (const e of body.tree ?? []) {
        if (typeof e.content === "string") base.set(e.path, e.content);
        else if (e.sha === null) base.delete(e.path);
        else return error(422, "Invalid tree info");
      }
      const sha = this.putTree(base);
      return {
        status: 201,
        body: { sha, truncated: false, tree: [...base.keys()].map((path) => ({ path })) },
      };
    });
    r("POST", "/git/commits", (req) => {
      const body = req.body as { tree?: string; parents?: string[]; message?: string };
      if (!body.tree || !this.trees.has(body.tree)) return error(422, "Tree SHA does not exist");
      if ((body.parents ?? []).some((p) => !this.commits.has(p)))
        return error(422, "Parent SHA does not exist or is not a commit object");
      const sha = this.putCommit(body.tree, body.parents ?? [], body.message ?? "");
      return {
        status: 201,
        body: {
          sha,
          tree: { sha: body.tree },
          parents: (body.parents ?? []).map((s) => ({ sha: s })),
          message: body.message,
        },
      };
    });
    r("POST", "/git/refs", (req) => {
      const body = req.body as { ref?: string; sha?: string };
      if (!body.ref?.startsWith("refs/") || body.ref.split("/").length < 3)
        return error(422, "Reference name is not valid");
      if (!body.sha || !this.commits.has(body.sha)) return error(422, "Object does not exist");
      const key = body.ref.replace(/^refs\//, "");
      if (this.refs.has(key)) return error(422, "Reference already exists");
      this.refs.set(key, body.sha);
      return { status: 201, body: { ref: body.ref, object: { sha: body.sha, type: "commit" } } };
    });
    r("PATCH", "/git/refs/(.+)", (req) => {
      const key = dec(req.params[0]);
      const body = req.body as { sha?: string; force?: boolean };
      const current = this.refs.get(key);
      if (!current) return error(422, "Reference does not exist");
      if (!body.sha || !this.commits.has(body.sha)) return error(422, "Object does not exist");
      if (!body.force && !this.isAncestor(current, body.sha))
        return error(422, "Update is not a fast forward");
      this.refs.set(key, body.sha);
      return { body: { ref: `refs/${key}`, object: { sha: body.sha, type: "commit" } } };
    });
    r("GET", "/pulls", (req) => {
      const head = req.query.get("head");
      const base = req.query.get("base");
      const state = req.query.get("state") ?? "open";
      const perPage = Number(req.query.get("per_page") ?? 30);
      const page = Number(req.query.get("page") ?? 1);
      const all = this.pulls
        .filter((p) => state === "all" || p.state === state)
        .filter((p) => !head || `${this.owner}:${p.head}` === head)
        .filter((p) => !base || p.base === base)
        .sort((a, b) => b.number - a.number);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const links: string[] = [];
      const link = (n: number, rel: string) => {
        const q = new URLSearchParams(req.query);
        q.set("page", String(n));
        links.push(`<${this.url}${req.path}?${q}>; rel="${rel}"`);
      };
      if (page < last) {
        link(page + 1, "next");
        link(last, "last");
      }
      return {
        headers: (links.length ? { link: links.join(", ") } : {}) as Record<string, string>,
        body: all.slice((page - 1) * perPage, page * perPage).map((p) => this.pullJson(p)),
      };
    });
    r("GET", "/pulls/(\\d+)", (req) => {
      const p = this.pulls.find((x) => x.number === Number(req.params[0]));
      return p ? { body: this.pullJson(p) } : error(404, "Not Found");
    });
    r("POST", "/pulls", (req) => {
      const body = req.body as { head?: string; base?: string; title?: string; body?: string };
      const head = (body.head ?? "").replace(new RegExp(`^${this.owner}:`), "");
      if (!body.title)
        return error(422, "Validation Failed", {
          errors: [{ resource: "PullRequest", field: "title", code: "missing_field" }],
        });
      if (!this.refs.has(`heads/${head}`) || !this.refs.has(`heads/${body.base}`)) {
        return error(422, "Validation Failed", {
          errors: [{ resource: "PullRequest", field: "head", code: "invalid" }],
        });
      }
      if (this.pulls.some((p) => p.state === "open" && p.head === head && p.base === body.base)) {
        return error(422, "Validation Failed", {
          errors: [
            {
              resource: "PullRequest",
              code: "custom",
              message: `A pull request already exists for ${this.owner}:${head}.`,
            },
          ],
        });
      }
      if ((body.body ?? "").length > 65_536) {
        return error(422, "Validation Failed", {
          errors: [
            {
              resource: "Issue",
              field: "body",
              code: "custom",
              message: "body is too long (maximum is 65536 characters)",
            },
          ],
        });
      }
      const p: FakePull = {
        number: this.pulls.length + 1,
        title: body.title,
        body: body.body ?? "",
        head,
        base: body.base as string,
        state: "open",
        merged_at: null,
        labels: [],
        comments: [],
      };
      this.pulls.push(p);
      return { status: 201, body: this.pullJson(p) };
    });
    r("PATCH", "/pulls/(\\d+)", (req) => {
      const p = this.pulls.find((x) => x.number === Number(req.params[0]));
      if (!p) return error(404, "Not Found");
      const body = req.body as { title?: string; body?: string; state?: "open" | "closed" };
      if ((body.body ?? "").length > 65_536) return error(422, "Validation Failed");
      if (body.title !== undefined) p.title = body.title;
      if (body.body !== undefined) p.body = body.body;
      if (body.state) p.state = body.state;
      return { body: this.pullJson(p) };
    });
    r("PUT", "/pulls/(\\d+)/merge", (req) => {
      const p = this.pulls.find((x) => x.number === Number(req.params[0]));
      if (!p) return error(404, "Not Found");
      if (p.state !== "open") return error(405, "Pull Request is not mergeable");
      const body = (req.body ?? {}) as { sha?: string };
      const head = this.refs.get(`heads/${p.head}`) as string;
      const base = this.refs.get(`heads/${p.base}`) as string;
      if (body.sha && body.sha !== head)
        return error(409, "Head branch was modified. Review and try the merge again.");
      if (!this.isAncestor(base, head)) return error(405, "Pull Request is not mergeable");
      const sha = this.putCommit(
        this.commits.get(head)?.tree as string,
        [base, head],
        `Merge pull request #${p.number}`,
      );
      this.refs.set(`heads/${p.base}`, sha);
      p.state = "closed";
      p.merged_at = new Date(0).toISOString();
      return { body: { sha, merged: true, message: "Pull Request successfully merged" } };
    });
    r("POST", "/issues/(\\d+)/labels", (req) => {
      const p = this.pulls.find((x) => x.number === Number(req.params[0]));
      if (!p) return error(404, "Not Found");
      const body = req.body as { labels?: string[] };
      for (const l of body.labels ?? []) if (!p.labels.includes(l)) p.labels.push(l);
      return { body: p.labels.map((name) => ({ name })) };
    });
    r("POST", "/issues/(\\d+)/comments", (req) => {
      const p = this.pulls.find((x) => x.number === Number(req.params[0]));
      if (!p) return error(404, "Not Found");
      p.comments.push((req.body as { body?: string }).body ?? "");
      return { status: 201, body: { id: p.comments.length, body: (req.body as { body?: string }).body } };
    });
  }

  private async dispatch(req: FakeRequest, impl: (req: FakeRequest) => FakeResponse): Promise<FakeResponse> {
    const hook = this.hooks.findIndex((h) => h.method === req.method && h.path.test(req.path));
    if (hook >= 0) {
      const [h] = this.hooks.splice(hook, 1);
      await h?.run(req);
    }
    const rate = () => {
      this.remaining = Math.max(0, this.remaining - 1);
      return {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": String(this.remaining),
        "x-ratelimit-used": String(5000 - this.remaining),
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
        "x-ratelimit-resource": "core",
      };
    };
    const fault = this.faults.find(
      (f) => f.method === req.method && f.path.test(req.path) && f.responses.length,
    );
    if (fault) {
      const res = fault.responses.shift() as FakeResponse;
      return { ...res, headers: { ...rate(), ...res.headers } };
    }
    const auth = String(req.headers.authorization ?? "");
    if (
      this.token &&
      auth !== `token ${this.token}` &&
      auth !== `bearer ${this.token}` &&
      auth !== `Bearer ${this.token}`
    ) {
      return { ...error(401, "Bad credentials"), headers: rate() };
    }
    if (this.readOnly && req.method !== "GET") {
      return { ...error(403, "Resource not accessible by personal access token"), headers: rate() };
    }
    const res = impl(req);
    return { ...res, headers: { ...rate(), ...res.headers } };
  }
}

function dec(s: string | undefined): string {
  return decodeURIComponent(s ?? "");
}
