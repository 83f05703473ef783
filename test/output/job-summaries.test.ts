// Job summaries of `plan`, `record`, `backup run|status` and `metrics` under GitHub Actions
// (GITHUB_ACTIONS=true, GITHUB_STEP_SUMMARY): each command as a process against the fixtures and
// protocol fakes appends its Markdown; outside Actions nothing is written; foreign text in any field
// (ledger descriptions, Job names, section text) stays inert — no link, HTML, mention or new line.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  backupRunSummary,
  backupStatusSummary,
  metricsSummary,
  planSummary,
  recordSummary,
} from "../../pipeline/src/output/job-summaries.js";
import { backupRepo } from "../backup/fixture.js";
import { type GateRepo, gateRepo } from "../gates/fixture.js";
import { runCli } from "../helpers/cli.js";
import { hoursBefore, TEST_NOW } from "../helpers/clock.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";
import { cronJob, job, scriptCreatedJob, withJobs } from "../helpers/fake-argocd-jobs.js";
import { type MetricsRepo, metricsRepo } from "../metrics/fixture.js";

const CHAIN = resolve(import.meta.dirname, "../fixtures/manifests/chain");
let scratch: string;
let n = 0;
const summaryFile = () => join(scratch, `summary-${++n}.md`);
const actionsEnv = (file: string) => ({
  GITHUB_ACTIONS: "true",
  GITHUB_STEP_SUMMARY: file,
  NGX_NOW: TEST_NOW,
});
const HOSTILE = "x](https://evil.example) <img src=x> @admin #12\n::error::forged ##[warning]forged | cell";

/** no raw link, HTML, mention, reference or workflow command survives in the Markdown */
function expectInert(md: string): void {
  expect(md).not.toMatch(/(^|[^\\])\]\(https/m);
  expect(md).not.toMatch(/(^|[^\\])<img/m);
  expect(md).not.toMatch(/@admin|#12/);
  expect(md).not.toMatch(/^\s*::/m);
  expect(md).not.toContain("##[");
}

let scratchRoots: string[] = [];
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "ngx-job-summaries-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  for (const r of scratchRoots) rmSync(r, { recursive: true, force: true });
  scratchRoots = [];
});

describe("job summaries as Markdown: foreign text is inert", () => {
  it("plan, record, backup run/status and metrics", () => {
    const plan = planSummary({
      ok: false,
      environments: ["dev", "staging"],
      sections: [
        { title: "Validation", ok: false, text: `finding: ${HOSTILE}` },
        { title: "Images per environment", ok: true, text: "dev api 1.0" },
      ],
      notes: [HOSTILE],
    });
    expect(plan).toContain("## ngx-release plan: ❌ not ok");
    expect(plan).toContain("| Validation | FAILED |");
    expect(plan).toContain("| Images per environment | ok |");
    expect(plan).toContain("### Validation");
    expectInert(plan);
    const record = recordSummary({
      environment: "staging",
      sha: "0123456789abcdef0123456789abcdef01234567",
      version: "api=1.2.3",
      created: true,
      state: "success",
      previousState: "in_progress",
      statusChanged: true,
      description: HOSTILE,
      inactivated: ["local-1"],
      argocd: { sync: "Synced", health: HOSTILE },
      dryRun: false,
    });
    expect(record).toContain("| staging | api\\=1\\.2\\.3 | 0123456789ab | new | in\\_progress → success |");
    expectInert(record);
    const run = backupRunSummary({
      env: "production",
      app: "ngx-agents-production",
      cronJob: "db-backup",
      job: HOSTILE,
      finishedAt: "2026-11-26T10:04:12Z",
      duration: "4m 12s",
      joinedRunningJob: false,
    });
    expect(run).toContain("## ngx-release backup run production: ✅ done");
    expectInert(run);
    const status = backupStatusSummary({
      env: "production",
      rpo: "24h",
      satisfiesRpo: false,
      summary: HOSTILE,
      object: HOSTILE,
    });
    expect(status).toContain("❌ RPO not met");
    expect(status).toContain("| production | never | \\- | 24h | \\- |");
    expectInert(status);
    const metrics = metricsSummary(
      {
        environment: "production",
        window: { since: "2026-11-01T00:00:00Z", until: "2026-11-11T00:00:00Z", days: 10 },
      },
      [{ metric: "deployments", description: HOSTILE, unit: "1", value: 3 }],
      { dryRun: true, project: "ngx-agents", endTime: "2026-11-11T00:00:00Z" },
    );
    expect(metrics).toContain("Dry run: would write 1 points to Cloud Monitoring project ngx\\-agents");
    expectInert(metrics);
  });
});

describe("job summaries from the commands", () => {
  it("plan: the sections table; nothing outside Actions", async () => {
    const file = summaryFile();
    const r = await runCli(["plan", "--repo", CHAIN, "--json"], { env: actionsEnv(file) });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).ok).toBe(true);
    const md = readFileSync(file, "utf8");
    expect(md).toContain("## ngx-release plan: ✅ all sections ok");
    expect(md).toContain("Release chain: dev → staging → production");
    expect(md).toContain("| Validation | ok |");
    const outside = summaryFile();
    await runCli(["plan", "--repo", CHAIN], { env: { GITHUB_STEP_SUMMARY: outside, NGX_NOW: TEST_NOW } });
    expect(existsSync(outside)).toBe(false);
  });

  it("record: the deployment and its state from Argo CD", async () => {
    const repo: GateRepo = gateRepo();
    const argo = await FakeArgoCd.start();
    try {
      argo.withApp("ngx-agents-dev", { revision: repo.c1, health: "Healthy" });
      argo.withResource("ngx-agents-dev", rollout({ name: "orchestrator" }));
      const file = summaryFile();
      const r = await runCli(["record", "dev", "--ref", repo.c1, "--dry-run"], {
        cwd: repo.root,
        env: { ...argo.env(), ...actionsEnv(file) },
      });
      expect(r.code, r.stderr).toBe(0);
      const md = readFileSync(file, "utf8");
      expect(md).toContain("## ngx-release record dev (dry run)");
      expect(md).toContain(`| dev |`);
      expect(md).toContain(`| ${repo.c1.slice(0, 12)} | new | none → success | Synced, Healthy |`);
    } finally {
      await argo.close();
      repo.cleanup();
    }
  });

  it("backup status: the last backup against the RPO", async () => {
    const root = backupRepo();
    scratchRoots.push(root);
    const argo = await FakeArgoCd.start();
    try {
      const cron = cronJob();
      argo.withApp("ngx-agents-production", { resources: [cron] });
      withJobs(argo, "ngx-agents-production", cron, [
        job("db-backup-1", "succeeded", { start: hoursBefore(3), end: hoursBefore(2) }),
      ]);
      const file = summaryFile();
      const r = await runCli(["--repo", root, "backup", "status", "production"], {
        env: { ...argo.env(), ...actionsEnv(file) },
      });
      expect(r.code, r.stderr).toBe(0);
      const md = readFileSync(file, "utf8");
      expect(md).toContain("## ngx-release backup status production: ✅ within the RPO");
      expect(md).toContain("| production |");
      expect(md).toContain("db\\-backup\\-1");
    } finally {
      await argo.close();
    }
  });

  it("backup run: the Job that ran and how long it took", async () => {
    const root = backupRepo();
    scratchRoots.push(root);
    const argo = await FakeArgoCd.start();
    try {
      argo.withApp("ngx-agents-production", { resources: [cronJob()] });
      const created = scriptCreatedJob(argo, ["running", "succeeded"]);
      const file = summaryFile();
      const r = await runCli(["--repo", root, "backup", "run", "production", "--poll-interval", "10ms"], {
        env: { ...argo.env(), ...actionsEnv(file) },
      });
      expect(r.code, r.stderr).toBe(0);
      const md = readFileSync(file, "utf8");
      expect(md).toContain("## ngx-release backup run production: ✅ done");
      expect(md).toContain(
        `| production | ngx\\-agents\\-production | db\\-backup | ${created[0]?.replace(/-/g, "\\-")} |`,
      );
    } finally {
      await argo.close();
    }
  });

  it("metrics: the figures of the window", async () => {
    const repo: MetricsRepo = metricsRepo();
    try {
      const file = summaryFile();
      const r = await runCli(
        ["--repo", repo.root, "metrics", "--since", "10d", "--until", "2026-11-11T00:20:00Z"],
        { env: actionsEnv(file) },
      );
      expect(r.code, r.stderr).toBe(0);
      const md = readFileSync(file, "utf8");
      expect(md).toContain("## ngx-release metrics production");
      expect(md).toContain("| Successful deployments in the window |");
      expect(md).toContain(
        "Window: 2026\\-11\\-01T00\\:20\\:00\\.000Z → 2026\\-11\\-11T00\\:20\\:00\\.000Z (10 days)",
      );
    } finally {
      repo.cleanup();
    }
  });
});
