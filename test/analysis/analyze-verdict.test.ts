// The run's verdict from `analyze` as Argo Rollouts would give the AnalysisRun: the worst metric
// phase, Failed worse than Error (utils/analysis/helpers.go analysisStatusOrder / IsWorse, applied
// by analysis/analysis.go asssessRunStatus). One metric fails, the other's query is rejected by
// Prometheus (Error): the run is Failed — against a protocol fake of /api/v1/query.
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { FakeServer } from "../helpers/fake-server.js";
import { type FixtureRepo, fixtureRepo } from "./fixture-repo.js";

describe("analyze: the overall verdict is the worst metric's, Failed over Error", () => {
  let repo: FixtureRepo | undefined;
  let fake: FakeServer | undefined;
  afterEach(async () => {
    repo?.remove();
    repo = undefined;
    await fake?.close();
    fake = undefined;
  });

  it("one Failed and one Error metric: verdict Failed, exit 1", async () => {
    repo = fixtureRepo(); // orchestrator with ngx-error-rate and ngx-latency-p95
    fake = await FakeServer.start();
    fake.expect("POST", "/api/v1/query", (req) => {
      const query = new URLSearchParams(req.body as string).get("query") ?? "";
      // the latency template's query is rejected (a measurement Error); the error rate is 50 % (Failed)
      if (query.includes("histogram_quantile"))
        return { status: 400, body: { status: "error", errorType: "bad_data", error: "parse error" } };
      return {
        body: {
          status: "success",
          data: { resultType: "vector", result: [{ metric: {}, value: [1, "0.5"] }] },
        },
      };
    });
    const r = await runCli(
      ["analyze", "production", "--canary-hash", "abc123", "--stable-hash", "def456", "--json"],
      { cwd: repo.root, env: { PROMETHEUS_URL: fake.url } },
    );
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as { verdict: string; metrics: { template: string; verdict: string }[] };
    const verdictOf = (t: string) => doc.metrics.find((m) => m.template === t)?.verdict;
    expect(verdictOf("ngx-error-rate")).toBe("Failed");
    expect(verdictOf("ngx-latency-p95")).toBe("Error");
    // the production canary component adds the comparative templates; none of them is Failed or Error
    expect(doc.metrics.filter((m) => m.verdict === "Failed" || m.verdict === "Error")).toHaveLength(2);
    expect(doc.verdict).toBe("Failed");
    expect(fake.callsTo("POST", "/api/v1/query")).toHaveLength(doc.metrics.length);
    fake.verify();
  });
});
