// `ngx-release metrics` as a process: the arithmetic on a real git history, the empty ledger, bad
// input, and --export against a local gRPC Cloud Monitoring (descriptors once, idempotent reruns, a
// refused write). A fake metadata server (GCE_METADATA_HOST) fails the test if the Google client ever
// probes it; METADATA_SERVER_DETECTION is deliberately not set, so the adapter alone must prevent it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { gitCommitClock } from "../../pipeline/src/metrics/git-clock.js";
import { type CliResult, runCli } from "../helpers/cli.js";
import { FakeCloudMonitoring } from "../helpers/fake-cloud-monitoring.js";
import { addGitHubDeployments } from "../helpers/fake-github-deployments.js";
import { FakeServer } from "../helpers/fake-server.js";
import { knownLedger, type MetricsRepo, metricsRepo } from "./fixture.js";

const HOUR = 3_600_000;
const UNTIL = "2026-11-11T00:20:00Z";
const WINDOW = ["--since", "10d", "--until", UNTIL];
const PREFIX = "custom.googleapis.com/ngx/delivery";

let repo: MetricsRepo;
let metadata: FakeServer;
let monitoring: FakeCloudMonitoring;

beforeAll(async () => {
  repo = metricsRepo();
  metadata = await FakeServer.start();
  monitoring = await FakeCloudMonitoring.start("ngx-agents-test");
});
afterAll(async () => {
  repo.cleanup();
  await metadata.close();
  await monitoring.close();
});
afterEach(() => {
  // no Google client may ever reach for the metadata server (or anything else over HTTP)
  expect(metadata.requests).toEqual([]);
});

function googleEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const host = new URL(metadata.url).host;
  return {
    GOOGLE_CLOUD_PROJECT: "ngx-agents-test",
    NGX_MONITORING_ENDPOINT: monitoring.endpoint,
    GCE_METADATA_HOST: host,
    GCE_METADATA_IP: host,
    ...extra,
  };
}

const metrics = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
  runCli(["--repo", repo.root, "metrics", ...args], { env });

describe("commit clock on the local clone", () => {
  it("a merged pull request starts at its first commit; a direct commit at itself; unknown is unknown", async () => {
    const clock = gitCommitClock(repo.root);
    expect(await clock.firstCommitTime(repo.merge)).toEqual({
      at: "2026-11-08T12:00:00.000Z",
      commit: repo.p1,
    });
    expect(await clock.firstCommitTime(repo.c1)).toEqual({ at: "2026-11-01T11:00:00.000Z", commit: repo.c1 });
    expect(await clock.firstCommitTime("0123456789abcdef0123456789abcdef01234567")).toBeUndefined();
  });

  it("knows an image's source commit by its sha (full or short) when the clone has it", async () => {
    const clock = gitCommitClock(repo.root);
    expect(await clock.sourceCommitTime?.(repo.c1)).toBe("2026-11-01T11:00:00.000Z");
    expect(await clock.sourceCommitTime?.(repo.c1.slice(0, 12))).toBe("2026-11-01T11:00:00.000Z");
    expect(await clock.sourceCommitTime?.("0123456789abcdef0123456789abcdef01234567")).toBeUndefined();
    expect(await clock.sourceCommitTime?.("HEAD")).toBeUndefined();
  });
});

describe("lead time from the image's source commit", () => {
  it("an image tagged sha-<commit> in the clone starts the lead time at that commit, not at the promotion", async () => {
    const [first, second] = knownLedger(repo);
    if (!first || !second) throw new Error("the fixture ledger has at least two deployments");
    const tagged = {
      ...second,
      images: [
        {
          name: "ngx/orchestrator",
          newName: "us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator",
          newTag: `sha-${repo.c1.slice(0, 12)}`,
        },
      ],
    };
    repo.writeLedger([first, tagged]);
    const r = await metrics([...WINDOW, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);
    // c1 authored 11-01 11:00, deployed 11-08 15:00 → 172h (the promotion's first commit p1 would give 3h)
    expect(m.leadTime).toMatchObject({ count: 2, unknownStart: 0, p90Ms: 172 * HOUR });
    expect(JSON.stringify(m)).toContain("image source commit");
  });
});

describe("ngx-release metrics", () => {
  it("says so on an empty ledger, exit 0", async () => {
    repo.writeLedger([]);
    const r = await metrics(WINDOW);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("no deployments recorded in production since 2026-11-01 00:20 UTC");
  });

  it("computes the figures from the ledger and the commit history (--json)", async () => {
    repo.writeLedger(knownLedger(repo));
    const r = await metrics([...WINDOW, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.window).toEqual({
      since: "2026-11-01T00:20:00.000Z",
      until: UNTIL.replace("Z", ".000Z"),
      days: 10,
    });
    expect(m.deploymentFrequency).toEqual({ successful: 3, attempted: 4, perDay: 0.3, perWeek: 2.1 });
    // leads: 3h (p1 → 11-08 15:00), 24h (c1 → 11-02 11:00), 192h (c1 → 11-09 11:00, the rollback)
    expect(m.leadTime).toMatchObject({ count: 3, medianMs: 24 * HOUR, p90Ms: 192 * HOUR, unknownStart: 0 });
    expect(m.changeFailureRate).toEqual({ failed: 1, deployments: 4, rate: 0.25 });
    expect(m.failures[0]).toMatchObject({ id: "local-3", reasons: ["marked failure", "rolled back"] });
    expect(m.timeToRestore).toEqual({ restored: 1, unrestored: 0, medianMs: HOUR });
  });

  it("prints a table with the counts", async () => {
    repo.writeLedger(knownLedger(repo));
    const r = await metrics(WINDOW);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("3 successful of 4 deployments");
    expect(r.stdout).toContain("1 failed of 4 deployments");
    expect(r.stdout).toContain("25.0%");
  });

  it("refuses bad input with exit 2, naming the value", async () => {
    const since = await metrics(["--since", "30 days"]);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since "30 days" is not a window (expected e.g. 12h, 30d, 4w)');
    const until = await metrics(["--until", "yesterday"]);
    expect(until.code).toBe(2);
    expect(until.stderr).toContain('--until "yesterday" is not an ISO-8601 time');
    const dry = await metrics(["--dry-run"]);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain("--dry-run only applies to --export");
    const env = await metrics(["--env", "prod"]);
    expect(env.code).toBe(2);
    expect(env.stderr).toContain("prod");
  });
});

describe("ngx-release metrics --export (Cloud Monitoring over gRPC)", () => {
  it("needs GOOGLE_CLOUD_PROJECT: exit 2, nothing sent", async () => {
    const before = monitoring.calls.length;
    const r = await metrics([...WINDOW, "--export"], googleEnv({ GOOGLE_CLOUD_PROJECT: "" }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("GOOGLE_CLOUD_PROJECT is not set");
    const bad = await metrics([...WINDOW, "--export"], googleEnv({ NGX_MONITORING_ENDPOINT: "http://x" }));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('NGX_MONITORING_ENDPOINT="http://x" is not host:port');
    expect(monitoring.calls.length).toBe(before);
  });

  it("--dry-run shows the points and sends nothing", async () => {
    repo.writeLedger(knownLedger(repo));
    const before = monitoring.calls.length;
    const r = await metrics([...WINDOW, "--export", "--dry-run"], googleEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${PREFIX}/change_failure_rate = 0.25`);
    expect(monitoring.calls.length).toBe(before);
  });

  it("creates the descriptors once and writes each gauge once; a rerun counts nothing twice", async () => {
    repo.writeLedger(knownLedger(repo));
    const first = await metrics([...WINDOW, "--export", "--json"], googleEnv());
    expect(first.code, first.stderr).toBe(0);
    const out1 = JSON.parse(first.stdout).export;
    expect(out1.endTime).toBe("2026-11-11T00:00:00.000Z");
    expect(out1.descriptorsCreated).toHaveLength(7);
    expect(out1.written).toHaveLength(7);
    expect(out1.alreadyWritten).toEqual([]);

    const created = monitoring.callsTo("CreateMetricDescriptor");
    expect(created).toHaveLength(7);
    expect(created[0]?.request).toMatchObject({
      name: "projects/ngx-agents-test",
      metricDescriptor: {
        type: `${PREFIX}/deployments_per_day`,
        metricKind: "GAUGE",
        valueType: "DOUBLE",
        labels: [{ key: "environment", valueType: "STRING" }],
      },
    });
    const write = monitoring.callsTo("CreateTimeSeries")[0]?.request as { timeSeries: unknown[] };
    expect(write.timeSeries[0]).toMatchObject({
      metric: { type: `${PREFIX}/deployments_per_day`, labels: { environment: "production" } },
      resource: { type: "global", labels: { project_id: "ngx-agents-test" } },
      points: [{ interval: { endTime: { seconds: String(Date.parse("2026-11-11T00:00:00Z") / 1000) } } }],
    });
    // no credentials travel to a plaintext endpoint
    expect(monitoring.calls.every((c) => !("authorization" in c.metadata))).toBe(true);

    // same hour, a rerun: descriptors found, points refused as already written, nothing doubled
    const second = await metrics(
      ["--since", "10d", "--until", "2026-11-11T00:50:00Z", "--export"],
      googleEnv(),
    );
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("7 points already written for this hour");
    expect(monitoring.callsTo("CreateMetricDescriptor")).toHaveLength(7);
    expect(monitoring.pointsOf(`${PREFIX}/deployments`, "production")).toEqual([
      { end: Date.parse("2026-11-11T00:00:00Z") / 1000, value: 3 },
    ]);
    expect(monitoring.pointsOf(`${PREFIX}/change_failure_rate`, "production")).toHaveLength(1);

    // the next hour writes a new point for the new window end
    const third = await metrics(
      ["--since", "10d", "--until", "2026-11-11T01:05:00Z", "--export", "--json"],
      googleEnv(),
    );
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout).export.written).toHaveLength(7);
    expect(monitoring.pointsOf(`${PREFIX}/deployments`, "production")).toHaveLength(2);
  });

  it("an unreachable service is exit 3 after the timeout, with a short message", async () => {
    const closed = await FakeCloudMonitoring.start();
    const endpoint = closed.endpoint;
    await closed.close();
    repo.writeLedger(knownLedger(repo));
    const r = await metrics(
      [...WINDOW, "--export"],
      googleEnv({ NGX_MONITORING_ENDPOINT: endpoint, NGX_MONITORING_TIMEOUT_MS: "1500" }),
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Cloud Monitoring: get metric descriptor \S+: (UNAVAILABLE|DEADLINE_EXCEEDED)/);
    expect(r.stderr).not.toContain("Previous errors");
    expect(r.stderr).toContain("hint: Cloud Monitoring did not answer in time");
  });

  it("a point refused for another reason (too old) is an error, not 'already written'", async () => {
    repo.writeLedger(knownLedger(repo));
    monitoring.failNext.set("CreateTimeSeries", {
      code: 3,
      details:
        "Field timeSeries[0].points[0].interval.end_time had an invalid value: Data points cannot be written more than 25h in the past.",
    });
    const r = await metrics(["--since", "10d", "--until", "2026-11-13T00:00:00Z", "--export"], googleEnv());
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("INVALID_ARGUMENT: Field timeSeries[0].points[0].interval.end_time");
    expect(r.stderr).toContain("hint: Cloud Monitoring accepts points from the last 25 hours");
  });

  it("a refused write is exit 3 with the service's message", async () => {
    repo.writeLedger(knownLedger(repo));
    monitoring.denied.add("CreateTimeSeries");
    try {
      const r = await metrics(["--since", "10d", "--until", "2026-11-12T00:00:00Z", "--export"], googleEnv());
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(
        "Cloud Monitoring: write custom.googleapis.com/ngx/delivery/deployments_per_day",
      );
      expect(r.stderr).toContain("PERMISSION_DENIED");
      expect(r.stderr).toContain("Permission monitoring.timeSeries.create denied");
      expect(r.stderr).toContain("roles/monitoring.metricWriter");
    } finally {
      monitoring.denied.delete("CreateTimeSeries");
    }
  });
});

describe("ngx-release metrics on the GitHub Deployments ledger", () => {
  it("reads deployment and status times from the API and gives the same figures", async () => {
    const github = await FakeServer.start();
    try {
      const fake = addGitHubDeployments(github);
      let statusId = 1;
      for (const d of knownLedger(repo)) {
        fake.seed({
          sha: d.sha,
          environment: d.environment,
          created_at: d.createdAt,
          payload: { "ngx-release": 1, version: d.version, images: [] },
          statuses: d.statuses.map((x) => ({
            id: statusId++,
            state: x.state,
            description: "",
            environment_url: "",
            log_url: "",
            created_at: x.createdAt,
          })),
        });
      }
      // another tool's deployment in the same environment is not ngx-release's and does not count
      fake.seed({ sha: repo.c1, environment: "production", created_at: "2026-11-05T00:00:00Z", payload: {} });
      repo.writeLedger([]); // the local ledger is not read when a token is set
      const r = await metrics([...WINDOW, "--json"], {
        GITHUB_TOKEN: "test-token",
        GITHUB_REPOSITORY: "ngx-agents/ngx-agents-delivery",
        GITHUB_API_URL: github.url,
      });
      expect(r.code, r.stderr).toBe(0);
      const m = JSON.parse(r.stdout);
      expect(m.deploymentFrequency).toEqual({ successful: 3, attempted: 4, perDay: 0.3, perWeek: 2.1 });
      expect(m.leadTime).toMatchObject({ count: 3, medianMs: 24 * HOUR, p90Ms: 192 * HOUR });
      expect(m.changeFailureRate).toEqual({ failed: 1, deployments: 4, rate: 0.25 });
      expect(m.timeToRestore).toEqual({ restored: 1, unrestored: 0, medianMs: HOUR });
      expect(github.requests.every((q) => q.method === "GET")).toBe(true);
      github.verify();
    } finally {
      await github.close();
    }
  });
});

describe("lead time from GitHub when the clone lacks the commit", () => {
  it("asks GitHub for the commit and, for a merge, the merged branch's first commit; 404 is unknown", async () => {
    const github = await FakeServer.start();
    try {
      const fake = addGitHubDeployments(github);
      const remoteMerge = "e".repeat(40);
      const missing = "d".repeat(40);
      const base = `/repos/ngx-agents/ngx-agents-delivery`;
      github.expect("GET", `${base}/commits/${remoteMerge}`, {
        body: {
          sha: remoteMerge,
          commit: { author: { date: "2026-11-07T10:00:00Z" } },
          parents: [{ sha: "1".repeat(40) }, { sha: "2".repeat(40) }],
        },
      });
      github.expect("GET", `${base}/compare/${"1".repeat(40)}...${"2".repeat(40)}`, (req) => ({
        body: {
          status: "ahead",
          total_commits: 2,
          // oldest first, as GitHub returns them
          commits: [
            { sha: "3".repeat(40), commit: { author: { date: "2026-11-06T09:00:00+02:00" } }, parents: [] },
            { sha: "2".repeat(40), commit: { author: { date: "2026-11-07T09:00:00Z" } }, parents: [] },
          ].slice(0, Number(req.query.get("per_page") ?? 30)),
        },
      }));
      github.expect("GET", `${base}/commits/${missing}`, {
        status: 422,
        body: { message: `No commit found for SHA: ${missing}`, status: "422" },
      });
      const seed = (sha: string, version: string, created: string, success: string) =>
        fake.seed({
          sha,
          environment: "production",
          created_at: created,
          payload: { "ngx-release": 1, version, images: [] },
          statuses: [
            {
              id: 1,
              state: "success",
              description: "",
              environment_url: "",
              log_url: "",
              created_at: success,
            },
          ],
        });
      seed(remoteMerge, "eeeeeeeeeeee", "2026-11-08T10:00:00Z", "2026-11-08T11:00:00Z");
      seed(missing, "dddddddddddd", "2026-11-09T10:00:00Z", "2026-11-09T11:00:00Z");
      const r = await metrics([...WINDOW, "--json"], {
        GITHUB_TOKEN: "test-token",
        GITHUB_REPOSITORY: "ngx-agents/ngx-agents-delivery",
        GITHUB_API_URL: github.url,
      });
      expect(r.code, r.stderr).toBe(0);
      const m = JSON.parse(r.stdout);
      // 2026-11-06T07:00Z (the first commit, +02:00) → 2026-11-08T11:00Z = 52h; the other start unknown
      expect(m.leadTime).toMatchObject({ count: 1, medianMs: 52 * HOUR, deployments: 2, unknownStart: 1 });
      expect(
        github
          .callsTo("GET", `${base}/compare/${"1".repeat(40)}...${"2".repeat(40)}`)[0]
          ?.query.get("per_page"),
      ).toBe("1");
      github.verify();
    } finally {
      await github.close();
    }
  });
});
