// Picks the ledger: GitHub Deployments when GITHUB_TOKEN is set (loaded lazily so commands that never
// talk to GitHub start fast), else the local file under .git/.
import type { Repo } from "../config/load.js";
import type { Clock } from "../time/clock.js";
import { LocalLedger } from "./local.js";
import type { Ledger } from "./types.js";

export async function openLedger(repo: Repo, env: NodeJS.ProcessEnv, clock: Clock): Promise<Ledger> {
  if (env.GITHUB_TOKEN) {
    const { githubSettingsFromEnv } = await import("../adapters/github/octokit.js");
    const { GitHubLedger } = await import("../adapters/github/ledger.js");
    const settings = githubSettingsFromEnv(env, repo.config.repository);
    if (settings) return GitHubLedger.create(settings, repo.config.baseBranch, repo.config.pipelineIdentity);
  }
  return LocalLedger.open(repo.root, clock);
}
