// Where the GitHub token comes from, in the order gh and the Actions toolkit users already know:
// GITHUB_TOKEN, then GH_TOKEN (gh's own variable), then `gh auth token` (the token gh stored at
// `gh auth login`; gh prints it on stdout and exits non-zero when logged out). The rest of the
// pipeline reads GITHUB_TOKEN only; this returns the environment with it filled in.
import { spawnSync } from "node:child_process";

export type TokenSource = "GITHUB_TOKEN" | "GH_TOKEN" | "gh auth token";

export interface ResolvedToken {
  readonly env: NodeJS.ProcessEnv;
  readonly source?: TokenSource;
}

/** runs `gh auth token`; undefined when gh is missing, logged out or slow */
export function ghAuthToken(env: NodeJS.ProcessEnv): string | undefined {
  const r = spawnSync("gh", ["auth", "token"], {
    env,
    encoding: "utf8",
    timeout: 5_000,
    stdio: ["ignore", "pipe", "ignore"],
  });
  if (r.error || r.status !== 0) return undefined;
  const token = r.stdout.trim();
  return /^\S+$/.test(token) ? token : undefined;
}

export function resolveGitHubToken(
  env: NodeJS.ProcessEnv,
  fromGh: (env: NodeJS.ProcessEnv) => string | undefined = ghAuthToken,
): ResolvedToken {
  if (env.GITHUB_TOKEN?.trim()) return { env, source: "GITHUB_TOKEN" };
  if (env.GH_TOKEN?.trim()) return { env: { ...env, GITHUB_TOKEN: env.GH_TOKEN.trim() }, source: "GH_TOKEN" };
  // NGX_NO_GH_AUTH=1 keeps a logged-in gh out of it (a run that must stay on the local checkout)
  if (env.NGX_NO_GH_AUTH === "1") return { env };
  const token = fromGh(env);
  return token ? { env: { ...env, GITHUB_TOKEN: token }, source: "gh auth token" } : { env };
}
