// The google-signals gate: Vertex AI errors (Gemini invocations by default, endpoint predictions on
// request) and Cloud SQL health of the previous environment,
// read from Cloud Monitoring through the real adapter against the local gRPC MetricService fake (never
// the network; a fake metadata server fails the suite if google-auth-library ever probes it).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadRepo } from "../../pipeline/src/config/load.js";
import { ConfigError } from "../../pipeline/src/errors.js";
import type { GateReport } from "../../pipeline/src/gates/index.js";
import { gateReportFor } from "../../pipeline/src/gates/run.js";
import { LocalLedger } from "../../pipeline/src/ledger/local.js";
import { CLOUD_SQL, VERTEX_AI, VERTEX_AI_PUBLISHER } from "../../pipeline/src/metrics/source.js";
import { runCli } from "../helpers/cli.js";
import { FakeCloudMonitoring, type FakePoint } from "../helpers/fake-cloud-monitoring.js";
import { type MetadataGuard, startMetadataGuard } from "../helpers/metadata-guard.js";
import { type GateRepo, gateRepo, PROMOTION_YAML } from "./fixture.js";

const NOW = "2026-11-25T12:00:00Z"; // a Wednesday: no freeze
const PROJECT = "ngx-agents-staging";
const DATABASE_ID = `${PROJECT}:ngx-agents`;
const at = (minutesBefore: number) => Date.parse(NOW) / 1000 - minutesBefore * 60;
const MODEL = "gemini-2.5-flash";
const SCOPE = `metric.type = "${VERTEX_AI_PUBLISHER.invocationCount}" AND resource.type = "aiplatform.googleapis.com/PublisherModel"`;
const SQL_FILTER = `metric.type = "${CLOUD_SQL.up}" AND resource.type = "cloudsql_database" AND resource.labels.database_id = "${DATABASE_ID}"`;

/** staging has a project; production is gated by google-signals alone, with explicit limits */
const withSignals = (opts: { project: boolean }) =>
  PROMOTION_YAML.replace(
    "    gates: [synced-healthy, rollout-complete, soak, not-rejected]\n    soak: 30m\n",
    `    gates: [synced-healthy, rollout-complete, soak, not-rejected]\n    soak: 30m\n${opts.project ? `    googleCloudProject: ${PROJECT}\n` : ""}`,
  ).replace(
    "    gates: [freeze, backup-fresh]\n",
    `    gates: [google-signals]\n    googleSignals:\n      window: 30m\n      vertexAiModel: ${MODEL}\n      maxVertexAiErrorRate: 0.02\n      minVertexAiPredictions: 100\n`,
  );
/** the same, reading Vertex AI endpoint predictions instead */
const withEndpointSignals = () =>
  withSignals({ project: true }).replace(
    `      vertexAiModel: ${MODEL}\n`,
    "      vertexAiSource: endpoint\n",
  );

let fake: FakeCloudMonitoring;
let metadata: MetadataGuard;
let configured: GateRepo;
let unconfigured: GateRepo;
let endpointMode: GateRepo;

beforeAll(async () => {
  metadata = await startMetadataGuard();
  fake = await FakeCloudMonitoring.start(PROJECT);
  configured = gateRepo(withSignals({ project: true }));
  unconfigured = gateRepo(withSignals({ project: false }));
  endpointMode = gateRepo(withEndpointSignals());
  expect(withEndpointSignals()).toContain("vertexAiSource: endpoint");
  expect(withSignals({ project: true })).toContain("googleCloudProject");
});
afterAll(async () => {
  await fake.close();
  configured.cleanup();
  unconfigured.cleanup();
  endpointMode.cleanup();
  expect(await metadata.stop()).toEqual([]);
});
beforeEach(() => {
  fake.series.clear();
  fake.calls.length = 0;
  fake.denied.clear();
});

function vertex(type: string, points: FakePoint[], endpointId = "4031") {
  fake.addSeries({
    type,
    resourceType: "aiplatform.googleapis.com/Endpoint",
    resourceLabels: { endpoint_id: endpointId, location: "us-central1", resource_container: PROJECT },
    metricLabels: {},
    valueType: "INT64",
    points,
  });
}

/** invocations of a publisher model answered with one response code (DELTA INT64, as Vertex AI reports them) */
function gemini(responseCode: string, points: FakePoint[], model = MODEL) {
  fake.addSeries({
    type: VERTEX_AI_PUBLISHER.invocationCount,
    metricKind: "DELTA",
    resourceType: VERTEX_AI_PUBLISHER.resourceType,
    resourceLabels: {
      model_user_id: model,
      publisher: "google",
      model_version_id: "",
      location: "us-central1",
    },
    metricLabels: { response_code: responseCode, request_type: "shared", method: "GenerateContent" },
    valueType: "INT64",
    points,
  });
}

/** one database/up sample per minute, the last value the newest (minute 0 = now) */
function cloudSqlUp(values: readonly number[], databaseId = DATABASE_ID) {
  fake.addSeries({
    type: CLOUD_SQL.up,
    resourceType: "cloudsql_database",
    resourceLabels: { database_id: databaseId, project_id: PROJECT, region: "us-central1" },
    metricLabels: {},
    valueType: "INT64",
    points: values.map((value, i) => ({ end: at(values.length - 1 - i), value })),
  });
}

/** a healthy staging: 1000 Gemini invocations, 5 of them failed, in the window; Cloud SQL up every minute */
function healthy() {
  gemini("200", [
    { end: at(25), value: 600 },
    { end: at(5), value: 395 },
  ]);
  gemini("429", [{ end: at(12), value: 3 }]);
  gemini("500", [
    { end: at(90), value: 900 }, // an incident before the window: not counted
    { end: at(8), value: 2 },
  ]);
  gemini("500", [{ end: at(10), value: 400 }], "gemini-2.5-pro"); // another model: not ours
  gemini("200", [{ end: at(10), value: 100 }], "gemini-2.5-pro");
  cloudSqlUp([0, 0, ...Array<number>(30).fill(1)]); // down 31-30 minutes ago: before the window
  cloudSqlUp(Array<number>(30).fill(0), "ngx-agents-staging:another-instance"); // not ours
}

/** staging's Vertex AI endpoint: 1000 predictions and 5 errors in the window (Cloud SQL: healthy()) */
function healthyEndpoint() {
  vertex(VERTEX_AI.predictionCount, [
    { end: at(25), value: 600 },
    { end: at(5), value: 400 },
  ]);
  vertex(VERTEX_AI.errorCount, [
    { end: at(90), value: 900 }, // an incident before the window: not counted
    { end: at(12), value: 5 },
  ]);
}

async function report(repo: GateRepo, env: Record<string, string> = {}): Promise<GateReport> {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const ledger = new LocalLedger(join(mkdtempSync(join(tmpdir(), "ngx-gs-")), "ledger.json"));
  return gateReportFor(
    loadRepo(repo.root),
    "production",
    { NGX_NOW: NOW, NGX_MONITORING_ENDPOINT: fake.endpoint, ...env },
    { ledger, head: repo.c3 },
  );
}
const signals = (r: GateReport) => r.gates.find((g) => g.name === "google-signals");

describe("google-signals gate", () => {
  it("is open when Gemini's failed invocations and Cloud SQL health are within limits over the window", async () => {
    healthy();
    const r = await report(configured);
    expect(signals(r)).toEqual({
      name: "google-signals",
      open: true,
      reason:
        "staging (ngx-agents-staging), last 30m: Vertex AI gemini-2.5-flash model_invocation_count: 5/1000 failed (response_code not 2xx) = 0.50% (within 2.00%); Cloud SQL ngx-agents-staging:ngx-agents up 30/30 samples",
      details: {
        project: PROJECT,
        window: "30m",
        vertexAi: {
          source: "publisher",
          metric: VERTEX_AI_PUBLISHER.invocationCount,
          model: MODEL,
          errors: 5,
          predictions: 1000,
          errorRate: 0.005,
          maxErrorRate: 0.02,
          minPredictions: 100,
        },
        cloudSql: { databaseId: DATABASE_ID, samples: 30, up: 30, uptime: 1, minUptime: 1 },
      },
    });
    expect(r.open).toBe(true);
    // three reads, all of staging's project, over [now − 30m, now]: the model's 2xx, all its invocations, database/up
    const reads = fake.callsTo("ListTimeSeries").map((c) => c.request);
    expect(reads.map((q) => q.filter).sort()).toEqual([
      `${SCOPE} AND resource.labels.model_user_id = "${MODEL}"`,
      `${SCOPE} AND resource.labels.model_user_id = "${MODEL}" AND metric.labels.response_code = starts_with("2")`,
      SQL_FILTER,
    ]);
    for (const q of reads) {
      expect(q).toMatchObject({
        name: `projects/${PROJECT}`,
        interval: { startTime: { seconds: String(at(30)) }, endTime: { seconds: String(at(0)) } },
      });
    }
  });

  it("is closed by 5xx, 429 and other 4xx invocations above the limit", async () => {
    healthy();
    gemini("429", [{ end: at(3), value: 15 }]); // quota exhausted
    gemini("503", [{ end: at(2), value: 5 }]);
    gemini("403", [{ end: at(1), value: 5 }]); // e.g. a missing IAM grant
    const g = signals(await report(configured));
    expect(g?.open).toBe(false);
    // (5 + 15 + 5 + 5) of (1000 + 25)
    expect(g?.reason).toBe(
      "staging (ngx-agents-staging), last 30m: Vertex AI gemini-2.5-flash model_invocation_count: 30/1025 failed (response_code not 2xx) = 2.93% (above 2.00%)",
    );
    expect(g?.details).toMatchObject({ vertexAi: { errors: 30, predictions: 1025 } });
  });

  it("is closed when there were too few invocations to judge", async () => {
    gemini("200", [{ end: at(2), value: 40 }]);
    gemini("200", [{ end: at(2), value: 5000 }], "gemini-2.5-pro"); // plenty, but another model's
    cloudSqlUp([1, 1, 1]);
    const g = signals(await report(configured));
    expect(g?.open).toBe(false);
    expect(g?.reason).toBe(
      "staging (ngx-agents-staging), last 30m: Vertex AI gemini-2.5-flash model_invocation_count: only 40 invocations, at least 100 needed to judge the error rate",
    );
  });

  it("counts only the configured model: another model's failures leave it open, without vertexAiModel they count", async () => {
    healthy();
    gemini("500", [{ end: at(4), value: 5000 }], "gemini-2.5-pro");
    expect(signals(await report(configured))?.open).toBe(true);
    const every = gateRepo(withSignals({ project: true }).replace(`      vertexAiModel: ${MODEL}\n`, ""));
    try {
      fake.calls.length = 0;
      const g = signals(await report(every));
      expect(g?.open).toBe(false);
      // flash 1000 (5 failed) + pro 100 + 400 + 5000 failed
      expect(g?.reason).toBe(
        "staging (ngx-agents-staging), last 30m: Vertex AI model_invocation_count (every publisher model): 5405/6500 failed (response_code not 2xx) = 83.15% (above 2.00%)",
      );
      expect(
        fake
          .callsTo("ListTimeSeries")
          .map((c) => c.request.filter)
          .filter((f) => String(f).includes("PublisherModel")),
      ).toEqual([`${SCOPE} AND metric.labels.response_code = starts_with("2")`, SCOPE]);
    } finally {
      every.cleanup();
    }
  });

  it("vertexAiSource: endpoint reads endpoint predictions as before", async () => {
    healthy(); // Gemini traffic is not read in this mode
    healthyEndpoint();
    const open = signals(await report(endpointMode));
    expect(open).toMatchObject({
      open: true,
      reason:
        "staging (ngx-agents-staging), last 30m: Vertex AI prediction errors 5/1000 = 0.50% (within 2.00%); Cloud SQL ngx-agents-staging:ngx-agents up 30/30 samples",
      details: {
        vertexAi: {
          source: "endpoint",
          metric: `${VERTEX_AI.errorCount} ÷ ${VERTEX_AI.predictionCount}`,
          errors: 5,
          predictions: 1000,
        },
      },
    });
    expect(
      fake
        .callsTo("ListTimeSeries")
        .map((c) => c.request.filter)
        .sort(),
    ).toEqual([
      `metric.type = "${VERTEX_AI.errorCount}"`,
      `metric.type = "${VERTEX_AI.predictionCount}"`,
      SQL_FILTER,
    ]);

    vertex(VERTEX_AI.errorCount, [{ end: at(3), value: 25 }]); // 30/1000 = 3 %
    expect(signals(await report(endpointMode))?.reason).toBe(
      "staging (ngx-agents-staging), last 30m: Vertex AI prediction errors 30/1000 = 3.00% (above 2.00%)",
    );

    fake.series.clear();
    healthy();
    vertex(VERTEX_AI.predictionCount, [{ end: at(2), value: 40 }]);
    expect(signals(await report(endpointMode))?.reason).toBe(
      "staging (ngx-agents-staging), last 30m: only 40 Vertex AI predictions, at least 100 needed to judge the error rate",
    );
  });

  it("is closed by Cloud SQL down during the window", async () => {
    healthy();
    fake.series.delete([...fake.series.keys()].find((k) => k.includes(DATABASE_ID)) ?? "");
    cloudSqlUp([...Array<number>(27).fill(1), 0, 0, 1]);
    const g = signals(await report(configured));
    expect(g?.open).toBe(false);
    expect(g?.reason).toBe(
      "staging (ngx-agents-staging), last 30m: Cloud SQL ngx-agents-staging:ngx-agents down in 2 of 30 samples (up 93.3%, below 100%)",
    );
    expect(g?.details).toMatchObject({ cloudSql: { samples: 30, up: 28 } });
  });

  it("is closed when Cloud SQL reports nothing for the instance", async () => {
    gemini("200", [{ end: at(5), value: 1000 }]);
    const g = signals(await report(configured));
    expect(g?.open).toBe(false);
    expect(g?.reason).toBe(
      "staging (ngx-agents-staging), last 30m: no Cloud SQL database/up samples for ngx-agents-staging:ngx-agents (no such instance, or no data yet)",
    );
  });

  it("names every failing signal in one line", async () => {
    gemini("200", [{ end: at(5), value: 180 }]);
    gemini("500", [{ end: at(5), value: 20 }]);
    cloudSqlUp([1, 1, 0]);
    const g = signals(await report(configured));
    expect(g?.reason).toBe(
      "staging (ngx-agents-staging), last 30m: Vertex AI gemini-2.5-flash model_invocation_count: 20/200 failed (response_code not 2xx) = 10.00% (above 2.00%); Cloud SQL ngx-agents-staging:ngx-agents down in 1 of 3 samples (up 66.7%, below 100%)",
    );
  });

  it("is closed (a remote failure) when Cloud Monitoring refuses the read", async () => {
    healthy();
    fake.denied.add("ListTimeSeries");
    const r = await report(configured);
    const g = signals(r);
    expect(g?.open).toBe(false);
    expect(g?.reason).toMatch(
      /^could not be evaluated: Cloud Monitoring projects\/ngx-agents-staging: PERMISSION_DENIED: Permission .* denied.* \(the credentials need roles\/monitoring\.viewer on ngx-agents-staging\)$/,
    );
    expect(g?.reason).not.toContain("metric.type");
    expect(r).toMatchObject({ open: false, remoteFailure: true });
  });

  it("is closed when Cloud Monitoring does not answer", async () => {
    healthy();
    const r = await report(configured, {
      NGX_MONITORING_ENDPOINT: "127.0.0.1:1",
      NGX_MONITORING_TIMEOUT_MS: "500",
    });
    expect(signals(r)?.open).toBe(false);
    expect(signals(r)?.reason).toMatch(
      /^could not be evaluated: Cloud Monitoring projects\/ngx-agents-staging: (UNAVAILABLE|DEADLINE_EXCEEDED): /,
    );
    expect(r.remoteFailure).toBe(true);
  });

  it("is closed when no project is configured, and reads GOOGLE_CLOUD_PROJECT otherwise", async () => {
    healthy();
    const closed = signals(await report(unconfigured));
    expect(closed).toEqual({
      name: "google-signals",
      open: false,
      reason:
        "Cloud Monitoring not configured for staging: set googleCloudProject of staging in environments/promotion.yaml, or GOOGLE_CLOUD_PROJECT",
    });
    expect(fake.calls).toEqual([]);
    const fromEnv = signals(await report(unconfigured, { GOOGLE_CLOUD_PROJECT: PROJECT }));
    expect(fromEnv?.open).toBe(true);
    expect(fromEnv?.reason).toContain("staging (ngx-agents-staging), last 30m:");
  });

  it("applies the defaults of googleSignals when production sets none", async () => {
    const repo = gateRepo(
      withSignals({ project: true }).replace(
        `    googleSignals:\n      window: 30m\n      vertexAiModel: ${MODEL}\n      maxVertexAiErrorRate: 0.02\n      minVertexAiPredictions: 100\n`,
        "",
      ),
    );
    try {
      gemini("200", [{ end: at(5), value: 3 }], "gemini-2.5-flash-lite");
      vertex(VERTEX_AI.errorCount, [{ end: at(5), value: 3 }]); // an endpoint: not read by default
      cloudSqlUp([1, 1]);
      const g = signals(await report(repo));
      expect(g?.open).toBe(true);
      expect(g?.reason).toContain("Vertex AI model_invocation_count (every publisher model): 0/3 failed");
      expect(g?.details).toMatchObject({
        window: "30m",
        vertexAi: { source: "publisher", errors: 0, predictions: 3, maxErrorRate: 0.02, minPredictions: 1 },
        cloudSql: { databaseId: DATABASE_ID, minUptime: 1 },
      });
    } finally {
      repo.cleanup();
    }
  });

  it("rejects bad googleSignals and googleCloudProject values naming the field", () => {
    const bad = [
      [
        "maxVertexAiErrorRate: 0.02",
        "maxVertexAiErrorRate: 2",
        /environments\.2\.googleSignals\.maxVertexAiErrorRate/,
      ],
      ["window: 30m", "window: half an hour", /environments\.2\.googleSignals\.window: .*"30m"/],
      [
        "minVertexAiPredictions: 100",
        "minVertexAiPredictons: 100",
        /environments\.2\.googleSignals.*minVertexAiPredictons/,
      ],
      [
        `vertexAiModel: ${MODEL}`,
        "vertexAiModel: gemini 2.5 flash",
        /environments\.2\.googleSignals\.vertexAiModel: a Vertex AI publisher model id/,
      ],
      [`vertexAiModel: ${MODEL}`, "vertexAiSource: online", /environments\.2\.googleSignals\.vertexAiSource/],
      [
        `vertexAiModel: ${MODEL}`,
        `vertexAiModel: ${MODEL}\n      vertexAiEndpoint: "4031"`,
        /environments\.2\.googleSignals\.vertexAiEndpoint: only read with vertexAiSource: endpoint/,
      ],
      [
        `vertexAiModel: ${MODEL}`,
        `vertexAiModel: ${MODEL}\n      vertexAiSource: endpoint`,
        /environments\.2\.googleSignals\.vertexAiModel: only read with vertexAiSource: publisher/,
      ],
      [
        `googleCloudProject: ${PROJECT}`,
        "googleCloudProject: NGX Staging",
        /environments\.1\.googleCloudProject: a Google Cloud project id/,
      ],
    ] as const;
    for (const [from, to, message] of bad) {
      const repo = gateRepo(withSignals({ project: true }).replace(from, to));
      try {
        expect(() => loadRepo(repo.root)).toThrow(ConfigError);
        expect(() => loadRepo(repo.root)).toThrow(message);
      } finally {
        repo.cleanup();
      }
    }
  });
});

describe("ngx-release gate production --json (the repository's promotion.yaml)", () => {
  it("shows google-signals closed with Cloud SQL's reason; the Argo CD gates are closed too", async () => {
    const real = readFileSync(resolve(import.meta.dirname, "../../environments/promotion.yaml"), "utf8");
    const repo = gateRepo(real);
    try {
      const config = loadRepo(repo.root);
      const production = config.environments.find((e) => e.name === "production");
      const staging = config.environments.find((e) => e.name === "staging");
      expect(production?.gates).toContain("google-signals");
      expect(staging?.googleCloudProject).toBe(PROJECT);
      expect(production?.googleSignals).toMatchObject({ vertexAiSource: "publisher", vertexAiModel: MODEL });
      gemini("200", [{ end: at(5), value: 5000 }]);
      cloudSqlUp(Array<number>(60).fill(0));
      const r = await runCli(["gate", "production", "--json"], {
        cwd: repo.root,
        env: {
          NGX_NOW: NOW,
          NGX_MONITORING_ENDPOINT: fake.endpoint,
          GCE_METADATA_HOST: metadata.host,
          GCE_METADATA_IP: metadata.host,
        },
      });
      expect(r.code, r.stderr).toBe(1);
      const json = JSON.parse(r.stdout) as GateReport;
      const window = production?.googleSignals?.window ?? "30m";
      const g = signals(json);
      expect(g).toMatchObject({ open: false, details: { project: PROJECT, window } });
      expect(g?.reason).toMatch(
        new RegExp(
          `^staging \\(ngx-agents-staging\\), last ${window}: Cloud SQL ngx-agents-staging:ngx-agents down in (\\d+) of \\1 samples \\(up 0\\.0%, below [\\d.]+%\\)$`,
        ),
      );
      expect(r.stderr).toContain("google-signals");
      expect(fake.callsTo("ListTimeSeries").length).toBe(3);
    } finally {
      repo.cleanup();
    }
  });
});
