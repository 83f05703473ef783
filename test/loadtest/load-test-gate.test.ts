// The load-test gate through `ngx-release gate production`: open only when the version being promoted
// passed a load test in staging at the revision Argo CD reports synced there, within validFor; closed
// on a wrong revision, an old result, a failed newest result, an unverified (no Argo CD) result.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LocalLedger } from "../../pipeline/src/ledger/local.js";
import type { NewLoadTestRecord } from "../../pipeline/src/ledger/types.js";
import { versionOf } from "../../pipeline/src/ledger/version.js";
import type { LoadTestResult } from "../../pipeline/src/loadtest/run.js";
import { pullRequestText } from "../../pipeline/src/promotion/pull-request-text.js";
import { type GateRepo, gateRepo, V1 } from "../gates/fixture.js";
import { runCli } from "../helpers/cli.js";
import { hoursBefore, TEST_NOW } from "../helpers/clock.js";
import { FakeArgoCd } from "../helpers/fake-argocd.js";
import { FakeGateway } from "../helpers/fake-gateway.js";
import { mermaidBlocks, parseMermaid } from "../helpers/mermaid.js";

const YAML = `argocdUrl: https://argocd.example.com
environments:
  - name: dev
    argocdApplication: ngx-agents-dev
    namespace: ngx-agents
  - name: staging
    argocdApplication: ngx-agents-staging
    namespace: ngx-agents
    loadTest:
      url: http://127.0.0.1:9
      rate: 50
      mix: [{ path: /readyz }]
      validFor: 24h
  - name: production
    argocdApplication: ngx-agents-production
    namespace: ngx-agents
    gates: [load-test]
`;

let repo: GateRepo;
let argo: FakeArgoCd;
let ledgerFile: string;
const VERSION = versionOf(V1); // staging's overlay at HEAD

function result(passed: boolean, revision: string): LoadTestResult {
  return {
    environment: "staging",
    url: "http://127.0.0.1:9/",
    mode: "profile",
    version: VERSION,
    revision,
    revisionFrom: "argocd",
    startedAt: hoursBefore(2),
    finishedAt: hoursBefore(1),
    elapsedMs: 600_000,
    targetRate: 50,
    heldRate: 50,
    stopped: false,
    figures: {
      requests: 30_000,
      answered: 30_000,
      errors: passed ? 12 : 2400,
      errorRate: passed ? 0.0004 : 0.08,
      outcomes: { "2xx": 30_000 },
      latency: { p50Ms: 40, p95Ms: 180, p99Ms: 420, maxMs: 900 },
      serviceTime: { p50Ms: 39, p95Ms: 170, p99Ms: 400, maxMs: 880 },
      maxSendDelayMs: 3,
    },
    routes: [],
    stages: [],
    slo: { p95Ms: 2000, errorRate: 0.05 },
    breaches: [],
    problems: [],
    passed,
    scaling: [
      {
        name: "api-gateway",
        startReplicas: 3,
        maxReplicas: 7,
        endReplicas: 7,
        timeToScaleOutMs: 95_000,
        hpaMaxReplicas: 10,
        hitMax: false,
      },
    ],
    replicaTimeline: [
      { atS: 0, replicas: { "api-gateway": 3 } },
      { atS: 120, replicas: { "api-gateway": 5 } },
      { atS: 600, replicas: { "api-gateway": 7 } },
    ],
    watch: { argocd: true, reads: 60, failedReads: 0 },
  };
}

async function record(...records: Partial<NewLoadTestRecord>[]): Promise<void> {
  const ledger = new LocalLedger(ledgerFile);
  for (const r of records) {
    const passed = r.passed ?? true;
    const revision = r.revision ?? repo.c3;
    await ledger.recordLoadTest({
      environment: "staging",
      version: VERSION,
      revision,
      revisionFrom: "argocd",
      mode: "profile",
      passed,
      at: hoursBefore(1),
      summary: "load test",
      result: result(passed, revision),
      ...r,
    });
  }
}

async function gate(): Promise<{ code: number; gate: { open: boolean; reason: string; markdown?: string } }> {
  const r = await runCli(["gate", "production", "--json"], {
    cwd: repo.root,
    env: { ...argo.env(), NGX_NOW: TEST_NOW },
  });
  const json = JSON.parse(r.stdout);
  return { code: r.code, gate: json.gates.find((g: { name: string }) => g.name === "load-test") };
}

beforeAll(async () => {
  repo = gateRepo(YAML);
  ledgerFile = (await LocalLedger.open(repo.root)).file;
  argo = await FakeArgoCd.start();
  argo.withApp("ngx-agents-staging", { revision: repo.c3 });
});
beforeEach(() => rmSync(ledgerFile, { force: true }));
afterAll(async () => {
  await argo.close();
  repo.cleanup();
});

describe("load-test gate", () => {
  it("opens on a passed run at the synced revision within validFor, with the figures and a chart for the PR", async () => {
    await record({});
    const { code, gate: g } = await gate();
    expect(code).toBe(0);
    expect(g.open).toBe(true);
    expect(g.reason).toBe(
      `${VERSION} passed: 50 req/s held, p95 180 ms, errors 0.0 % (30000 requests) in staging at ${repo.c3.slice(0, 7)}, 1h ago`,
    );
    expect(g.markdown).toContain("| 50 req/s | 40 ms | 180 ms | 420 ms | 0.0 % | 30000 |");
    expect(g.markdown).toContain("```mermaid\nxychart-beta");
    expect(g.markdown).toContain("line [3, 5, 7]");
    // the chart is one Mermaid itself parses as an XY chart
    const [chart] = mermaidBlocks(g.markdown ?? "");
    expect(await parseMermaid(chart ?? "")).toBe("xychart");
    // the promotion PR shows the block under the gate
    const body = pullRequestText({
      kind: "promote",
      from: "staging",
      to: "production",
      changes: [],
      diff: [],
      argocdUrl: "https://argocd.example.com",
      applications: {},
      gates: [
        { name: "load-test", open: true, reason: g.reason, ...(g.markdown ? { markdown: g.markdown } : {}) },
      ],
    }).body;
    expect(body).toContain(`**load-test** — ${g.reason}\n\n${g.markdown}`);
  });

  it("is closed when the run was at another revision than Argo CD reports synced", async () => {
    await record({ revision: repo.c1 });
    const { code, gate: g } = await gate();
    expect(code).toBe(1);
    expect(g.open).toBe(false);
    expect(g.reason).toBe(
      `version ${VERSION} was load-tested at ${repo.c1.slice(0, 7)}, but Argo CD reports staging synced at ${repo.c3.slice(0, 7)} (run: ngx-release loadtest staging)`,
    );
  });

  it("is closed when the passed run is older than validFor", async () => {
    await record({ at: hoursBefore(30) });
    const { gate: g } = await gate();
    expect(g.open).toBe(false);
    expect(g.reason).toMatch(/passed 1d 6h ago, older than loadTest\.validFor 24h/);
  });

  it("is closed when the newest run at the revision failed, even after an older pass", async () => {
    await record({ at: hoursBefore(3) }, { passed: false, at: hoursBefore(1) });
    const { gate: g } = await gate();
    expect(g.open).toBe(false);
    expect(g.reason).toMatch(
      /the newest load test of \w+ in staging at \w+ \(1h ago\) did not pass: failed: 50 req\/s held, p95 180 ms, errors 8\.0 %/,
    );
  });

  it("is closed with nothing recorded, with only unverified (no Argo CD) runs, and with only --find-capacity runs", async () => {
    let g = (await gate()).gate;
    expect(g).toMatchObject({
      open: false,
      reason: `no load test of version ${VERSION} recorded in staging (run: ngx-release loadtest staging)`,
    });
    await record({ revisionFrom: "git" });
    g = (await gate()).gate;
    expect(g.open).toBe(false);
    expect(g.reason).toMatch(/were run without Argo CD \(revision not verified\)/);
    rmSync(ledgerFile, { force: true });
    await record({ mode: "capacity" });
    g = (await gate()).gate;
    expect(g.reason).toMatch(/^no load test of version/);
  });

  it("a record's foreign text and non-numbers never reach the pull request as Markdown", async () => {
    const hostile = result(true, repo.c3) as unknown as Record<string, unknown>;
    hostile.heldRate = "50](https://evil.example)";
    hostile.scaling = [
      {
        name: "api](https://evil.example)\n```",
        startReplicas: "3<img>",
        maxReplicas: 7,
        endReplicas: 7,
        hitMax: false,
      },
    ];
    hostile.replicaTimeline = [
      { atS: 0, replicas: { "api](https://evil.example)\n```": "3]\n```\n# owned" } },
      { atS: 5, replicas: {} },
    ];
    await record({ result: hostile as unknown as LoadTestResult });
    const { gate: g } = await gate();
    expect(g.open).toBe(true);
    // no link, no HTML, no line of its own: names keep only [A-Za-z0-9._-], numbers are numbers
    expect(g.markdown).not.toMatch(/\]\(|<img>|# owned|50\]/);
    expect(g.markdown).toContain("| 0 req/s |");
    expect(g.reason).not.toMatch(/evil/);
    const blocks = mermaidBlocks(g.markdown ?? "");
    expect(blocks).toHaveLength(1);
    expect(await parseMermaid(blocks[0] ?? "")).toBe("xychart");
  });

  it("is closed for another version than the one being promoted", async () => {
    await record({ version: "0123456789ab" });
    const { gate: g } = await gate();
    expect(g.open).toBe(false);
    expect(g.reason).toMatch(/^no load test of version/);
  });
});

describe("loadtest → ledger → load-test gate, end to end", () => {
  it("a passed run at Argo CD's synced revision is recorded at NGX_NOW and opens production's gate", async () => {
    const gw = await FakeGateway.start();
    const e2e = gateRepo(
      YAML.replace("url: http://127.0.0.1:9", `url: ${gw.url}`).replace(
        "rate: 50",
        "rate: 10\n      ramp: 0s\n      duration: 1s",
      ),
    );
    const app = await FakeArgoCd.start();
    try {
      app.withApp("ngx-agents-staging", { revision: e2e.c3 });
      const env = { ...app.env(), NGX_NOW: TEST_NOW };
      const run = await runCli(["loadtest", "staging", "--json"], { cwd: e2e.root, env });
      expect(run.code, run.stderr).toBe(0);
      const ledger = await LocalLedger.open(e2e.root);
      const [rec] = await ledger.listLoadTests("staging");
      expect(rec).toMatchObject({
        version: VERSION,
        revision: e2e.c3,
        passed: true,
        at: "2026-11-26T12:00:00.000Z",
      });
      const r = await runCli(["gate", "production", "--json"], { cwd: e2e.root, env });
      expect(r.code).toBe(0);
      const g = JSON.parse(r.stdout).gates.find((x: { name: string }) => x.name === "load-test");
      expect(g.reason).toMatch(
        new RegExp(
          `^${VERSION} passed: 10 req/s held, p95 \\d+ ms, errors 0\\.0 % \\(\\d+ requests\\) in staging at ${e2e.c3.slice(0, 7)}, 0s ago$`,
        ),
      );
      // a day and a minute later the same run is too old
      const later = await runCli(["gate", "production", "--json"], {
        cwd: e2e.root,
        env: { ...env, NGX_NOW: "2026-11-27T12:01:00Z" },
      });
      expect(later.code).toBe(1);
    } finally {
      await app.close();
      await gw.close();
      e2e.cleanup();
    }
  });
});
