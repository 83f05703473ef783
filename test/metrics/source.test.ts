// Cloud Monitoring as a metrics source: listTimeSeries through the gRPC fake, behind the same
// MetricsSource interface Prometheus implements, read by the Vertex AI prediction-error check.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cloudMonitoringSource,
  monitoringSettingsFromEnv,
} from "../../pipeline/src/adapters/cloud-monitoring.js";
import { createPrometheus } from "../../pipeline/src/adapters/prometheus.js";
import { ConfigError, RemoteError } from "../../pipeline/src/errors.js";
import {
  checkVertexAiModelInvocations,
  checkVertexAiPredictionErrors,
  prometheusSource,
  VERTEX_AI,
  VERTEX_AI_PUBLISHER,
} from "../../pipeline/src/metrics/source.js";
import { FakeCloudMonitoring } from "../helpers/fake-cloud-monitoring.js";
import { FakeServer } from "../helpers/fake-server.js";
import { type MetadataGuard, startMetadataGuard } from "../helpers/metadata-guard.js";

const END = new Date("2026-11-26T10:00:00Z");
const at = (minutesBefore: number) => END.getTime() / 1000 - minutesBefore * 60;
const endpoint = (id: string) => ({
  resourceType: "aiplatform.googleapis.com/Endpoint",
  resourceLabels: { endpoint_id: id, location: "us-central1" },
  metricLabels: {},
  valueType: "INT64" as const,
});

let fake: FakeCloudMonitoring;
let source: ReturnType<typeof cloudMonitoringSource>;
// where google-auth-library would look for a metadata server: any request there fails the suite
let metadata: MetadataGuard;

beforeAll(async () => {
  metadata = await startMetadataGuard();
  fake = await FakeCloudMonitoring.start("ngx-agents-test");
  source = cloudMonitoringSource({ projectId: "ngx-agents-test", endpoint: fake.endpoint });
  // endpoint 111: 1000 predictions and 30 errors in the last 30 minutes, plus older points outside it
  fake.addSeries({
    ...endpoint("111"),
    type: VERTEX_AI.predictionCount,
    points: [
      { end: at(90), value: 5000 },
      { end: at(20), value: 600 },
      { end: at(5), value: 400 },
    ],
  });
  fake.addSeries({
    ...endpoint("111"),
    type: VERTEX_AI.errorCount,
    points: [
      { end: at(90), value: 4000 },
      { end: at(20), value: 10 },
      { end: at(1), value: 20 },
    ],
  });
  // endpoint 222: predictions, no errors series at all
  fake.addSeries({
    ...endpoint("222"),
    type: VERTEX_AI.predictionCount,
    points: [{ end: at(10), value: 50 }],
  });
});
afterAll(async () => {
  await source.close();
  await fake.close();
  expect(await metadata.stop()).toEqual([]);
});

describe("Cloud Monitoring metrics source", () => {
  it("reads the points of the matching series inside the window", async () => {
    const r = await source.scalar({
      query: `metric.type = "${VERTEX_AI.errorCount}" AND resource.labels.endpoint_id = "111"`,
      windowMs: 30 * 60_000,
      end: END,
    });
    expect(r).toEqual({ value: 30, series: 1, points: 2 });
    const call = fake.callsTo("ListTimeSeries").at(-1)?.request;
    expect(call).toMatchObject({
      name: "projects/ngx-agents-test",
      interval: { startTime: { seconds: String(at(30)) }, endTime: { seconds: String(at(0)) } },
      view: "FULL",
    });
    const max = await source.scalar({
      query: `metric.type = "${VERTEX_AI.predictionCount}"`,
      windowMs: 30 * 60_000,
      end: END,
      reduce: "max",
    });
    expect(max).toEqual({ value: 600, series: 2, points: 3 });
  });

  it("nothing matched reads as no value, not zero", async () => {
    const r = await source.scalar({
      query: 'metric.type = "cloudsql.googleapis.com/database/up"',
      windowMs: 60_000,
      end: END,
    });
    expect(r).toEqual({ series: 0, points: 0 });
  });

  it("the Vertex AI prediction-error check fails above the threshold, passes within it", async () => {
    const opts = { windowMs: 30 * 60_000, end: END, endpointId: "111" };
    const strict = await checkVertexAiPredictionErrors(source, { ...opts, maxErrorRate: 0.02 });
    expect(strict).toMatchObject({ errors: 30, predictions: 1000, errorRate: 0.03, verdict: "fail" });
    expect(strict.detail).toBe("Vertex AI prediction errors 30/1000 = 3.00% (above 2.00%)");
    const lenient = await checkVertexAiPredictionErrors(source, { ...opts, maxErrorRate: 0.05 });
    expect(lenient.verdict).toBe("pass");
    const clean = await checkVertexAiPredictionErrors(source, {
      ...opts,
      endpointId: "222",
      maxErrorRate: 0.01,
    });
    expect(clean).toMatchObject({ errors: 0, predictions: 50, errorRate: 0, verdict: "pass" });
    const idle = await checkVertexAiPredictionErrors(source, {
      ...opts,
      endpointId: "333",
      maxErrorRate: 0.01,
    });
    expect(idle.verdict).toBe("inconclusive");
  });

  it("the Vertex AI publisher-model check counts non-2xx invocations of the model only", async () => {
    const invocations = (model: string, code: string, end: number, value: number) =>
      fake.addSeries({
        type: VERTEX_AI_PUBLISHER.invocationCount,
        metricKind: "DELTA",
        resourceType: VERTEX_AI_PUBLISHER.resourceType,
        resourceLabels: { model_user_id: model, publisher: "google", location: "us-central1" },
        metricLabels: { response_code: code, method: "GenerateContent" },
        valueType: "INT64",
        points: [{ end, value }],
      });
    invocations("gemini-2.5-flash", "200", at(10), 180);
    invocations("gemini-2.5-flash", "204", at(9), 10);
    invocations("gemini-2.5-flash", "429", at(8), 6);
    invocations("gemini-2.5-flash", "400", at(7), 2);
    invocations("gemini-2.5-flash", "500", at(6), 2);
    invocations("gemini-2.5-flash", "500", at(45), 900); // before the window
    invocations("gemini-2.5-pro", "503", at(5), 70);
    const opts = { windowMs: 30 * 60_000, end: END, maxErrorRate: 0.02 };
    const flash = await checkVertexAiModelInvocations(source, { ...opts, model: "gemini-2.5-flash" });
    expect(flash).toMatchObject({ model: "gemini-2.5-flash", errors: 10, predictions: 200, verdict: "fail" });
    expect(flash.errorRate).toBeCloseTo(0.05);
    expect(flash.filters).toEqual({
      total: `metric.type = "${VERTEX_AI_PUBLISHER.invocationCount}" AND resource.type = "aiplatform.googleapis.com/PublisherModel" AND resource.labels.model_user_id = "gemini-2.5-flash"`,
      ok: `metric.type = "${VERTEX_AI_PUBLISHER.invocationCount}" AND resource.type = "aiplatform.googleapis.com/PublisherModel" AND resource.labels.model_user_id = "gemini-2.5-flash" AND metric.labels.response_code = starts_with("2")`,
    });
    expect(flash.detail).toBe(
      "Vertex AI gemini-2.5-flash invocations failed (response_code not 2xx) 10/200 = 5.00% (above 2.00%)",
    );
    const every = await checkVertexAiModelInvocations(source, { ...opts, maxErrorRate: 0.5 });
    expect(every).toMatchObject({ errors: 80, predictions: 270, verdict: "pass" });
    const idle = await checkVertexAiModelInvocations(source, { ...opts, model: "gemini-2.5-flash-lite" });
    expect(idle).toMatchObject({ errors: 0, predictions: 0, verdict: "inconclusive" });
  });

  it("the fake refuses a filter it cannot parse, as the service does, instead of matching everything", async () => {
    const err = await source
      .scalar({
        query: `metric.type = "${VERTEX_AI.errorCount}" AND NOT metric.labels.response_code = "200"`,
        windowMs: 60_000,
        end: END,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ status: 3 });
    expect((err as Error).message).toMatch(
      /INVALID_ARGUMENT: .*could not parse "NOT metric\.labels\.response_code/,
    );
  });

  it("a refused read is a RemoteError with the gRPC status", async () => {
    fake.denied.add("ListTimeSeries");
    try {
      const err = await source
        .scalar({ query: `metric.type = "${VERTEX_AI.errorCount}"`, windowMs: 60_000, end: END })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteError);
      expect(err).toMatchObject({ status: 7, service: "Cloud Monitoring", exitCode: 3 });
      expect((err as Error).message).toContain("PERMISSION_DENIED");
      expect((err as RemoteError).hint).toContain("roles/monitoring.viewer");
    } finally {
      fake.denied.delete("ListTimeSeries");
    }
  });

  it("settings come from the environment and bad values are refused", () => {
    // no key file, no gcloud login, no metadata server in this environment: credentials "none"
    expect(monitoringSettingsFromEnv({ GOOGLE_CLOUD_PROJECT: "ngx-agents-prod" })).toEqual({
      projectId: "ngx-agents-prod",
      credentials: "none",
    });
    expect(() => monitoringSettingsFromEnv({})).toThrow(ConfigError);
    expect(() => monitoringSettingsFromEnv({ GOOGLE_CLOUD_PROJECT: "NGX Agents" })).toThrow(
      /not a project id/,
    );
    expect(() =>
      monitoringSettingsFromEnv({
        GOOGLE_CLOUD_PROJECT: "ngx-agents-prod",
        NGX_MONITORING_ENDPOINT: "localhost",
      }),
    ).toThrow(/is not host:port/);
  });
});

describe("Prometheus behind the same interface", () => {
  it("reduces an instant vector to one number; an empty vector is no value", async () => {
    const prom = await FakeServer.start();
    try {
      const vector = (values: string[]) => ({
        body: {
          status: "success",
          data: {
            resultType: "vector",
            result: values.map((v, i) => ({ metric: { pod: `p${i}` }, value: [END.getTime() / 1000, v] })),
          },
        },
      });
      prom.expect("POST", "/api/v1/query", (req) => {
        const q = new URLSearchParams(String(req.body ?? "")).get("query");
        return q === "up" ? vector(["1", "0", "1"]) : vector([]);
      });
      const source = prometheusSource(createPrometheus(prom.url));
      expect(await source.scalar({ query: "up", windowMs: 0, end: END })).toEqual({
        value: 2,
        series: 3,
        points: 3,
      });
      expect(await source.scalar({ query: "up", windowMs: 0, end: END, reduce: "max" })).toMatchObject({
        value: 1,
      });
      expect(await source.scalar({ query: "absent_thing", windowMs: 0, end: END })).toEqual({
        series: 0,
        points: 0,
      });
      prom.verify();
    } finally {
      await prom.close();
    }
  });
});
