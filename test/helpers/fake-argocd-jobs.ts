// Backup Jobs on top of the Argo CD protocol fake (fake-argocd.ts): the live CronJob, Jobs with the
// status Kubernetes writes at each stage (pending, running, succeeded, failed with
// BackoffLimitExceeded, DeadlineExceeded), their Pods, and a script that moves a Job created by
// create-job through stages on each read of its live manifest (deterministic, no timers).
import type { FakeArgoCd, Manifest } from "./fake-argocd.js";
import { refOf } from "./fake-argocd.js";

export type JobStage = "pending" | "running" | "succeeded" | "failed" | "deadline-exceeded" | "no-status";

const T0 = "2026-11-26T10:00:00Z";

export function cronJob(
  options: { name?: string; lastSuccessfulTime?: string; active?: string[]; objectAnnotation?: string } = {},
): Manifest {
  const name = options.name ?? "db-backup";
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace: "ngx-agents", uid: `uid-${name}` },
    spec: {
      schedule: "0 2 * * *",
      concurrencyPolicy: "Forbid",
      jobTemplate: {
        metadata: {
          labels: { app: "db-backup" },
          ...(options.objectAnnotation
            ? { annotations: { "backup.ngx-agents.io/object": options.objectAnnotation } }
            : {}),
        },
        spec: { backoffLimit: 2, activeDeadlineSeconds: 1800 },
      },
    },
    status: {
      ...(options.lastSuccessfulTime
        ? { lastSuccessfulTime: options.lastSuccessfulTime, lastScheduleTime: options.lastSuccessfulTime }
        : {}),
      ...(options.active
        ? { active: options.active.map((n) => ({ kind: "Job", name: n, namespace: "ngx-agents" })) }
        : {}),
    },
  };
}

/** the status block Kubernetes writes for a Job at `stage` */
export function jobStatus(
  stage: JobStage,
  times: { start?: string; end?: string } = {},
): Record<string, unknown> {
  const start = times.start ?? T0;
  const end = times.end ?? "2026-11-26T10:04:12Z";
  switch (stage) {
    case "no-status":
      return {};
    case "pending":
      return { active: 1, ready: 0, startTime: start };
    case "running":
      return { active: 1, ready: 1, startTime: start };
    case "succeeded":
      return {
        succeeded: 1,
        ready: 0,
        startTime: start,
        completionTime: end,
        conditions: [
          { type: "SuccessCriteriaMet", status: "True", lastTransitionTime: end },
          { type: "Complete", status: "True", lastTransitionTime: end },
        ],
      };
    case "failed":
      return {
        failed: 2,
        ready: 0,
        startTime: start,
        conditions: [
          {
            type: "FailureTarget",
            status: "True",
            reason: "BackoffLimitExceeded",
            message: "Job has reached the specified backoff limit",
            lastTransitionTime: end,
          },
          {
            type: "Failed",
            status: "True",
            reason: "BackoffLimitExceeded",
            message: "Job has reached the specified backoff limit",
            lastTransitionTime: end,
          },
        ],
      };
    case "deadline-exceeded":
      return {
        failed: 1,
        ready: 0,
        startTime: start,
        conditions: [
          {
            type: "Failed",
            status: "True",
            reason: "DeadlineExceeded",
            message: "Job was active longer than specified deadline",
            lastTransitionTime: end,
          },
        ],
      };
  }
}

/** a finished or running Job of the CronJob, as the tree and the resource endpoint show it */
export function job(name: string, stage: JobStage, times: { start?: string; end?: string } = {}): Manifest {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: "ngx-agents",
      creationTimestamp: times.start ?? T0,
      labels: { app: "db-backup" },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "db-backup", controller: true }],
    },
    spec: { backoffLimit: 1 },
    status: jobStatus(stage, times),
  };
}

/** a Pod of a Job stuck in Pending because no node fits it */
export function unschedulablePod(jobName: string): Manifest {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `${jobName}-x7k2p`, namespace: "ngx-agents", labels: { "job-name": jobName } },
    status: {
      phase: "Pending",
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: "0/3 nodes are available: 3 Insufficient memory.",
        },
      ],
    },
  };
}

/** a Pod whose backup container finished and wrote the object name as its termination message */
export function completedPod(jobName: string, object: string): Manifest {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `${jobName}-p9q4z`, namespace: "ngx-agents" },
    status: {
      phase: "Succeeded",
      containerStatuses: [
        {
          name: "backup",
          state: { terminated: { exitCode: 0, reason: "Completed", message: `${object}\n` } },
        },
      ],
    },
  };
}

/**
 * A finished Pod of the database-backup Component: the proxy (native sidecar), pg-dump (init
 * container; its start time names the object) and upload.
 */
export function dumpPod(jobName: string, dumpStartedAt: string): Manifest {
  const done = (startedAt: string) => ({ terminated: { exitCode: 0, reason: "Completed", startedAt } });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `${jobName}-d8m3w`, namespace: "ngx-agents" },
    status: {
      phase: "Succeeded",
      initContainerStatuses: [
        { name: "cloud-sql-proxy", state: done("2026-11-26T10:00:01Z") },
        { name: "pg-dump", state: done(dumpStartedAt) },
      ],
      containerStatuses: [{ name: "upload", state: done("2026-11-26T10:03:40Z") }],
    },
  };
}

/** adds Jobs (and optional Pods) as children of the CronJob in an app's resource tree */
export function withJobs(
  fake: FakeArgoCd,
  app: string,
  cron: Manifest,
  jobs: Manifest[],
  pods: { job: string; pod: Manifest }[] = [],
) {
  const a = fake.app(app);
  for (const j of jobs) a.children.push({ manifest: j, parent: refOf(cron) });
  for (const p of pods) {
    const parent = a.children.find((c) => c.manifest.kind === "Job" && c.manifest.metadata.name === p.job);
    if (!parent) throw new Error(`no Job ${p.job}`);
    a.children.push({ manifest: p.pod, parent: refOf(parent.manifest) });
  }
}

/**
 * Scripts the Job create-job makes: its live status moves one stage per read of the Job's manifest
 * (the last stage repeats), and `pods` are added under it. Returns the names of created Jobs.
 */
export function scriptCreatedJob(
  fake: FakeArgoCd,
  stages: readonly JobStage[],
  options: { pods?: (jobName: string) => Manifest[] } = {},
): string[] {
  const created: string[] = [];
  fake.onCreateJob = (created_job, app) => {
    created.push(created_job.metadata.name);
    // what Argo CD's Lua action does: copy the jobTemplate's metadata and own the Job by the CronJob
    const cron = app.resources.find((m) => m.kind === "CronJob");
    const template = ((
      cron?.spec as { jobTemplate?: { metadata?: { annotations?: Record<string, string> } } }
    )?.jobTemplate?.metadata?.annotations ?? {}) as Record<string, string>;
    created_job.metadata.annotations = {
      ...template,
      ...(created_job.metadata.annotations as Record<string, string> | undefined),
    };
    let reads = 0;
    Object.defineProperty(created_job, "status", {
      enumerable: true,
      configurable: true,
      get() {
        const stage = stages[Math.min(reads, stages.length - 1)] ?? "no-status";
        reads += 1;
        return jobStatus(stage);
      },
    });
    for (const pod of options.pods?.(created_job.metadata.name) ?? []) {
      app.children.push({ manifest: pod, parent: refOf(created_job) });
    }
  };
  return created;
}
