// Freshness evaluation (pure) and through the real Argo CD REST adapter against the protocol fake —
// the path the backup-fresh gate and `status` take — plus Job and Pod state reading.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RestArgoCd } from "../../pipeline/src/adapters/argocd.js";
import { backupFreshness, evaluateFreshness } from "../../pipeline/src/backup/freshness.js";
import { jobState, podWaitingReason } from "../../pipeline/src/backup/job.js";
import { conventionalObjectName } from "../../pipeline/src/backup/live.js";
import type { EnvironmentConfig } from "../../pipeline/src/config/schema.js";
import { ConfigError, RemoteError } from "../../pipeline/src/errors.js";
import { FakeArgoCd, type Manifest } from "../helpers/fake-argocd.js";
import {
  completedPod,
  cronJob,
  dumpPod,
  job,
  jobStatus,
  unschedulablePod,
  withJobs,
} from "../helpers/fake-argocd-jobs.js";

const NOW = new Date("2026-11-26T12:00:00Z");
const production: EnvironmentConfig = {
  name: "production",
  argocdApplication: "ngx-agents-production",
  namespace: "ngx-agents",
  requireDigests: true,
  write: "pull-request",
  gates: ["backup-fresh"],
  soak: "4h",
  freezeWindows: [],
  rollback: { autoMerge: "never" },
  backup: { cronJob: "db-backup", rpo: "24h", maxAgeBeforeRelease: "12h", timeout: "30m" },
};

describe("evaluateFreshness", () => {
  const base = { env: "production", cronJob: "db-backup", rpo: "24h", now: NOW };

  it("takes the newest successful Job; within the RPO", () => {
    const f = evaluateFreshness({
      ...base,
      cronJobManifest: { status: { lastSuccessfulTime: "2026-11-25T01:04:00Z" } },
      jobs: [
        job("db-backup-a", "succeeded", { start: "2026-11-25T01:00:00Z", end: "2026-11-25T01:04:00Z" }),
        job("db-backup-b", "succeeded", { start: "2026-11-26T01:00:00Z", end: "2026-11-26T01:03:30Z" }),
      ],
    });
    expect(f).toMatchObject({
      lastSuccessAt: "2026-11-26T01:03:30Z",
      age: "10h 56m",
      job: "db-backup-b",
      satisfiesRpo: true,
      summary: "last backup 10h 56m ago (2026-11-26T01:03:30Z) is within the RPO of 24h",
    });
  });

  it("falls back to the CronJob's lastSuccessfulTime when its Jobs are gone (ttl), and judges the RPO", () => {
    const f = evaluateFreshness({
      ...base,
      cronJobManifest: { status: { lastSuccessfulTime: "2026-11-25T11:00:00Z" } },
      jobs: [],
    });
    expect(f).toMatchObject({ lastSuccessAt: "2026-11-25T11:00:00Z", age: "1d 1h", satisfiesRpo: false });
    expect(f.job).toBeUndefined();
    expect(f.summary).toBe("last backup 1d 1h ago (2026-11-25T11:00:00Z) is older than the RPO of 24h");
  });

  it("exactly at the RPO is not within it", () => {
    const f = evaluateFreshness({
      ...base,
      cronJobManifest: { status: { lastSuccessfulTime: "2026-11-25T12:00:00Z" } },
      jobs: [],
    });
    expect(f.satisfiesRpo).toBe(false);
  });

  it("names a failure after the last success and the Jobs running now; none ever → not met", () => {
    const f = evaluateFreshness({
      ...base,
      cronJobManifest: {},
      jobs: [job("db-backup-f", "deadline-exceeded"), job("db-backup-r", "running")],
    });
    expect(f).toMatchObject({
      satisfiesRpo: false,
      running: ["db-backup-r"],
      lastFailure: "db-backup-f: DeadlineExceeded",
    });
    expect(f.summary).toBe(
      "no successful backup of production is known (CronJob db-backup); RPO 24h not met",
    );
  });
});

describe("Job and Pod state", () => {
  const live = (stage: Parameters<typeof jobStatus>[0]) => ({
    metadata: { name: "j" },
    status: jobStatus(stage),
  });
  it("reads each stage Kubernetes writes", () => {
    expect(jobState(live("no-status"))).toMatchObject({ phase: "pending", summary: "pending (no pod yet)" });
    expect(jobState(live("pending"))).toMatchObject({
      phase: "pending",
      summary: "pending (1 pod not ready yet)",
    });
    expect(jobState(live("running"))).toMatchObject({ phase: "running", summary: "running (1 pod ready)" });
    expect(jobState(live("succeeded"))).toMatchObject({
      phase: "succeeded",
      finishedAt: "2026-11-26T10:04:12Z",
    });
    expect(jobState(live("failed"))).toMatchObject({ phase: "failed", reason: "BackoffLimitExceeded" });
    expect(jobState(live("deadline-exceeded"))).toMatchObject({
      phase: "failed",
      reason: "DeadlineExceeded",
      message: "Job was active longer than specified deadline",
    });
  });

  it("explains a pod that does not start", () => {
    expect(podWaitingReason(unschedulablePod("j") as never)).toBe(
      "Pending: Unschedulable: 0/3 nodes are available: 3 Insufficient memory.",
    );
    expect(
      podWaitingReason({
        status: {
          phase: "Pending",
          containerStatuses: [
            { name: "upload", state: { waiting: { reason: "ImagePullBackOff", message: "pull denied" } } },
          ],
        },
      }),
    ).toBe("Pending: ImagePullBackOff: pull denied");
    expect(podWaitingReason({ status: { phase: "Running" } })).toBeUndefined();
  });

  it("names objects like the database-backup Component does", () => {
    expect(conventionalObjectName("ngx-agents-backups-production", "2026-11-26T01:00:07Z")).toBe(
      "gs://ngx-agents-backups-production/ngx_agents/2026-11-26/ngx_agents-20261126T010007Z.dump",
    );
  });
});

describe("backupFreshness through the Argo CD REST adapter", () => {
  let fake: FakeArgoCd;
  let argocd: RestArgoCd;
  let cron: Manifest;
  beforeEach(async () => {
    fake = await FakeArgoCd.start();
    cron = cronJob({ lastSuccessfulTime: "2026-11-26T01:03:30Z" });
    fake.withApp("ngx-agents-production", { resources: [cron] });
    argocd = new RestArgoCd({ server: fake.url, token: fake.token, retries: 0 });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("reads the CronJob, its Jobs and the Job's pod for the object written", async () => {
    withJobs(
      fake,
      "ngx-agents-production",
      cron,
      [
        job("db-backup-2611260100", "succeeded", {
          start: "2026-11-26T01:00:00Z",
          end: "2026-11-26T01:03:30Z",
        }),
      ],
      [
        {
          job: "db-backup-2611260100",
          pod: completedPod(
            "db-backup-2611260100",
            "gs://ngx-agents-backups-production/ngx_agents/2026-11-26/ngx_agents-20261126T010002Z.dump",
          ),
        },
      ],
    );
    const f = await backupFreshness(argocd, production, { now: NOW });
    expect(f).toMatchObject({
      satisfiesRpo: true,
      job: "db-backup-2611260100",
      object: "gs://ngx-agents-backups-production/ngx_agents/2026-11-26/ngx_agents-20261126T010002Z.dump",
      age: "10h 56m",
    });
    expect(fake.server.requests.every((r) => r.method === "GET")).toBe(true);
    fake.server.verify();
  });

  it("derives the object from the pg-dump start time when no termination message exists", async () => {
    withJobs(
      fake,
      "ngx-agents-production",
      cron,
      [
        job("db-backup-2611260100", "succeeded", {
          start: "2026-11-26T01:00:00Z",
          end: "2026-11-26T01:03:30Z",
        }),
      ],
      [{ job: "db-backup-2611260100", pod: dumpPod("db-backup-2611260100", "2026-11-26T01:00:04Z") }],
    );
    const f = await backupFreshness(argocd, production, { now: NOW });
    expect(f.object).toBe(
      "gs://ngx-agents-backups-production/ngx_agents/2026-11-26/ngx_agents-20261126T010004Z.dump",
    );
  });

  it("an environment without backups is a ConfigError; Argo CD refusing is a RemoteError", async () => {
    const { backup: _, ...dev } = production;
    await expect(backupFreshness(argocd, { ...dev, name: "dev" }, { now: NOW })).rejects.toThrow(ConfigError);
    fake.forbidden.add("ngx-agents-production");
    const e = await backupFreshness(argocd, production, { now: NOW }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).status).toBe(403);
  });
});
