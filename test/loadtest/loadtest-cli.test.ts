// `ngx-release loadtest <env>` end to end: the built CLI drives a local stand-in gateway
// (test/helpers/fake-gateway.ts) at a constant arrival rate, reads replicas from the Argo CD fake, judges
// the SLOs and records the result in the local ledger. Runs last a few seconds each.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type GateRepo, gateRepo } from "../gates/fixture.js";
import { CLI, runCli } from "../helpers/cli.js";
import { FakeArgoCd, type Manifest, rollout } from "../helpers/fake-argocd.js";
import { FakeGateway, type GatewayBehaviour } from "../helpers/fake-gateway.js";
import { FakeServer } from "../helpers/fake-server.js";
import { git } from "../helpers/git.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  url?: string;
  rate?: number;
  duration?: string;
  maxConnections?: number;
  timeout?: string;
  extra?: string;
}

function promotionYaml(s: Setup): string {
  return `argocdUrl: https://argocd.example.com
repository: ngx-agents/ngx-agents-delivery
environments:
  - name: dev
    argocdApplication: ngx-agents-dev
    namespace: ngx-agents
  - name: staging
    argocdApplication: ngx-agents-staging
    namespace: ngx-agents
    loadTest:
      url: ${s.url}
      rate: ${s.rate ?? 20}
      ramp: 0s
      duration: ${s.duration ?? "2s"}
      maxDuration: 1m
      timeout: ${s.timeout ?? "5s"}
      maxConnections: ${s.maxConnections ?? 64}
      mix:
        - { path: /, weight: 8 }
        - { path: /readyz, weight: 1 }
        - { path: /healthz, weight: 1 }
      capacity: { step: 20, stepDuration: 1s, maxRate: 60 }
${s.extra ?? ""}  - name: production
    argocdApplication: ngx-agents-production
    namespace: ngx-agents
    gates: [load-test]
`;
}

async function setup(
  behaviour: GatewayBehaviour,
  s: Setup = {},
): Promise<{ repo: GateRepo; gw: FakeGateway }> {
  const gw = await FakeGateway.start(behaviour);
  cleanups.push(() => gw.close());
  const repo = gateRepo(promotionYaml({ url: gw.url, ...s }));
  cleanups.push(() => repo.cleanup());
  return { repo, gw };
}

const ledgerFile = (repo: GateRepo) => join(repo.root, ".git", "ngx-ledger.json");
const loadTests = (repo: GateRepo) =>
  existsSync(ledgerFile(repo)) ? (JSON.parse(readFileSync(ledgerFile(repo), "utf8")).loadTests ?? []) : [];

function hpa(name: string, current: number, max = 10): Manifest {
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name, namespace: "ngx-agents" },
    spec: {
      scaleTargetRef: { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name },
      minReplicas: 3,
      maxReplicas: max,
    },
    status: { currentReplicas: current, desiredReplicas: current },
  };
}

function scaledRollout(name: string, replicas: number): Manifest {
  const r = rollout({ name });
  return { ...r, status: { ...(r.status as object), replicas, availableReplicas: replicas } };
}

describe("ngx-release loadtest", () => {
  it("a healthy gateway passes; Argo CD's Rollout scaling 3→7 during the run is reported; the result is recorded at the synced revision; only the configured URL is contacted", async () => {
    let argo: FakeArgoCd | undefined;
    const { repo, gw } = await setup({
      onRequest: (n) => {
        // the autoscaler responds after some load: the Rollout and its HPA go from 3 to 7 replicas
        if (n === 15 && argo) {
          argo.withResource("ngx-agents-staging", scaledRollout("api-gateway", 7));
          argo.withResource("ngx-agents-staging", hpa("api-gateway", 7));
        }
      },
    });
    argo = await FakeArgoCd.start();
    cleanups.push(() => argo?.close());
    argo
      .withApp("ngx-agents-staging", { revision: repo.c3 })
      .withResource("ngx-agents-staging", scaledRollout("api-gateway", 3))
      .withResource("ngx-agents-staging", hpa("api-gateway", 3));
    // a decoy: a proxy in the environment or a loadtest configuration file must not divert the load
    const decoy = await FakeGateway.start();
    cleanups.push(() => decoy.close());
    writeFileSync(
      join(repo.root, ".loadtestrc"),
      JSON.stringify({ proxy: decoy.url, headers: { host: "evil" } }),
    );

    const r = await runCli(["loadtest", "staging", "--json"], {
      cwd: repo.root,
      env: {
        ...argo.env(),

        NGX_LOADTEST_WATCH_MS: "150",
        HTTP_PROXY: decoy.url,
        http_proxy: decoy.url,
      },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.passed).toBe(true);
    expect(out.breaches).toEqual([]);
    expect(out.revision).toBe(repo.c3);
    expect(out.revisionFrom).toBe("argocd");
    expect(out.figures.errors).toBe(0);
    expect(out.heldRate).toBeGreaterThanOrEqual(19);
    // the mix: 8 : 1 : 1
    const byRoute = Object.fromEntries(
      out.routes.map((x: { label: string; requests: number }) => [x.label, x.requests]),
    );
    expect(byRoute["GET /"]).toBeGreaterThan(byRoute["GET /readyz"] * 6);
    expect(byRoute["GET /healthz"]).toBeGreaterThan(0);
    // scaling seen through Argo CD
    const gwScaling = out.scaling.find((s: { name: string }) => s.name === "api-gateway");
    expect(gwScaling).toMatchObject({
      startReplicas: 3,
      maxReplicas: 7,
      endReplicas: 7,
      hpaMaxReplicas: 10,
      hitMax: false,
    });
    expect(gwScaling.timeToScaleOutMs).toBeGreaterThan(0);
    expect(out.replicaTimeline.at(-1).replicas["api-gateway"]).toBe(7);
    // every request went to the configured host and port; the decoy saw nothing
    expect(decoy.requests).toEqual([]);
    expect(gw.requests.length).toBe(out.figures.requests + 1); // + the reachability probe
    expect(new Set(gw.requests.map((q) => q.host))).toEqual(new Set([`127.0.0.1:${gw.port}`]));
    expect(new Set(gw.requests.map((q) => q.path))).toEqual(new Set(["/", "/readyz", "/healthz"]));
    // recorded against version and revision (its time: load-test-gate.test.ts)
    const [rec] = loadTests(repo);
    expect(rec).toMatchObject({
      environment: "staging",
      revision: repo.c3,
      revisionFrom: "argocd",
      passed: true,
      mode: "profile",
    });
    expect(rec.version).toBe(out.version);
    expect(argo.server.unexpected).toEqual([]);

    // the table for people shows the same
    const human = await runCli(["loadtest", "staging", "--duration", "1s"], {
      cwd: repo.root,
      env: { ...argo.env(), NGX_LOADTEST_WATCH_MS: "150" },
    });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/PASSED/);
    expect(human.stdout).toMatch(/api-gateway: 7 → max 7 of maxReplicas 10/);
    expect(human.stdout).toMatch(/GET \/readyz/);
  });

  it("8 % errors fails with exit 1 naming the error SLO and by how much", async () => {
    const { repo } = await setup({ fails: (n) => n % 25 === 3 || n % 25 === 17 });
    const r = await runCli(["loadtest", "staging", "--json"], { cwd: repo.root, env: {} });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.passed).toBe(false);
    expect(out.figures.errorRate).toBeGreaterThan(0.06);
    expect(out.figures.errorRate).toBeLessThan(0.1);
    expect(out.breaches.map((b: { slo: string }) => b.slo)).toEqual(["errorRate"]);
    expect(r.stderr).toMatch(/SLO breached: errors \d+\.\d % ≥ the SLO 5\.0 % \(over by \d+\.\d points/);
    // recorded as failed (the gate reads it)
    expect(loadTests(repo)).toMatchObject([{ passed: false, revisionFrom: "git" }]);
  });

  it("a p95 of 2.5 s fails with exit 1 naming the latency SLO and by how much", async () => {
    const { repo } = await setup({ latencyMs: (n) => (n % 10 === 5 ? 2500 : 3) });
    const r = await runCli(["loadtest", "staging", "--json"], { cwd: repo.root, env: {} });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.breaches.map((b: { slo: string }) => b.slo)).toEqual(["p95"]);
    expect(out.figures.latency.p95Ms).toBeGreaterThanOrEqual(2500);
    expect(r.stderr).toMatch(/SLO breached: p95 latency 2\.5\d s ≥ the SLO 2\.00 s \(over by \d+ ms\)/);
  });

  it("loadTest.timeout bounds the whole answer: a trickling answer is a timeout error, not a slow success", async () => {
    const { repo } = await setup({ trickle: (n) => n % 5 === 2 }, { timeout: "1s" });
    const r = await runCli(["loadtest", "staging", "--json"], { cwd: repo.root });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.figures.outcomes.timeout).toBeGreaterThan(0);
    expect(out.figures.latency.maxMs).toBeLessThan(3000);
    expect(out.breaches.map((b: { slo: string }) => b.slo)).toContain("errorRate");
  });

  it("a slow start is not hidden: requests waiting for a connection count from their intended send time (coordinated omission)", async () => {
    // two connections, and the first four answers take 700 ms: ~1.4 s during which arrivals keep coming
    const { repo } = await setup(
      { latencyMs: (n) => (n >= 1 && n <= 4 ? 700 : 2) },
      { maxConnections: 2, rate: 20, duration: "3s" },
    );
    const r = await runCli(["loadtest", "staging", "--json"], { cwd: repo.root, env: {} });
    const out = JSON.parse(r.stdout);
    // the generator kept the arrival rate although answers stalled (open model)
    expect(out.heldRate).toBeGreaterThanOrEqual(19);
    // what a closed-loop tool reports (time on the socket) stays near the 700 ms stall…
    expect(out.figures.serviceTime.p99Ms).toBeLessThan(1000);
    // …while the latency from the intended send time shows the queue behind the stall
    expect(out.figures.latency.p99Ms).toBeGreaterThan(out.figures.serviceTime.p99Ms + 300);
    expect(out.figures.maxSendDelayMs).toBeGreaterThan(500);
  });

  it("an unreachable entry point is exit 3 before any load, and nothing is recorded", async () => {
    const gone = await FakeGateway.start();
    const url = gone.url;
    await gone.close();
    const repo = gateRepo(promotionYaml({ url }));
    cleanups.push(() => repo.cleanup());
    const r = await runCli(["loadtest", "staging"], { cwd: repo.root, env: {} });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`${url.replace(/[.]/g, "\\.")}/ is unreachable: ECONNREFUSED`));
    expect(existsSync(ledgerFile(repo))).toBe(false);
  });

  it("Argo CD configured but unreachable is exit 3 before any load", async () => {
    const { repo, gw } = await setup({});
    const gone = await FakeGateway.start();
    await gone.close();
    const r = await runCli(["loadtest", "staging"], {
      cwd: repo.root,
      env: {
        ARGOCD_SERVER: gone.url,
        ARGOCD_AUTH_TOKEN: "t",
        NGX_ARGOCD_RETRY_DELAY_MS: "5",
        NGX_ARGOCD_RETRIES: "1",
      },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Argo CD: read application ngx-agents-staging failed after 2 attempts/);
    expect(gw.requests).toEqual([]);
    expect(existsSync(ledgerFile(repo))).toBe(false);
  });

  it.each([
    [["loadtest", "qa"], /unknown environment "qa" \(valid: dev, staging, production\)/],
    [["loadtest", "dev"], /environment "dev" has no loadTest: block \(environments\[0\]\.loadTest\)/],
    [["loadtest", "staging", "--rate", "0"], /--rate "0": expected requests per second greater than 0/],
    [["loadtest", "staging", "--rate", "-5"], /--rate "-5": expected requests per second greater than 0/],
    [
      ["loadtest", "staging", "--duration", "2m"],
      /--duration 2m = 120s is over the cap environments\[staging\]\.loadTest\.maxDuration = 1m/,
    ],
  ])("bad input %j: exit 2 before any traffic, nothing written", async (args, message) => {
    const { repo, gw } = await setup({});
    const r = await runCli(args, { cwd: repo.root, env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(gw.requests).toEqual([]);
    expect(existsSync(ledgerFile(repo))).toBe(false);
  });

  it("a URL that is not http(s) is exit 2 naming the field, before any traffic", async () => {
    const repo = gateRepo(promotionYaml({ url: "ftp://127.0.0.1:21" }));
    cleanups.push(() => repo.cleanup());
    const r = await runCli(["loadtest", "staging"], { cwd: repo.root, env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/environments\.1\.loadTest\.url: an http:\/\/ or https:\/\/ URL/);
    expect(existsSync(ledgerFile(repo))).toBe(false);
  });

  it("Ctrl-C stops the traffic at once and reports what ran; nothing is recorded", async () => {
    let child: ReturnType<typeof spawn> | undefined;
    const { repo, gw } = await setup(
      {
        onRequest: (n) => {
          if (n === 20) child?.kill("SIGINT");
        },
      },
      { duration: "30s" },
    );
    child = spawn(process.execPath, [CLI, "loadtest", "staging", "--json"], {
      cwd: repo.root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => {
      stdout += d;
    });
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    const code = await new Promise<number>((resolve) => child?.on("close", (c) => resolve(c ?? -1)));
    const seenAtExit = gw.requests.length;
    expect(code).toBe(1);
    expect(stderr).toMatch(/stopping: no more requests/);
    const out = JSON.parse(stdout);
    expect(out.stopped).toBe(true);
    expect(out.problems.join()).toMatch(/stopped before the end/);
    // what ran is reported: every request the gateway answered (but the probe) is counted
    // (requests still in flight at the stop are cancelled and left out)
    expect(out.figures.requests).toBeGreaterThanOrEqual(15);
    expect(out.figures.requests).toBeLessThanOrEqual(seenAtExit);
    // far fewer than 30 s × 20 req/s: the traffic stopped at once, and nothing came after the exit
    expect(seenAtExit).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 300));
    expect(gw.requests.length).toBe(seenAtExit);
    expect(existsSync(ledgerFile(repo))).toBe(false);
  });

  it("--find-capacity steps the rate up until an SLO breaks and reports the highest rate held", async () => {
    // the gateway fails everything after its 45th request: the 20 req/s step (≈20 requests) holds,
    // the 40 req/s step breaks the error SLO
    const { repo } = await setup({ fails: (n) => n >= 45 });
    const r = await runCli(["loadtest", "staging", "--find-capacity", "--json"], {
      cwd: repo.root,
      env: {},
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.mode).toBe("capacity");
    expect(out.capacity).toMatchObject({ highestRateHeld: 20, brokeAt: 40 });
    expect(out.capacity.reason).toMatch(/^errors \d+\.\d % ≥ the SLO 5\.0 %/);
    expect(out.stages.map((x: { rate: number }) => x.rate)).toEqual([20, 40]);
    // the 60 req/s step never ran
    expect(loadTests(repo)).toMatchObject([{ mode: "capacity", passed: true }]);
  });

  it("with PROMETHEUS_URL the server's error rate and p95 come from the analysis templates' queries", async () => {
    const { repo } = await setup({});
    // the real analysis templates of this repository
    const src = join(import.meta.dirname, "../../rollouts/analysis");
    mkdirSync(join(repo.root, "rollouts"), { recursive: true });
    cpSync(src, join(repo.root, "rollouts/analysis"), { recursive: true });
    const prom = await FakeServer.start();
    cleanups.push(() => prom.close());
    const queries: string[] = [];
    prom.allow("POST", "/api/v1/query", (req) => {
      const q = String(
        (req.body as { query?: string } | undefined)?.query ??
          new URLSearchParams(String(req.body)).get("query"),
      );
      queries.push(q);
      const value = q.includes("histogram_quantile") ? "0.25" : "0.01";
      return {
        body: {
          status: "success",
          data: { resultType: "vector", result: [{ metric: {}, value: [0, value] }] },
        },
      };
    });
    const r = await runCli(["loadtest", "staging", "--json", "--duration", "1s"], {
      cwd: repo.root,
      env: { PROMETHEUS_URL: prom.url },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).serverSide).toEqual({ prometheus: prom.url, errorRate: 0.01, p95Ms: 250 });
    expect(queries).toHaveLength(2);
    for (const q of queries) {
      expect(q).toContain('namespace="ngx-agents", app="api-gateway", rollouts_pod_template_hash=~".*"');
      expect(q).not.toContain("{{");
    }
    expect(queries[0]).toContain('status=~"5.."');
    expect(queries[1]).toContain("histogram_quantile(0.95");
  });

  it("--dry-run prints the plan and sends nothing", async () => {
    const { repo, gw } = await setup({});
    const r = await runCli(["loadtest", "staging", "--dry-run", "--find-capacity"], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/capacity\s+20 req\/s/);
    expect(gw.requests).toEqual([]);
    expect(git(repo.root, "status", "--porcelain")).toBe("");
  });
});
