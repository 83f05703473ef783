// The one Octokit factory: REST client with retry and throttling plugins and an explicit doNotRetry
// list. Only files under adapters/github import Octokit; callers load this module lazily
// (await import) so commands that never talk to GitHub start fast.
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import Bottleneck from "bottleneck";
import { ConfigError, RemoteError } from "../../errors.js";

export type GitHubClient = InstanceType<typeof Octokit>;

export interface GitHubSettings {
  readonly token: string;
  /** "owner/name" */
  readonly repository: string;
  /** GITHUB_API_URL, default https://api.github.com */
  readonly apiUrl?: string;
  /** retries for 5xx and rate limits (tests lower the delays through retryAfterBaseValue) */
  readonly retries?: number;
  readonly retryDelayMs?: number;
  /**
   * minimum spacing between write requests (GitHub recommends ≥ 1 s, the throttling plugin's default);
   * only tests against a local fake lower it
   */
  readonly writeSpacingMs?: number;
}

const RetryingOctokit = Octokit.plugin(retry, throttling);

export function createOctokit(settings: GitHubSettings): GitHubClient {
  const retries = settings.retries ?? 3;
  return new RetryingOctokit({
    auth: settings.token,
    baseUrl: settings.apiUrl ?? "https://api.github.com",
    userAgent: "ngx-release",
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    retry: {
      // 4xx answers other than rate limits are final: retrying a 422 never helps
      doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 451],
      retries,
      retryAfterBaseValue: settings.retryDelayMs ?? 1000,
    },
    throttle: {
      ...(settings.writeSpacingMs !== undefined
        ? {
            write: new Bottleneck.Group({ maxConcurrent: 1, minTime: settings.writeSpacingMs }),
            notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: settings.writeSpacingMs }),
          }
        : {}),
      fallbackSecondaryRateRetryAfter: settings.retryDelayMs ? settings.retryDelayMs / 1000 : 60,
      onRateLimit: (_after: number, _options: unknown, _octokit: unknown, retryCount: number) =>
        retryCount < retries,
      onSecondaryRateLimit: (_after: number, _options: unknown, _octokit: unknown, retryCount: number) =>
        retryCount < retries,
    },
  }) as GitHubClient;
}

/**
 * Reads GITHUB_TOKEN / GITHUB_REPOSITORY / GITHUB_API_URL (and the test-only timing knobs
 * NGX_GITHUB_RETRY_DELAY_MS / NGX_GITHUB_WRITE_SPACING_MS); undefined when no token is set.
 */
export function githubSettingsFromEnv(
  env: NodeJS.ProcessEnv,
  fallbackRepository?: string,
): GitHubSettings | undefined {
  const token = env.GITHUB_TOKEN;
  if (!token) return undefined;
  if (token.trim() === "" || /\s/.test(token.trim())) {
    // plainly not a token (blank, or words): configuration, exit 2, before anything is asked of GitHub
    throw new ConfigError("GITHUB_TOKEN is set but is not a token (blank or contains spaces)", {
      hint: "unset it to work on the local checkout, or export the token itself",
    });
  }
  const repository = env.GITHUB_REPOSITORY ?? fallbackRepository;
  if (!repository) {
    // configuration, not a remote failure: nothing was asked of GitHub yet
    throw new ConfigError(
      "GITHUB_TOKEN is set but GITHUB_REPOSITORY is not, and environments/promotion.yaml has no repository",
      {
        file: "environments/promotion.yaml",
        field: "repository",
        hint: "export GITHUB_REPOSITORY=<owner>/<name> (GitHub Actions sets it), or set repository: <owner>/<name> in environments/promotion.yaml",
      },
    );
  }
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new ConfigError(`GITHUB_REPOSITORY "${repository}" is not owner/name`, {
      hint: "export GITHUB_REPOSITORY=<owner>/<name>, e.g. ngx-agents/ngx-agents-delivery",
    });
  }
  const apiUrl = env.GITHUB_API_URL?.trim() || undefined;
  if (apiUrl !== undefined && !/^https?:$/.test(URL.parse(apiUrl)?.protocol ?? "")) {
    // configuration (exit 2), like ARGOCD_SERVER and PROMETHEUS_URL: nothing was asked of GitHub
    throw new ConfigError(`GITHUB_API_URL "${apiUrl}" is not an http(s) URL`, {
      hint: "unset it for github.com, or set the API root, e.g. https://github.example.com/api/v3",
    });
  }
  const retryDelay = Number(env.NGX_GITHUB_RETRY_DELAY_MS);
  const spacing = Number(env.NGX_GITHUB_WRITE_SPACING_MS);
  return {
    token,
    repository,
    ...(apiUrl ? { apiUrl } : {}),
    ...(Number.isFinite(retryDelay) && retryDelay > 0 ? { retryDelayMs: retryDelay } : {}),
    ...(env.NGX_GITHUB_WRITE_SPACING_MS && Number.isFinite(spacing) && spacing >= 0
      ? { writeSpacingMs: spacing }
      : {}),
  };
}

/** Converts an Octokit RequestError into a RemoteError with a message people can act on. */
export function toRemoteError(e: unknown, action: string): RemoteError {
  const err = e as { status?: number; message?: string; response?: { data?: { message?: string } } };
  const status = err.status;
  const detail = err.response?.data?.message ?? err.message ?? String(e);
  const hint =
    status === 401
      ? "GITHUB_TOKEN is invalid or expired"
      : status === 403
        ? "the token lacks a permission this needs (contents:write, pull-requests:write, deployments:write or statuses:write)"
        : status === 404
          ? "check GITHUB_REPOSITORY and that the token can see the repository"
          : undefined;
  return new RemoteError("GitHub", `${action} failed${status ? ` (HTTP ${status})` : ""}: ${detail}`, {
    cause: e,
    status,
    hint,
  });
}
