// What a GitHub token may write, found without writing (for `doctor`): one GET /repos/{owner}/{repo}.
// - Classic tokens (PATs classic, OAuth apps) carry their scopes in the `x-oauth-scopes` answer header.
// - Fine-grained actors (GitHub Apps — the Actions GITHUB_TOKEN too — and fine-grained PATs) get no
//   such header; GitHub only sends `x-accepted-github-permissions` naming what the endpoint called
//   needs (GitHub changelog 2023-08-10, "X-Accepted-GitHub-Permissions header for fine-grained
//   permission actors"), not what the token holds. What remains is the repository's `permissions`
//   object: `push: false` means no write at all.
// Plain fetch with a timeout (this module never writes, so it does not need the Octokit write throttle).
import { RemoteError } from "../errors.js";

/** The pipeline's GitHub writes, as fine-grained permission names. */
export const GITHUB_WRITES = ["contents", "pull-requests", "deployments", "statuses"] as const;
export type GitHubWrite = (typeof GITHUB_WRITES)[number];

export interface GitHubTokenPermissions {
  /** classic: scopes known; fine-grained: only the repository's permissions are known */
  readonly kind: "classic" | "fine-grained";
  /** x-oauth-scopes (classic tokens) */
  readonly scopes?: readonly string[];
  /** repository.permissions.push: false when the token's actor cannot write the repository at all */
  readonly push?: boolean;
  readonly private?: boolean;
  /** x-accepted-github-permissions, when GitHub sent it */
  readonly acceptedPermissions?: string;
}

export async function readGitHubTokenPermissions(options: {
  readonly token: string;
  readonly repository: string;
  readonly apiUrl?: string;
  readonly timeoutMs?: number;
}): Promise<GitHubTokenPermissions> {
  const base = (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  const [owner, name] = options.repository.split("/");
  const url = `${base}/repos/${encodeURIComponent(owner ?? "")}/${encodeURIComponent(name ?? "")}`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${options.token}`,
        "user-agent": "ngx-release",
        "x-github-api-version": "2022-11-28",
      },
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (e) {
    throw new RemoteError("GitHub", `read ${options.repository}: ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok) {
    throw new RemoteError("GitHub", `read ${options.repository} failed (HTTP ${res.status})`, {
      status: res.status,
    });
  }
  const body = (await res.json().catch(() => ({}))) as {
    private?: boolean;
    permissions?: { push?: boolean };
  };
  const scopesHeader = res.headers.get("x-oauth-scopes");
  const accepted = res.headers.get("x-accepted-github-permissions");
  return {
    kind: scopesHeader === null ? "fine-grained" : "classic",
    ...(scopesHeader !== null
      ? {
          scopes: scopesHeader
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
    ...(typeof body.permissions?.push === "boolean" ? { push: body.permissions.push } : {}),
    ...(typeof body.private === "boolean" ? { private: body.private } : {}),
    ...(accepted ? { acceptedPermissions: accepted } : {}),
  };
}

/**
 * The writes the token is known to lack. Classic scopes (GitHub "Scopes for OAuth apps"): `repo`
 * covers all four; `public_repo` covers contents and pull requests of a public repository;
 * `repo:status` covers commit statuses; `repo_deployment` covers deployments.
 */
export function missingGitHubWrites(p: GitHubTokenPermissions): GitHubWrite[] {
  if (p.push === false) return [...GITHUB_WRITES];
  if (p.kind !== "classic") return [];
  const has = new Set(p.scopes ?? []);
  if (has.has("repo")) return [];
  const publicRepo = has.has("public_repo") && p.private === false;
  return GITHUB_WRITES.filter((w) =>
    w === "contents" || w === "pull-requests"
      ? !publicRepo
      : w === "statuses"
        ? !has.has("repo:status")
        : !has.has("repo_deployment"),
  );
}
