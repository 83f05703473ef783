// The deployment ledger: every change that lands in an environment is a deployment (environment, the
// commit, the images, their version id) with a history of statuses; rejected versions are kept beside
// it. Last known good, soak time and delivery metrics are read from here. Two implementations:
// adapters/github/ledger.ts (GitHub Deployments API) and ledger/local.ts (a file under .git/).
import type { LoadTestResult } from "../loadtest/run.js";
import type { ImageEntry } from "../promotion/images.js";

/** GitHub's deployment status states; "pending" is also what a deployment without statuses reads as. */
export type DeploymentState =
  | "queued"
  | "pending"
  | "in_progress"
  | "success"
  | "failure"
  | "error"
  | "inactive";

export interface DeploymentStatusEntry {
  readonly state: DeploymentState;
  /** ISO-8601 */
  readonly createdAt: string;
  readonly description?: string;
  readonly environmentUrl?: string;
  readonly logUrl?: string;
}

export interface DeploymentRecord {
  /** the ledger's id (GitHub deployment id as a string, or "local-<n>") */
  readonly id: string;
  readonly environment: string;
  /** the commit that carries the images (the merge commit on the base branch) */
  readonly sha: string;
  /** the version id of the images (ledger/version.ts versionOf) */
  readonly version: string;
  readonly images: readonly ImageEntry[];
  readonly createdAt: string;
  readonly description?: string;
  /** statuses, oldest first */
  readonly statuses: readonly DeploymentStatusEntry[];
  /** the latest status state, "pending" when there is none */
  readonly state: DeploymentState;
  /** when it first reached success (soak is measured from here) */
  readonly succeededAt?: string;
}

export interface NewDeployment {
  readonly environment: string;
  readonly sha: string;
  readonly images: readonly ImageEntry[];
  readonly version: string;
  readonly description?: string;
  /** production environments are never auto-inactivated by GitHub */
  readonly production?: boolean;
}

export interface NewStatus {
  readonly state: DeploymentState;
  readonly environmentUrl?: string;
  readonly logUrl?: string;
  /** one line; GitHub keeps 140 characters */
  readonly description?: string;
}

export interface Rejection {
  readonly version: string;
  readonly rejected: boolean;
  readonly reason: string;
  /** ISO-8601 of the latest reject/unreject */
  readonly at: string;
  /** the environment it failed in, when known */
  readonly environment?: string;
  /** the images of the version, when known (rollback and status show them) */
  readonly images?: readonly ImageEntry[];
}

/** A load test recorded against the version and revision it ran on (`ngx-release loadtest`). */
export interface LoadTestRecord {
  /** the ledger's id ("local-lt-<n>" or the GitHub deployment id) */
  readonly id: string;
  readonly environment: string;
  readonly version: string;
  /** the Git revision the environment ran during the test */
  readonly revision: string;
  /** "argocd": Argo CD's synced revision, read before and after the run; "git": HEAD (not verified) */
  readonly revisionFrom: "argocd" | "git";
  readonly mode: "profile" | "capacity";
  readonly passed: boolean;
  /** ISO-8601 when the run finished (the injected clock) */
  readonly at: string;
  /** one line for people */
  readonly summary: string;
  readonly result: LoadTestResult;
}
export type NewLoadTestRecord = Omit<LoadTestRecord, "id">;

/** a record left out because the pipeline identity did not create it (reported, never used) */
export interface IgnoredRecord {
  readonly id: string;
  readonly environment: string;
  /** the login that created it */
  readonly creator: string;
  readonly createdAt: string;
}

export interface Ledger {
  readonly kind: "github" | "local";
  /** records seen so far that were left out as not the pipeline's own (GitHub ledger only) */
  ignored?(): readonly IgnoredRecord[];
  recordDeployment(input: NewDeployment): Promise<DeploymentRecord>;
  setStatus(deploymentId: string, status: NewStatus): Promise<void>;
  /** the environment's deployments, newest first, each with its statuses */
  listDeployments(environment: string, options?: { limit?: number }): Promise<readonly DeploymentRecord[]>;
  reject(input: {
    version: string;
    reason: string;
    environment?: string;
    images?: readonly ImageEntry[];
  }): Promise<void>;
  unreject(input: { version: string; reason: string }): Promise<void>;
  /** the latest decision for every version ever rejected (rejected: false after an unreject) */
  listRejections(): Promise<readonly Rejection[]>;
  recordLoadTest(input: NewLoadTestRecord): Promise<LoadTestRecord>;
  /** the environment's recorded load tests, newest first */
  listLoadTests(environment: string, options?: { limit?: number }): Promise<readonly LoadTestRecord[]>;
}

/** versions currently rejected */
export async function listRejected(ledger: Ledger): Promise<readonly Rejection[]> {
  return (await ledger.listRejections()).filter((r) => r.rejected);
}

export async function findRejection(ledger: Ledger, version: string): Promise<Rejection | undefined> {
  return (await listRejected(ledger)).find((r) => r.version === version);
}

/** Newest deployment that reached success and whose version is not rejected: the last known good. */
export async function lastKnownGood(
  ledger: Ledger,
  environment: string,
): Promise<DeploymentRecord | undefined> {
  const rejected = new Set((await listRejected(ledger)).map((r) => r.version));
  return (await ledger.listDeployments(environment)).find((d) => d.succeededAt && !rejected.has(d.version));
}

/** builds the derived fields of a record from its statuses */
export function withStatuses(
  base: Omit<DeploymentRecord, "statuses" | "state" | "succeededAt">,
  statuses: readonly DeploymentStatusEntry[],
): DeploymentRecord {
  const sorted = [...statuses].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const succeeded = sorted.find((s) => s.state === "success");
  return {
    ...base,
    statuses: sorted,
    state: sorted.at(-1)?.state ?? "pending",
    ...(succeeded ? { succeededAt: succeeded.createdAt } : {}),
  };
}
