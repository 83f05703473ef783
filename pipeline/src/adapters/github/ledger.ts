// The deployment ledger on GitHub: one GitHub Deployment per change that lands in an environment
// (environment = the environment, ref = the commit, payload = the images and their version), with
// deployment statuses in_progress → success / failure / inactive and environment_url = the Argo CD
// application. Rejected versions are an append-only log of deployments in a separate environment
// (REJECTIONS_ENVIRONMENT), one per reject/unreject decision, so the record needs no commit on any
// branch (no workflow runs, no branch protection) and only the deployments permission.
//
// A record is a claim: anyone with the deployments permission (any workflow's GITHUB_TOKEN with
// deployments: write, any PAT with repo access) can create a "success" deployment with any payload.
// With a pipeline identity configured (pipelineIdentity in promotion.yaml), records whose
// `creator.login` is anyone else are left out of every list and kept in `ignored` for the caller
// to report; GitHub sets `creator` itself from the token that made the request.

import { latestDecisions } from "../../ledger/local.js";
import {
  type DeploymentRecord,
  type DeploymentState,
  type DeploymentStatusEntry,
  type IgnoredRecord,
  type Ledger,
  type LoadTestRecord,
  type NewDeployment,
  type NewLoadTestRecord,
  type NewStatus,
  type Rejection,
  withStatuses,
} from "../../ledger/types.js";
import { singleLine, truncate } from "../../output/inert.js";
import type { ImageEntry } from "../../promotion/images.js";
import { createOctokit, type GitHubClient, type GitHubSettings, toRemoteError } from "./octokit.js";

/** where reject/unreject decisions are kept */
export const REJECTIONS_ENVIRONMENT = "ngx-release-rejections";
/** where load test results are kept (`ngx-release loadtest`), one deployment per run at its revision */
export const LOAD_TESTS_ENVIRONMENT = "ngx-release-load-tests";
/** marks the payloads ngx-release writes (other tools and workflow jobs deploy to the same environments) */
const MARKER = "ngx-release";

interface DeploymentPayload {
  readonly [MARKER]: 1;
  readonly version: string;
  readonly images: readonly ImageEntry[];
}

interface DecisionPayload {
  readonly [MARKER]: 1;
  readonly decision: "reject" | "unreject";
  readonly version: string;
  readonly reason: string;
  readonly environment?: string;
  readonly images?: readonly ImageEntry[];
}

interface RawDeployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  created_at: string;
  description?: string | null;
  payload: unknown;
  creator?: { login?: string } | null;
}

export class GitHubLedger implements Ledger {
  readonly kind = "github" as const;
  private readonly owner: string;
  private readonly repo: string;
  private readonly ignoredById = new Map<number, IgnoredRecord>();

  constructor(
    private readonly octokit: GitHubClient,
    repository: string,
    /** the ref rejection records point at (the base branch) */
    private readonly baseRef = "main",
    /** the only creator whose records count (pipelineIdentity); undefined: everyone's */
    private readonly trustedCreator?: string,
  ) {
    const [owner = "", repo = ""] = repository.split("/");
    this.owner = owner;
    this.repo = repo;
  }

  static create(settings: GitHubSettings, baseRef?: string, trustedCreator?: string): GitHubLedger {
    return new GitHubLedger(createOctokit(settings), settings.repository, baseRef, trustedCreator);
  }

  /** records of ngx-release's shape left out because someone other than the pipeline created them */
  ignored(): readonly IgnoredRecord[] {
    return [...this.ignoredById.values()];
  }

  /** the record counts: made by the pipeline identity (or no identity configured); else remembered */
  private trusted(d: RawDeployment): boolean {
    if (this.trustedCreator === undefined) return true;
    const login = d.creator?.login ?? "";
    if (login === this.trustedCreator) return true;
    this.ignoredById.set(d.id, {
      id: String(d.id),
      environment: d.environment,
      creator: login || "(unknown)",
      createdAt: d.created_at,
    });
    return false;
  }

  async recordDeployment(input: NewDeployment): Promise<DeploymentRecord> {
    const payload: DeploymentPayload = { [MARKER]: 1, version: input.version, images: input.images };
    try {
      const { data } = await this.octokit.rest.repos.createDeployment({
        owner: this.owner,
        repo: this.repo,
        ref: input.sha,
        environment: input.environment,
        task: "deploy",
        payload: payload as unknown as Record<string, unknown>,
        auto_merge: false,
        required_contexts: [],
        transient_environment: false,
        production_environment: input.production ?? false,
        ...(input.description ? { description: input.description } : {}),
      });
      const d = data as unknown as RawDeployment;
      if (typeof d.id !== "number") {
        throw new Error(`GitHub did not create a deployment: ${JSON.stringify(data)}`);
      }
      return this.toRecord(d, []);
    } catch (e) {
      throw toRemoteError(e, `create deployment of ${input.sha.slice(0, 7)} in ${input.environment}`);
    }
  }

  async setStatus(deploymentId: string, status: NewStatus): Promise<void> {
    try {
      await this.octokit.rest.repos.createDeploymentStatus({
        owner: this.owner,
        repo: this.repo,
        deployment_id: Number(deploymentId),
        state: status.state,
        ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
        ...(status.logUrl ? { log_url: status.logUrl } : {}),
        ...(status.description ? { description: oneLine(status.description) } : {}),
        // ngx-release marks earlier deployments inactive itself (GitHub never does it for production)
        auto_inactive: false,
      });
    } catch (e) {
      throw toRemoteError(e, `set deployment ${deploymentId} to ${status.state}`);
    }
  }

  async listDeployments(
    environment: string,
    options: { limit?: number } = {},
  ): Promise<readonly DeploymentRecord[]> {
    const raw = await this.deploymentsOf(environment, options.limit);
    const ours = raw.filter((d) => deploymentPayload(d.payload) !== undefined && this.trusted(d));
    const chosen = options.limit ? ours.slice(0, options.limit) : ours;
    const records: DeploymentRecord[] = [];
    for (const d of chosen) records.push(this.toRecord(d, await this.statusesOf(d.id)));
    return records;
  }

  async reject(input: {
    version: string;
    reason: string;
    environment?: string;
    images?: readonly ImageEntry[];
  }): Promise<void> {
    await this.decide({
      [MARKER]: 1,
      decision: "reject",
      version: input.version,
      reason: input.reason,
      ...(input.environment ? { environment: input.environment } : {}),
      ...(input.images ? { images: input.images } : {}),
    });
  }

  async unreject(input: { version: string; reason: string }): Promise<void> {
    await this.decide({ [MARKER]: 1, decision: "unreject", version: input.version, reason: input.reason });
  }

  async listRejections(): Promise<readonly Rejection[]> {
    const raw = await this.deploymentsOf(REJECTIONS_ENVIRONMENT);
    const log: Rejection[] = [];
    for (const d of [...raw].reverse()) {
      const p = decisionPayload(d.payload);
      if (!p || !this.trusted(d)) continue;
      log.push({
        version: p.version,
        rejected: p.decision === "reject",
        reason: p.reason,
        at: d.created_at,
        ...(p.environment ? { environment: p.environment } : {}),
        ...(p.images ? { images: p.images } : {}),
      });
    }
    return latestDecisions(log.sort((a, b) => a.at.localeCompare(b.at)));
  }

  async recordLoadTest(input: NewLoadTestRecord): Promise<LoadTestRecord> {
    const what = `record the load test of ${input.version} in ${input.environment}`;
    try {
      const { data } = await this.octokit.rest.repos.createDeployment({
        owner: this.owner,
        repo: this.repo,
        ref: input.revision,
        environment: LOAD_TESTS_ENVIRONMENT,
        task: `${MARKER}:loadtest`,
        payload: { [MARKER]: 1, loadTest: input } as unknown as Record<string, unknown>,
        auto_merge: false,
        required_contexts: [],
        transient_environment: true,
        production_environment: false,
        description: oneLine(input.summary),
      });
      const id = (data as unknown as RawDeployment).id;
      // a record, not a rollout: closed at once (success = passed)
      await this.octokit.rest.repos.createDeploymentStatus({
        owner: this.owner,
        repo: this.repo,
        deployment_id: id,
        state: input.passed ? "success" : "failure",
        description: oneLine(input.summary),
        auto_inactive: false,
      });
      return { id: String(id), ...input };
    } catch (e) {
      throw toRemoteError(e, what);
    }
  }

  async listLoadTests(
    environment: string,
    options: { limit?: number } = {},
  ): Promise<readonly LoadTestRecord[]> {
    const recordOf = (payload: unknown) => {
      const p = parsePayload(payload)?.loadTest as NewLoadTestRecord | undefined;
      return p && typeof p === "object" && p.environment === environment && typeof p.version === "string"
        ? p
        : undefined;
    };
    const out: LoadTestRecord[] = [];
    // newest first: with a limit, paging stops once that many records of the environment were seen
    // a record made by anyone but the pipeline identity is a claim nobody vouches for: left out (ignored())
    const counted = (d: RawDeployment) =>
      recordOf(d.payload) !== undefined &&
      (this.trustedCreator === undefined || d.creator?.login === this.trustedCreator);
    for (const d of await this.deploymentsOf(LOAD_TESTS_ENVIRONMENT, options.limit, counted)) {
      const p = recordOf(d.payload);
      if (p && this.trusted(d)) out.push({ ...p, id: String(d.id) });
    }
    out.sort((a, b) => b.at.localeCompare(a.at));
    return options.limit ? out.slice(0, options.limit) : out;
  }

  private async decide(payload: DecisionPayload): Promise<void> {
    const what = `${payload.decision} version ${payload.version}`;
    try {
      const { data } = await this.octokit.rest.repos.createDeployment({
        owner: this.owner,
        repo: this.repo,
        ref: this.baseRef,
        environment: REJECTIONS_ENVIRONMENT,
        task: `${MARKER}:${payload.decision}`,
        payload: payload as unknown as Record<string, unknown>,
        auto_merge: false,
        required_contexts: [],
        transient_environment: true,
        production_environment: false,
        description: oneLine(`${payload.decision} ${payload.version}: ${payload.reason}`),
      });
      const id = (data as unknown as RawDeployment).id;
      // a record, not a rollout: close it so it does not show as pending
      await this.octokit.rest.repos.createDeploymentStatus({
        owner: this.owner,
        repo: this.repo,
        deployment_id: id,
        state: "inactive",
        description: oneLine(`${payload.decision}ed: ${payload.reason}`),
        auto_inactive: false,
      });
    } catch (e) {
      throw toRemoteError(e, what);
    }
  }

  /** newest first; with `limit`, stops paging once that many ngx-release deployments were seen */
  private async deploymentsOf(
    environment: string,
    limit?: number,
    /** which deployments count towards `limit` (default: ngx-release's deployment records by a trusted creator) */
    counts: (d: RawDeployment) => boolean = (d) =>
      deploymentPayload(d.payload) !== undefined &&
      (this.trustedCreator === undefined || d.creator?.login === this.trustedCreator),
  ): Promise<RawDeployment[]> {
    try {
      let ours = 0;
      return (await this.octokit.paginate(
        this.octokit.rest.repos.listDeployments,
        {
          owner: this.owner,
          repo: this.repo,
          environment,
          per_page: limit && limit < 100 ? Math.max(limit, 10) : 100,
        },
        (response, done) => {
          const page = response.data as unknown as RawDeployment[];
          ours += page.filter(counts).length;
          if (limit && ours >= limit) done();
          return page;
        },
      )) as unknown as RawDeployment[];
    } catch (e) {
      throw toRemoteError(e, `list deployments of ${environment}`);
    }
  }

  private async statusesOf(id: number): Promise<DeploymentStatusEntry[]> {
    try {
      const raw = (await this.octokit.paginate(this.octokit.rest.repos.listDeploymentStatuses, {
        owner: this.owner,
        repo: this.repo,
        deployment_id: id,
        per_page: 100,
      })) as unknown as {
        state: DeploymentState;
        created_at: string;
        id: number;
        description?: string | null;
        environment_url?: string | null;
        log_url?: string | null;
      }[];
      // same-second statuses keep their order by id (the later sort by time is stable)
      return raw
        .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id)
        .map((s) => ({
          state: s.state,
          createdAt: s.created_at,
          ...(s.description ? { description: s.description } : {}),
          ...(s.environment_url ? { environmentUrl: s.environment_url } : {}),
          ...(s.log_url ? { logUrl: s.log_url } : {}),
        }));
    } catch (e) {
      throw toRemoteError(e, `list statuses of deployment ${id}`);
    }
  }

  private toRecord(d: RawDeployment, statuses: DeploymentStatusEntry[]): DeploymentRecord {
    const p = deploymentPayload(d.payload);
    return withStatuses(
      {
        id: String(d.id),
        environment: d.environment,
        sha: d.sha,
        version: p?.version ?? "",
        images: p?.images ?? [],
        createdAt: d.created_at,
        ...(d.description ? { description: d.description } : {}),
      },
      statuses,
    );
  }
}

function parsePayload(payload: unknown): Record<string, unknown> | undefined {
  let p = payload;
  if (typeof p === "string") {
    try {
      p = JSON.parse(p);
    } catch {
      return undefined;
    }
  }
  return p && typeof p === "object" && (p as Record<string, unknown>)[MARKER] === 1
    ? (p as Record<string, unknown>)
    : undefined;
}

function deploymentPayload(payload: unknown): DeploymentPayload | undefined {
  const p = parsePayload(payload);
  return p && typeof p.version === "string" && Array.isArray(p.images)
    ? (p as unknown as DeploymentPayload)
    : undefined;
}

function decisionPayload(payload: unknown): DecisionPayload | undefined {
  const p = parsePayload(payload);
  return p && (p.decision === "reject" || p.decision === "unreject") && typeof p.version === "string"
    ? (p as unknown as DecisionPayload)
    : undefined;
}

/** GitHub keeps 140 characters of a status description */
function oneLine(text: string): string {
  return truncate(singleLine(text).replace(/\s+/g, " ").trim(), 140);
}

export interface CommitStatusInput {
  readonly sha: string;
  readonly state: "success" | "failure" | "pending" | "error";
  /** e.g. "ngx-release/gate-production" — what branch protection requires */
  readonly context: string;
  readonly description: string;
  readonly targetUrl?: string;
}

/** Publishes a commit status (POST /repos/{o}/{r}/statuses/{sha}), e.g. a gate result on a PR head. */
export async function publishCommitStatus(settings: GitHubSettings, input: CommitStatusInput): Promise<void> {
  const octokit = createOctokit(settings);
  const [owner = "", repo = ""] = settings.repository.split("/");
  try {
    await octokit.rest.repos.createCommitStatus({
      owner,
      repo,
      sha: input.sha,
      state: input.state,
      context: input.context,
      description: oneLine(input.description),
      ...(input.targetUrl ? { target_url: input.targetUrl } : {}),
    });
  } catch (e) {
    throw toRemoteError(e, `publish status ${input.context} on ${input.sha.slice(0, 7)}`);
  }
}
