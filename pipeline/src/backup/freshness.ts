// Backup freshness: the newest successful backup of an environment (time, age, Job, object) and
// whether it satisfies the recovery point objective. Read from the live CronJob's
// status.lastSuccessfulTime and the Jobs Argo CD shows under it (scheduled and on-demand).
// `backupFreshness` is what `backup status`, the `backup-fresh` gate and `status` call.
import type { ResourceNode } from "../adapters/argocd-types.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { formatDuration, parseHumanDuration } from "../time/duration.js";
import { type JobState, jobState, type LiveJob } from "./job.js";
import {
  type BackupArgoCd,
  backupConfigOf,
  backupObjectName,
  childJobs,
  childPods,
  cronJobRef,
  defaultBucket,
  jobRef,
  readPods,
} from "./live.js";

export interface BackupFreshness {
  readonly env: string;
  readonly cronJob: string;
  /** the RPO as configured ("24h") and in milliseconds */
  readonly rpo: string;
  readonly rpoMs: number;
  /** when the newest successful backup finished (ISO-8601); undefined when none is known */
  readonly lastSuccessAt?: string;
  readonly ageMs?: number;
  /** "3h 12m" */
  readonly age?: string;
  /** the Job that made it, when Argo CD still shows it */
  readonly job?: string;
  /** the export object it wrote, when known */
  readonly object?: string;
  /** true when a successful backup exists and is younger than the RPO */
  readonly satisfiesRpo: boolean;
  /** Jobs of the CronJob running now */
  readonly running: readonly string[];
  /** the newest failed Job after the last success, if any ("db-backup-2611260200: BackoffLimitExceeded") */
  readonly lastFailure?: string;
  /** backup.maxAgeBeforeRelease of the environment, when the caller gave it ("12h") */
  readonly maxAgeBeforeRelease?: string;
  /** true when a release should run a backup first: none known, or older than maxAgeBeforeRelease */
  readonly backupNeededBeforeRelease?: boolean;
  /** one line for people */
  readonly summary: string;
}

interface LiveCronJob {
  readonly status?: {
    readonly lastSuccessfulTime?: string;
    readonly lastScheduleTime?: string;
    readonly active?: readonly { name?: string }[];
  };
}

export interface FreshnessInput {
  readonly env: string;
  readonly cronJob: string;
  readonly rpo: string;
  readonly maxAgeBeforeRelease?: string;
  readonly cronJobManifest: LiveCronJob;
  /** live manifests of the CronJob's Jobs */
  readonly jobs: readonly LiveJob[];
  /** object name of the newest successful Job, when the caller could read it */
  readonly objectOf?: (job: LiveJob) => string | undefined;
  readonly now: Date;
}

/** Pure evaluation of freshness from live objects. */
export function evaluateFreshness(input: FreshnessInput): BackupFreshness {
  const rpoMs = parseHumanDuration(input.rpo);
  const states = input.jobs.map((j) => ({ job: j, state: jobState(j) }));
  const successes = states
    .filter((s) => s.state.phase === "succeeded" && s.state.finishedAt)
    .sort((a, b) => Date.parse(b.state.finishedAt ?? "") - Date.parse(a.state.finishedAt ?? ""));
  const newestJob = successes[0];
  const fromStatus = input.cronJobManifest.status?.lastSuccessfulTime;
  const jobTime = newestJob?.state.finishedAt;
  // the newest of the two; the Job gives the name and object when it is the newest (or as new)
  let lastSuccessAt: string | undefined;
  let job: { job: LiveJob; state: JobState } | undefined;
  if (jobTime && (!fromStatus || Date.parse(jobTime) >= Date.parse(fromStatus) - 1000)) {
    lastSuccessAt = jobTime;
    job = newestJob;
  } else if (fromStatus) {
    lastSuccessAt = fromStatus;
    // a Job that finished within the same second as the status time is the same run
    job = successes.find(
      (s) => Math.abs(Date.parse(s.state.finishedAt ?? "") - Date.parse(fromStatus)) < 1000,
    );
  }
  const running = states
    .filter((s) => s.state.phase === "running" || s.state.phase === "pending")
    .map((s) => s.state.name);
  const failures = states
    .filter((s) => s.state.phase === "failed")
    .filter((s) => !lastSuccessAt || Date.parse(s.state.finishedAt ?? "") > Date.parse(lastSuccessAt))
    .sort((a, b) => Date.parse(b.state.finishedAt ?? "") - Date.parse(a.state.finishedAt ?? ""));
  const lastFailure = failures[0] ? `${failures[0].state.name}: ${failures[0].state.reason}` : undefined;
  const object = job ? input.objectOf?.(job.job) : undefined;

  const maxAgeMs = input.maxAgeBeforeRelease ? parseHumanDuration(input.maxAgeBeforeRelease) : undefined;
  const base = {
    env: input.env,
    cronJob: input.cronJob,
    rpo: input.rpo,
    rpoMs,
    running,
    ...(lastFailure ? { lastFailure } : {}),
    ...(input.maxAgeBeforeRelease ? { maxAgeBeforeRelease: input.maxAgeBeforeRelease } : {}),
  };
  if (!lastSuccessAt) {
    return {
      ...base,
      ...(maxAgeMs !== undefined ? { backupNeededBeforeRelease: true } : {}),
      satisfiesRpo: false,
      summary: `no successful backup of ${input.env} is known (CronJob ${input.cronJob}); RPO ${input.rpo} not met`,
    };
  }
  const ageMs = Math.max(0, input.now.getTime() - Date.parse(lastSuccessAt));
  const satisfiesRpo = ageMs < rpoMs;
  const age = formatDuration(ageMs);
  return {
    ...base,
    lastSuccessAt,
    ageMs,
    age,
    ...(job ? { job: job.state.name } : {}),
    ...(object ? { object } : {}),
    ...(maxAgeMs !== undefined ? { backupNeededBeforeRelease: ageMs >= maxAgeMs } : {}),
    satisfiesRpo,
    summary: satisfiesRpo
      ? `last backup ${age} ago (${lastSuccessAt}) is within the RPO of ${input.rpo}`
      : `last backup ${age} ago (${lastSuccessAt}) is older than the RPO of ${input.rpo}`,
  };
}

/**
 * Freshness of an environment's database backup, read live through Argo CD.
 * ConfigError when the environment has no backup configuration; RemoteError when Argo CD fails.
 */
export async function backupFreshness(
  argocd: Pick<BackupArgoCd, "getResource" | "resourceTree">,
  env: EnvironmentConfig,
  options: { now: Date },
): Promise<BackupFreshness> {
  const backup = backupConfigOf(env);
  const settings = { app: env.argocdApplication, namespace: env.namespace, cronJob: backup.cronJob };
  const cronJobManifest = (await argocd.getResource(settings.app, cronJobRef(settings))) as LiveCronJob;
  const nodes = await argocd.resourceTree(settings.app);
  const jobs: LiveJob[] = [];
  for (const n of childJobs(nodes, settings)) {
    jobs.push((await argocd.getResource(settings.app, jobRef(n.namespace, n.name))) as LiveJob);
  }
  const result = evaluateFreshness({
    env: env.name,
    cronJob: backup.cronJob,
    rpo: backup.rpo,
    maxAgeBeforeRelease: backup.maxAgeBeforeRelease,
    cronJobManifest,
    jobs,
    now: options.now,
  });
  if (!result.job) return result;
  // the object: from the Job's pod (termination message, or the dump container's start time)
  const pods = await readPods(argocd, settings.app, childPods(nodes, settings.namespace, result.job));
  const job = jobs.find((j) => j.metadata?.name === result.job);
  const object = job ? backupObjectName(job, pods, { bucket: defaultBucket(env.name) }) : undefined;
  return object ? { ...result, object } : result;
}

/** Jobs the tree shows under the CronJob (names), for callers that only need the list. */
export function jobNames(
  nodes: readonly ResourceNode[],
  settings: Parameters<typeof childJobs>[1],
): string[] {
  return childJobs(nodes, settings).map((n) => n.name);
}
