// GET /repos/{owner}/{repo} on a FakeServer the caller owns, answered the way api.github.com does for
// each kind of token: classic tokens get their scopes in `x-oauth-scopes` (and the endpoint's needs in
// `x-accepted-oauth-scopes`); fine-grained actors (GitHub Apps, fine-grained PATs) get no scopes header
// but `x-accepted-github-permissions` (what the endpoint needs, e.g. "metadata=read"). The body's
// `permissions` says what the token's actor may do on the repository (push = write).
import type { FakeServer } from "./fake-server.js";

export interface FakeRepositoryOptions {
  readonly repository: string;
  /** classic token scopes; absent = a fine-grained token or GitHub App */
  readonly scopes?: readonly string[];
  readonly push?: boolean;
  readonly private?: boolean;
}

export function addGitHubRepository(server: FakeServer, o: FakeRepositoryOptions): void {
  const path = new RegExp(`^/repos/${o.repository.replace(/[.]/g, "\\.")}$`);
  const headers: Record<string, string> =
    o.scopes !== undefined
      ? { "x-oauth-scopes": o.scopes.join(", "), "x-accepted-oauth-scopes": "repo" }
      : { "x-accepted-github-permissions": "metadata=read" };
  server.allow("GET", path, () => ({
    headers,
    body: {
      full_name: o.repository,
      private: o.private ?? true,
      default_branch: "main",
      permissions: { admin: false, maintain: false, push: o.push ?? true, triage: true, pull: true },
    },
  }));
}
