// On-demand backup: Argo CD's built-in CronJob action "create-job" makes a Job from the CronJob's
// jobTemplate (named <cronjob>-<UTC minute>, owned by the CronJob, annotated
// cronjob.kubernetes.io/instantiate: manual). The Job is found as a new child of the CronJob in the
// application's resource tree, then its live manifest is polled until it succeeds, fails or the
// timeout passes. No cluster credentials: everything goes through Argo CD.
import type { ResourceNode } from "../adapters/argocd-types.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { CheckFailedError } from "../errors.js";
import { formatDuration } from "../time/duration.js";
import { type JobState, jobState, type LiveJob, podWaitingReason } from "./job.js";
import {
  type BackupArgoCd,
  type BackupSettings,
  backupConfigOf,
  backupObjectName,
  childJobs,
  childPods,
  cronJobRef,
  defaultBucket,
  jobRef,
  readPods,
} from "./live.js";

export const CREATE_JOB_ACTION = "create-job";

export interface BackupRunOptions {
  readonly timeoutMs: number;
  /** how often Argo CD is asked (default 5 s) */
  readonly pollMs?: number;
  /** progress lines for people ("db-backup-2611261002: running (1 pod ready) — 1m 20s") */
  readonly onProgress?: (line: string) => void;
  /** injectable clock and sleep (tests) */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface BackupRunResult {
  readonly env: string;
  readonly app: string;
  readonly cronJob: string;
  readonly job: string;
  /** the export object the Job wrote, when known */
  readonly object?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Job start → completion when Kubernetes reports both, else measured here */
  readonly durationMs: number;
  readonly duration: string;
  /** true when a Job of the CronJob was already running and this run waited for it instead */
  readonly joinedRunningJob: boolean;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface LiveCronJob {
  readonly status?: { readonly active?: readonly { name?: string }[] };
}

/** What `backup run --dry-run` reports: the CronJob is live and which Jobs exist, nothing is created. */
export async function planBackupRun(
  argocd: Pick<BackupArgoCd, "getResource" | "resourceTree">,
  env: EnvironmentConfig,
): Promise<{ app: string; cronJob: string; existingJobs: string[]; running: string[] }> {
  const backup = backupConfigOf(env);
  const s: BackupSettings = { app: env.argocdApplication, namespace: env.namespace, cronJob: backup.cronJob };
  const cron = (await argocd.getResource(s.app, cronJobRef(s))) as LiveCronJob;
  const nodes = await argocd.resourceTree(s.app);
  return {
    app: s.app,
    cronJob: s.cronJob,
    existingJobs: childJobs(nodes, s).map((n) => n.name),
    running: (cron.status?.active ?? []).map((a) => a.name ?? "").filter(Boolean),
  };
}

/**
 * Runs a backup now and waits for it. Resolves with the Job, object and duration when it succeeds;
 * CheckFailedError (exit 1) when the Job fails (with Kubernetes' reason) or the timeout passes (with
 * why it is not done: e.g. its pod is Pending: Unschedulable); RemoteError when Argo CD fails.
 */
export async function runBackup(
  argocd: BackupArgoCd,
  env: EnvironmentConfig,
  options: BackupRunOptions,
): Promise<BackupRunResult> {
  const backup = backupConfigOf(env);
  const s: BackupSettings = { app: env.argocdApplication, namespace: env.namespace, cronJob: backup.cronJob };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const pollMs = options.pollMs ?? 5_000;
  const say = options.onProgress ?? (() => {});
  const started = now();
  const deadline = started + options.timeoutMs;
  const elapsed = () => formatDuration(now() - started);

  // Read first: the CronJob must be live, and a Job already running is joined rather than doubled
  // (the CronJob's concurrencyPolicy: Forbid does not cover Jobs made by hand).
  const cron = (await argocd.getResource(s.app, cronJobRef(s))) as LiveCronJob;
  const before = await argocd.resourceTree(s.app);
  const beforeNames = new Set(childJobs(before, s).map((n) => n.name));
  // running: listed in the CronJob's status.active, or a child Job Argo CD sees as Progressing (a Job
  // made by another create-job that the CronJob controller has not adopted into its active list)
  const active =
    (cron.status?.active ?? []).map((a) => a.name ?? "").find((n) => n && beforeNames.has(n)) ||
    childJobs(before, s).find((n) => n.health === "Progressing")?.name;

  let jobName: string;
  let joined = false;
  if (active) {
    jobName = active;
    joined = true;
    say(`${s.cronJob}: Job ${active} is already running; waiting for it instead of starting another`);
  } else {
    say(`${s.cronJob}: asking Argo CD (${s.app}) to run the CronJob's "${CREATE_JOB_ACTION}" action`);
    await argocd.runResourceAction(s.app, cronJobRef(s), CREATE_JOB_ACTION);
    jobName = await findNewJob(argocd, s, beforeNames, { now, sleep, pollMs, deadline, say, elapsed });
    say(`${s.cronJob}: created Job ${jobName}`);
  }

  let state: JobState | undefined;
  let live: LiveJob | undefined;
  let nodes: readonly ResourceNode[] = before;
  for (;;) {
    live = (await argocd.getResource(s.app, jobRef(s.namespace, jobName))) as LiveJob;
    state = jobState(live);
    if (state.phase === "succeeded" || state.phase === "failed") break;
    let detail = "";
    if (state.phase === "pending" || state.phase === "suspended") {
      nodes = await argocd.resourceTree(s.app);
      detail = await waitingDetail(argocd, s, nodes, jobName);
    }
    say(`${jobName}: ${state.summary}${detail ? ` — ${detail}` : ""} (${elapsed()})`);
    if (now() >= deadline) {
      const why = detail ? `${state.summary}; ${detail}` : state.summary;
      throw new CheckFailedError(
        `backup of ${env.name} timed out after ${formatDuration(options.timeoutMs)}: Job ${jobName} is still ${why}`,
        {
          hint: `look at the Job in Argo CD (${s.app}); raise backup.timeout in environments/promotion.yaml or pass --timeout if the database has grown`,
        },
      );
    }
    await sleep(Math.min(pollMs, Math.max(0, deadline - now())));
  }

  if (state.phase === "failed") {
    throw new CheckFailedError(
      `backup of ${env.name} failed: Job ${jobName} ${state.reason}${state.message ? ` (${state.message})` : ""}`,
      { hint: `read the Job's pod logs in Argo CD (${s.app}) for the pg_dump/upload error` },
    );
  }

  const finished = now();
  const jobDuration =
    state.startTime && state.finishedAt
      ? Date.parse(state.finishedAt) - Date.parse(state.startTime)
      : undefined;
  const durationMs = jobDuration !== undefined && jobDuration >= 0 ? jobDuration : finished - started;
  nodes = await argocd.resourceTree(s.app);
  const pods = await readPods(argocd, s.app, childPods(nodes, s.namespace, jobName));
  const object = backupObjectName(live, pods, { bucket: defaultBucket(env.name) });
  say(`${jobName}: succeeded in ${formatDuration(durationMs)}${object ? ` → ${object}` : ""}`);
  return {
    env: env.name,
    app: s.app,
    cronJob: s.cronJob,
    job: jobName,
    ...(object ? { object } : {}),
    startedAt: state.startTime ?? new Date(started).toISOString(),
    finishedAt: state.finishedAt ?? new Date(finished).toISOString(),
    durationMs,
    duration: formatDuration(durationMs),
    joinedRunningJob: joined,
  };
}

async function findNewJob(
  argocd: BackupArgoCd,
  s: BackupSettings,
  beforeNames: ReadonlySet<string>,
  t: {
    now: () => number;
    sleep: (ms: number) => Promise<void>;
    pollMs: number;
    deadline: number;
    say: (line: string) => void;
    elapsed: () => string;
  },
): Promise<string> {
  for (;;) {
    const nodes = await argocd.resourceTree(s.app);
    const fresh = childJobs(nodes, s)
      .filter((n) => !beforeNames.has(n.name))
      .sort((a, b) => (b.createdAt ?? b.name).localeCompare(a.createdAt ?? a.name));
    if (fresh[0]) return fresh[0].name;
    t.say(`${s.cronJob}: waiting for Argo CD to show the new Job (${t.elapsed()})`);
    if (t.now() >= t.deadline) {
      throw new CheckFailedError(
        `backup timed out: Argo CD ran "${CREATE_JOB_ACTION}" on CronJob ${s.namespace}/${s.cronJob} but no new Job appeared under it in ${s.app}'s resource tree`,
        {
          hint: "check the Job in the cluster's events (quota, admission webhooks) and Argo CD's application controller",
        },
      );
    }
    await t.sleep(Math.min(t.pollMs, Math.max(0, t.deadline - t.now())));
  }
}

/** Why a Job's pods are not running yet, from the pods the tree shows ("pod db-backup-x: Pending: Unschedulable: …"). */
async function waitingDetail(
  argocd: BackupArgoCd,
  s: BackupSettings,
  nodes: readonly ResourceNode[],
  job: string,
): Promise<string> {
  const podNodes = childPods(nodes, s.namespace, job);
  if (podNodes.length === 0) return "";
  const pods = await readPods(argocd, s.app, podNodes);
  const reasons = pods
    .map((p) => {
      const r = podWaitingReason(p);
      return r ? `pod ${p.metadata?.name ?? "?"} ${r}` : undefined;
    })
    .filter((r): r is string => Boolean(r));
  return reasons.join("; ");
}
