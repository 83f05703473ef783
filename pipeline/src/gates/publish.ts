// Publishes a gate report as the commit status `ngx-release/gate-<env>` on the promotion PR's head
// (or a given sha), so branch protection can require it. Without GITHUB_TOKEN, or with --dry-run,
// it only says what it would publish.
import type { Repo } from "../config/load.js";
import type { GateReport } from "./index.js";

/** Publishes `report`; `targetUrl` links the status to the workflow run that computed it. */
export async function publishGateReport(
  repo: Repo,
  report: GateReport,
  env: NodeJS.ProcessEnv,
  opts: { sha?: string; dryRun?: boolean; targetUrl?: string },
  info: (text: string) => void,
): Promise<Record<string, unknown>> {
  const context = `ngx-release/gate-${report.environment}`;
  const closed = report.gates.filter((g) => !g.open);
  const description = report.open
    ? `all ${report.gates.length} gates open for ${report.version}`
    : `${closed.length} closed: ${closed.map((g) => `${g.name}: ${g.reason}`).join("; ")}`;
  const state = report.open ? "success" : "failure";
  let sha = opts.sha;
  let pr: number | undefined;
  if (!sha) {
    const { createForge } = await import("../adapters/forge-factory.js");
    const forge = await createForge(env, repo);
    const found = await forge.findOpenPullRequest(`promote/${report.environment}`, repo.config.baseBranch);
    if (!found) {
      info(
        `no open promotion PR for ${report.environment} (head promote/${report.environment}): nothing to report on`,
      );
      return { context, state, description, sha: null };
    }
    sha = found.headSha;
    pr = found.number;
  }
  const targetUrl = opts.targetUrl;
  const status = { sha, state, context, description, ...(targetUrl ? { targetUrl } : {}) } as const;
  const { githubSettingsFromEnv } = await import("../adapters/github/octokit.js");
  const settings = githubSettingsFromEnv(env, repo.config.repository);
  if (!settings || opts.dryRun) {
    info(
      `${opts.dryRun ? "dry run" : "no GITHUB_TOKEN"}: would publish ${context}=${state} on ${sha.slice(0, 7)}: ${description}`,
    );
    return { ...status, ...(pr ? { pullRequest: pr } : {}), published: false };
  }
  const { publishCommitStatus } = await import("../adapters/github/ledger.js");
  await publishCommitStatus(settings, status); // settings carry NGX_GITHUB_RETRY_DELAY_MS already
  info(`published ${context}=${state} on ${sha.slice(0, 7)}${pr ? ` (PR #${pr})` : ""}`);
  return { ...status, ...(pr ? { pullRequest: pr } : {}), published: true };
}
