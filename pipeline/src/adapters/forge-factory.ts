// Picks the forge: GitHub when GITHUB_TOKEN is set (loaded lazily, so commands that never write
// start fast), else the local checkout.
import type { PromotionConfig } from "../config/schema.js";
import type { Forge } from "./forge.js";
import { LocalGitForge } from "./local-git.js";

export async function createForge(
  env: NodeJS.ProcessEnv,
  repo: { readonly root: string; readonly config: PromotionConfig },
): Promise<Forge> {
  if (!env.GITHUB_TOKEN) return new LocalGitForge(repo.root, env.GITHUB_REPOSITORY ?? repo.config.repository);
  const { githubSettingsFromEnv } = await import("./github/octokit.js");
  const { createGitHubForge } = await import("./github/forge.js");
  const settings = githubSettingsFromEnv(env, repo.config.repository);
  if (!settings) return new LocalGitForge(repo.root, repo.config.repository);
  return createGitHubForge(settings);
}
