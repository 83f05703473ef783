// `backup run` and `backup status` as users run them (the built CLI as a process) against the Argo CD
// protocol fake: create-job, Job status transitions, failures with Kubernetes' reasons, timeouts,
// bad input (exit 2, no write request) and Argo CD down (exit 3).
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { hoursBefore, TEST_NOW } from "../helpers/clock.js";
import { FakeArgoCd, refOf } from "../helpers/fake-argocd.js";
import {
  completedPod,
  cronJob,
  dumpPod,
  job,
  scriptCreatedJob,
  unschedulablePod,
  withJobs,
} from "../helpers/fake-argocd-jobs.js";
import { backupRepo } from "./fixture.js";

const APP = "ngx-agents-production";
let root: string;
let fake: FakeArgoCd;

beforeAll(() => {
  root = backupRepo();
});

beforeEach(async () => {
  fake = await FakeArgoCd.start();
  fake.withApp(APP, { resources: [cronJob()] });
  fake.withApp("ngx-agents-staging", { resources: [cronJob()] });
});

afterEach(async () => {
  await fake.close();
});

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(["--repo", root, ...args], {
    env: { ...fake.env(), NGX_ARGOCD_RETRIES: "1", NGX_NOW: TEST_NOW, ...env },
  });

const writes = () => fake.server.requests.filter((r) => r.method !== "GET");

describe("backup run", () => {
  it("creates a Job through create-job, follows it pending → running → succeeded, reports object and duration", async () => {
    const created = scriptCreatedJob(fake, ["no-status", "pending", "running", "succeeded"], {
      pods: (name) => [dumpPod(name, "2026-11-26T10:00:05Z")],
    });
    const r = await cli(["backup", "run", "production", "--poll-interval", "10ms", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(created).toHaveLength(1);
    expect(out).toMatchObject({
      env: "production",
      app: APP,
      cronJob: "db-backup",
      job: created[0],
      // the database-backup Component's convention, from the pg-dump container's start time
      object: "gs://ngx-agents-backups-production/ngx_agents/2026-11-26/ngx_agents-20261126T100005Z.dump",
      durationMs: 252_000, // startTime 10:00:00 → completionTime 10:04:12
      duration: "4m 12s",
      joinedRunningJob: false,
    });
    // the action went to the CronJob, group batch, version v1, through the v2 endpoint
    expect(fake.actions).toEqual([
      {
        app: APP,
        api: "v2",
        action: "create-job",
        ref: { group: "batch", version: "v1", kind: "CronJob", namespace: "ngx-agents", name: "db-backup" },
      },
    ]);
    const post = fake.server.callsTo("POST", /\/resource\/actions\/v2$/)[0];
    expect(post?.body).toMatchObject({
      action: "create-job",
      kind: "CronJob",
      group: "batch",
      resourceName: "db-backup",
    });
    fake.server.verify();
  });

  it("shows progress on stderr while waiting", async () => {
    const created = scriptCreatedJob(fake, ["pending", "running", "succeeded"], {
      pods: (name) => [completedPod(name, "gs://ngx-agents-backups/ngx_agents/from-pod.dump")],
    });
    const r = await cli(["backup", "run", "production", "--poll-interval", "10ms"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'asking Argo CD (ngx-agents-production) to run the CronJob\'s "create-job" action',
    );
    expect(r.stderr).toContain(`created Job ${created[0]}`);
    expect(r.stderr).toMatch(new RegExp(`${created[0]}: pending`));
    expect(r.stderr).toMatch(new RegExp(`${created[0]}: running \\(1 pod ready\\)`));
    // the pod's termination message is the exact object written
    expect(r.stdout).toContain("gs://ngx-agents-backups/ngx_agents/from-pod.dump");
    expect(r.stdout).toContain("4m 12s");
  });

  it("takes the object from a jobTemplate annotation when the CronJob declares one", async () => {
    fake.withResource(APP, cronJob({ objectAnnotation: "gs://other-bucket/ngx_agents/{job}.dump" }));
    const created = scriptCreatedJob(fake, ["running", "succeeded"]);
    const r = await cli(["backup", "run", "production", "--poll-interval", "10ms", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).object).toBe(`gs://other-bucket/ngx_agents/${created[0]}.dump`);
  });

  it("a failed Job is exit 1 with Kubernetes' reason (BackoffLimitExceeded)", async () => {
    const created = scriptCreatedJob(fake, ["running", "failed"]);
    const r = await cli(["backup", "run", "production", "--poll-interval", "10ms"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `backup of production failed: Job ${created[0]} BackoffLimitExceeded (Job has reached the specified backoff limit)`,
    );
  });

  it("a Job past its activeDeadlineSeconds is exit 1 with DeadlineExceeded", async () => {
    scriptCreatedJob(fake, ["running", "deadline-exceeded"]);
    const r = await cli(["backup", "run", "production", "--poll-interval", "10ms", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ type: "CheckFailedError", exitCode: 1 });
    expect(r.stderr).toMatch(/DeadlineExceeded \(Job was active longer than specified deadline\)/);
  });

  it("a Job that never starts times out with the reason its pod is pending", async () => {
    const created = scriptCreatedJob(fake, ["pending"], { pods: (name) => [unschedulablePod(name)] });
    const r = await cli(["backup", "run", "production", "--poll-interval", "50ms", "--timeout", "1s"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`backup of production timed out after 1s: Job ${created[0]} is still pending`);
    expect(r.stderr).toContain("Pending: Unschedulable: 0/3 nodes are available: 3 Insufficient memory.");
  });

  it("joins a backup Job that is already running instead of starting another", async () => {
    const cron = cronJob({ active: ["db-backup-2611260200"] });
    fake.withResource(APP, cron);
    withJobs(fake, APP, cron, [job("db-backup-2611260200", "succeeded")]);
    const r = await cli(["backup", "run", "production", "--poll-interval", "10ms", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ job: "db-backup-2611260200", joinedRunningJob: true });
    expect(fake.actions).toEqual([]);
  });

  it("works with an Argo CD older than 3.1 (v1 actions endpoint)", async () => {
    await fake.close();
    fake = await FakeArgoCd.start({ actionsApi: "v1-only" });
    fake.withApp(APP, { resources: [cronJob()] });
    const created = scriptCreatedJob(fake, ["running", "succeeded"]);
    const r = await cli(["backup", "run", "production", "--poll-interval", "10ms", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).job).toBe(created[0]);
    expect(fake.actions).toMatchObject([{ api: "v1", action: "create-job" }]);
  });

  it("times out naming the problem when create-job is accepted but no Job ever shows up", async () => {
    fake.onCreateJob = (j, app) => {
      // e.g. rejected by an admission webhook after Argo CD answered: the Job never exists
      app.children = app.children.filter((c) => c.manifest !== j);
    };
    const r = await cli(["backup", "run", "production", "--poll-interval", "50ms", "--timeout", "1s"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Argo CD ran "create-job" on CronJob ngx-agents/db-backup but no new Job appeared under it in ngx-agents-production\'s resource tree',
    );
  });

  it("a CronJob that Argo CD does not have live is exit 3 with what to check, before any action", async () => {
    fake.app(APP).resources = [];
    const r = await cli(["backup", "run", "production"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      "CronJob ngx-agents/db-backup not found as part of application ngx-agents-production",
    );
    expect(writes()).toEqual([]);
  });

  it("--if-stale skips a run while the last backup is younger than maxAgeBeforeRelease", async () => {
    const recent = hoursBefore(2);
    fake.withResource(APP, cronJob({ lastSuccessfulTime: recent }));
    const r = await cli(["backup", "run", "production", "--if-stale", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      skipped: true,
      freshness: { maxAgeBeforeRelease: "12h", backupNeededBeforeRelease: false, satisfiesRpo: true },
    });
    expect(writes()).toEqual([]);
  });

  it("--if-stale runs one when the last backup is older than maxAgeBeforeRelease", async () => {
    const old = hoursBefore(13);
    fake.withResource(APP, cronJob({ lastSuccessfulTime: old }));
    const created = scriptCreatedJob(fake, ["running", "succeeded"]);
    const r = await cli(["backup", "run", "production", "--if-stale", "--poll-interval", "10ms"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("older than maxAgeBeforeRelease 12h: running one");
    expect(created).toHaveLength(1);
  });

  it("also joins a Job made by another create-job that Argo CD shows as Progressing", async () => {
    const cron = cronJob();
    fake.withResource(APP, cron);
    const other = job("db-backup-2611261003", "succeeded");
    fake.app(APP).children.push({ manifest: other, parent: refOf(cron), health: "Progressing" });
    const r = await cli(["backup", "run", "production", "--poll-interval", "10ms", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ job: "db-backup-2611261003", joinedRunningJob: true });
    expect(fake.actions).toEqual([]);
  });

  it("--dry-run reads but creates no Job", async () => {
    const r = await cli(["backup", "run", "production", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'dry run: would run "create-job" on CronJob db-backup in ngx-agents-production',
    );
    expect(writes()).toEqual([]);
  });

  it("Argo CD down is exit 3 and nothing is created", async () => {
    fake.outage = { status: 503, body: "no healthy upstream" };
    const r = await cli(["backup", "run", "production"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Argo CD: .*failed after 2 attempts.*HTTP 503/);
    expect(fake.actions).toEqual([]);
  });

  it("Argo CD unreachable (nothing listening) is exit 3", async () => {
    const r = await cli(["backup", "status", "production"], { ARGOCD_SERVER: "http://127.0.0.1:1" });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("Argo CD:");
  });
});

describe("backup run/status: bad input is exit 2 with no write request", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "unknown environment",
      ["backup", "run", "prod"],
      /unknown environment "prod" \(valid: dev, qa, staging, production\)/,
    ],
    [
      "environment without a backup config",
      ["backup", "run", "dev"],
      /environment "dev" has no backup configuration/,
    ],
    [
      "CronJob missing from the rendered environment",
      ["backup", "run", "qa"],
      /CronJob db-backup .*is not in the rendered qa environment \(CronJobs there: none\)/,
    ],
    [
      "bad --timeout",
      ["backup", "run", "production", "--timeout", "soon"],
      /--timeout "soon" is not a duration/,
    ],
    [
      "a zero --poll-interval",
      ["backup", "run", "production", "--poll-interval", "0s"],
      /--poll-interval "0s" must be longer than 0/,
    ],
    ["status of an unknown environment", ["backup", "status", "nope"], /unknown environment "nope"/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(fake.server.requests).toEqual([]);
    });
  }

  it("no ARGOCD_SERVER is exit 2 with what to set", async () => {
    const r = await runCli(["--repo", root, "backup", "run", "production"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ARGOCD_SERVER is not set");
  });
});

describe("backup status", () => {
  it("reports the newest successful backup with its Job and object; exit 0 within the RPO", async () => {
    const recent = hoursBefore(3);
    const older = hoursBefore(27);
    const cron = cronJob({ lastSuccessfulTime: recent });
    fake.withResource(APP, cron);
    withJobs(
      fake,
      APP,
      cron,
      [
        job("db-backup-2611250200", "succeeded", { start: older, end: older }),
        job("db-backup-2611260200", "succeeded", { start: recent, end: recent }),
      ],
      [
        {
          job: "db-backup-2611260200",
          pod: completedPod("db-backup-2611260200", "gs://b/ngx_agents/x.dump"),
        },
      ],
    );
    const r = await cli(["backup", "status", "production", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      env: "production",
      lastSuccessAt: recent,
      age: "3h",
      job: "db-backup-2611260200",
      object: "gs://b/ngx_agents/x.dump",
      rpo: "24h",
      satisfiesRpo: true,
    });
    expect(writes()).toEqual([]);
  });

  it("exit 1 when the newest backup is older than the RPO, naming the failure since", async () => {
    const old = hoursBefore(30);
    const cron = cronJob({ lastSuccessfulTime: old });
    fake.withResource(APP, cron);
    withJobs(fake, APP, cron, [job("db-backup-2611260200", "failed")]);
    const r = await cli(["backup", "status", "production"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/production\s+\S+\s+1d 6h\s+24h\s+-\s+-\s+NO/);
    expect(r.stderr).toContain("RPO not met: last backup 1d 6h ago");
    expect(r.stderr).toContain("last failure since then: db-backup-2611260200: BackoffLimitExceeded");
  });

  it("exit 1 when no backup ever succeeded", async () => {
    const r = await cli(["backup", "status", "production", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ satisfiesRpo: false, running: [] });
  });
});
