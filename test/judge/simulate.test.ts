// judge simulate: the canary model read from the rendered production manifests, Argo Rollouts'
// replica split, determinism for a seed, and the calibration of the comparative error test (the
// per-test false-positive rate of an identical canary ≈ α of the configured confidence).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { normalQuantile } from "../../pipeline/src/analysis/statistics.js";
import { loadTemplates, rollouts } from "../../pipeline/src/analysis/templates.js";
import { loadRepo } from "../../pipeline/src/config/load.js";
import {
  type CanaryModel,
  canaryModel,
  DEFAULT_CONSECUTIVE_ERROR_LIMIT,
  type MetricModel,
  replicaSplit,
} from "../../pipeline/src/judge/model.js";
import { DEFAULT_OPTIONS, type SimulationOptions, simulate } from "../../pipeline/src/judge/simulate.js";
import { type K8sObject, renderEnvironment } from "../../pipeline/src/manifests/render.js";
import { parseGoDuration, parsePrometheusDuration } from "../../pipeline/src/time/duration.js";
import { REPO_ROOT } from "../analysis/fixture-repo.js";
import { runCli } from "../helpers/cli.js";

describe("judge simulate", () => {
  let production: CanaryModel;
  const modelWith = async (args?: Record<string, string>) => {
    const repo = loadRepo(REPO_ROOT);
    const r = await renderEnvironment(repo, "production");
    const rollout = rollouts(r.objects).find((x) => x.metadata.name === "orchestrator");
    if (!rollout) throw new Error("no orchestrator Rollout");
    return canaryModel(rollout, r.objects, await loadTemplates(repo, r.objects), { args });
  };
  beforeAll(async () => {
    production = await modelWith();
  });

  it("splits pods as Argo Rollouts does for a replica-weighted canary (surge allowed)", () => {
    const split = (replicas: number, weight: number) => {
      const s = replicaSplit(replicas, weight, true);
      return `${s.canary}+${s.stable}`;
    };
    expect([3, 4, 5, 6, 8, 10].map((n) => split(n, 20))).toEqual(["1+3", "1+4", "1+4", "1+5", "2+7", "2+8"]);
    expect([3, 4, 5, 10].map((n) => split(n, 50))).toEqual(["2+2", "2+2", "3+3", "5+5"]);
    // without surge the total stays at spec.replicas
    expect(replicaSplit(3, 20, false)).toEqual({ canary: 1, stable: 2 });
    expect(replicaSplit(3, 100, true)).toEqual({ canary: 3, stable: 0 });
  });

  it("reads the production canary from the rendered manifests (steps, HPA replicas, schedule, limits)", () => {
    expect(production.replicas).toBe(3);
    expect(
      production.phases.map((p) => [p.weight, p.startSec, p.endSec, p.canaryPods, p.stablePods]),
    ).toEqual([
      [20, 0, 1800, 1, 3],
      [50, 1800, 5400, 2, 2],
    ]);
    expect(production.fiftyAtSec).toBe(1800);
    expect(production.metrics.map((m) => [m.template, m.comparative])).toEqual([
      ["ngx-error-rate", false],
      ["ngx-latency-p95", false],
      ["ngx-error-rate-comparison", true],
      ["ngx-latency-comparison", true],
    ]);
    // every figure as rendered from rollouts/analysis/settings.yaml
    const settings = parse(readFileSync(join(REPO_ROOT, "rollouts/analysis/settings.yaml"), "utf8")).spec;
    const sec = (d: string) => parseGoDuration(d) / 1000;
    for (const m of production.metrics)
      expect(m, m.template).toMatchObject({
        initialDelaySec: sec(settings.initialDelay),
        intervalSec: sec(settings.interval),
        windowSec:
          parsePrometheusDuration(m.comparative ? settings.comparison.window : settings.window) / 1000,
        failureLimit: settings.failureLimit,
        inconclusiveLimit: settings.inconclusiveLimit,
        consecutiveErrorLimit: settings.consecutiveErrorLimit,
      });
    expect(production.metrics[2]?.failureCondition).toBe(`result[0] > ${settings.comparison.criticalZ}`);
    expect(production.metrics[2]?.args["comparison-min-requests"]).toBe(settings.comparison.minRequests);
  });

  // Argo Rollouts reads pause.duration as RolloutPause.DurationSeconds (digits are seconds, else
  // Go's time.ParseDuration) and interval / initialDelay as DurationString (time.ParseDuration)
  it("reads Go durations in pause steps, interval and initialDelay as Argo Rollouts does", async () => {
    const repo = loadRepo(REPO_ROOT);
    const r = await renderEnvironment(repo, "production");
    const rollout = rollouts(r.objects).find((x) => x.metadata.name === "orchestrator") as K8sObject;
    const withSteps = (steps: unknown[]): K8sObject => {
      const copy = structuredClone(rollout) as K8sObject & {
        spec: { strategy: { canary: { steps: unknown[] } } };
      };
      copy.spec.strategy.canary.steps = steps;
      return copy;
    };
    const templates = await loadTemplates(repo, r.objects);
    const steps = [
      { setWeight: 20 },
      { pause: { duration: "1h30m" } },
      { setWeight: 40 },
      { pause: { duration: "1.5h" } },
      { setWeight: 50 },
      { pause: { duration: "90" } },
      { setWeight: 60 },
      { pause: { duration: 45 } },
      { setWeight: 80 },
      { pause: { duration: "2m300ms" } },
    ];
    const model = canaryModel(withSteps(steps), r.objects, templates);
    expect(model.phases.map((p) => p.endSec - p.startSec)).toEqual([5400, 5400, 90, 45, 120]);
    // a template's interval and initialDelay in Go's grammar
    const key = [...templates.keys()].find((k) => k.endsWith("ngx-error-rate")) as string;
    const template = structuredClone(templates.get(key)) as NonNullable<ReturnType<typeof templates.get>>;
    const metric = template.spec.metrics?.[0] as unknown as Record<string, unknown>;
    metric.interval = "1m30s";
    metric.initialDelay = "1.5m";
    delete metric.consecutiveErrorLimit;
    const edited = new Map(templates).set(key, template);
    const m = canaryModel(rollout, r.objects, edited).metrics.find((x) => x.template === "ngx-error-rate");
    expect(m).toMatchObject({
      intervalSec: 90,
      initialDelaySec: 90,
      consecutiveErrorLimit: DEFAULT_CONSECUTIVE_ERROR_LIMIT,
    });
    // what Argo Rollouts refuses is a ConfigError naming the field and the grammar
    expect(() =>
      canaryModel(withSteps([{ setWeight: 20 }, { pause: { duration: "1d" } }]), r.objects, templates),
    ).toThrow(
      /Rollout\/orchestrator spec\.strategy\.canary\.steps\[1\]\.pause\.duration: "1d" is not a Go duration: unknown unit "d"/,
    );
    metric.interval = "1 minute";
    expect(() => canaryModel(rollout, r.objects, edited)).toThrow(
      /interval: "1 minute" is not a Go duration/,
    );
  });

  // analysis/analysis.go runMeasurements counts an Error measurement only in consecutiveError (reset
  // by any other phase); assessMetricStatus errors the metric when consecutiveError exceeds
  // consecutiveErrorLimit, and never counts errors toward failureLimit
  it("counts Error measurements against consecutiveErrorLimit, not failureLimit", () => {
    const base = production.metrics.find((m) => m.template === "ngx-error-rate") as MetricModel;
    const scripted = (pattern: readonly ("Error" | "Successful")[]): CanaryModel => {
      let i = 0;
      const metric: MetricModel = {
        ...base,
        failureLimit: 1,
        consecutiveErrorLimit: 4,
        verdict: () => ({ verdict: pattern[i++ % pattern.length] as "Error" | "Successful" }),
      };
      return { ...production, metrics: [metric] };
    };
    const options = { ...quick, runs: 5, errorFactors: [], latencyFactors: [] };
    const set = (model: CanaryModel) =>
      simulate(model, options).scenarios[0]?.sets.find((s) => s.set === "thresholds");
    // every measurement an Error: the 5th in a row (> 4) ends the metric, at initialDelay + 4 intervals
    const allErrors = set(scripted(["Error"]));
    expect(allErrors?.aborted.count).toBe(5);
    expect(allErrors?.medianMinutesToAbort).toBe(base.initialDelaySec / 60 + (4 * base.intervalSec) / 60);
    // four errors then a success, over and over: never five in a row, so never an abort
    const interrupted = set(scripted(["Error", "Error", "Error", "Error", "Successful"]));
    expect(interrupted?.aborted.count).toBe(0);
    expect(interrupted?.paused.count).toBe(0);
  });

  const quick: SimulationOptions = {
    ...DEFAULT_OPTIONS,
    runs: 150,
    errorFactors: [2],
    latencyFactors: [1.5],
  };

  it("is deterministic for a seed, and another seed gives other draws", () => {
    const a = simulate(production, quick);
    const b = simulate(production, quick);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = simulate(production, { ...quick, seed: 2, baselineError: 0.02 });
    expect(JSON.stringify(c.scenarios)).not.toBe(JSON.stringify(a.scenarios));
    // at 50 req/s the production defaults catch a ×2 error regression and a ×1.5 latency one
    const both = (name: string) =>
      a.scenarios.find((s) => s.scenario.name === name)?.sets.find((s) => s.set === "both");
    expect(both("errors ×2")?.abortedBefore50.rate).toBeGreaterThan(0.9);
    expect(both("latency ×1.5")?.abortedBefore50.rate).toBeGreaterThan(0.9);
    // the thresholds alone do not see either
    const thresholds = a.scenarios
      .find((s) => s.scenario.name === "errors ×2")
      ?.sets.find((s) => s.set === "thresholds");
    expect(thresholds?.abortedBefore50.rate).toBeLessThan(0.05);
  });

  it("an identical canary's first measurement fails at the configured α (binomial band)", async () => {
    // confidence 0.95 so that α is measurable with a few thousand runs; no margin; a traffic level
    // where the normal approximation holds. Only the first measurement matters: stop at 3 minutes.
    const alpha = 0.05;
    const model = await modelWith({
      "critical-z": normalQuantile(1 - alpha).toFixed(6),
      "error-margin": "0",
      "latency-margin": "0",
    });
    const short: CanaryModel = { ...model, endSec: 180 };
    const runs = 4000;
    const r = simulate(short, {
      ...DEFAULT_OPTIONS,
      rate: 400,
      baselineError: 0.05,
      runs,
      errorFactors: [],
      latencyFactors: [],
      seed: 7,
    });
    const first = r.scenarios[0]?.firstMeasurement.find((m) => m.template === "ngx-error-rate-comparison");
    // 99.9% binomial band around α for this many runs
    const half = normalQuantile(0.9995) * Math.sqrt((alpha * (1 - alpha)) / runs);
    expect(first?.failed.rate).toBeGreaterThan(alpha - half);
    expect(first?.failed.rate).toBeLessThan(alpha + half);
    // the latency comparison is conservative (the stable p95 bucket's upper bound): at most α
    const latency = r.scenarios[0]?.firstMeasurement.find((m) => m.template === "ngx-latency-comparison");
    expect(latency?.failed.rate).toBeLessThan(alpha + half);
  });

  it("CLI: prints the table, --json for machines, and refuses bad input with exit 2", async () => {
    const r = await runCli(["judge", "simulate", "--runs", "60", "--seed", "3"], { cwd: REPO_ROOT });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /orchestrator: 3 replicas; 20% → 1 canary \+ 3 stable pods = 25\.0% of requests for 30m/,
    );
    expect(r.stdout).toMatch(/SCENARIO\s+SET\s+ABORTED BEFORE 30m \(50% STEP\)/);
    expect(r.stdout).toMatch(/identical canary\s+comparative\s+\d/);
    const j = await runCli(["judge", "simulate", "--runs", "60", "--seed", "3", "--json"], {
      cwd: REPO_ROOT,
    });
    expect(j.code, j.stderr).toBe(0);
    const doc = JSON.parse(j.stdout) as {
      environment: string;
      replicas: number;
      scenarios: { scenario: { name: string } }[];
    };
    expect(doc.environment).toBe("production");
    expect(doc.scenarios.map((s) => s.scenario.name)).toEqual([
      "identical canary",
      "errors ×1.5",
      "errors ×2",
      "errors ×5",
      "latency ×1.5",
      "latency ×2",
    ]);
    for (const [args, message] of [
      [["--rate", "-5"], /--rate -5: expected requests per second > 0/],
      [["--rate", "fast"], /--rate "fast" is not a number/],
      [["--baseline-error", "1.2"], /--baseline-error 1\.2: expected a share in \[0, 1\)/],
      [["--runs", "2.5"], /--runs 2\.5: expected a whole number/],
      [["--rollout", "nope"], /--rollout nope: no such Rollout in production \(there are: .*orchestrator/],
      [["--env", "qa"], /qa/],
      [["--buckets", "0.5,0.1"], /--buckets 0\.5,0\.1: expected increasing positive seconds/],
      [["--arg", "critical-z"], /--arg "critical-z": expected name=value/],
    ] as const) {
      const bad = await runCli(["judge", "simulate", ...args], { cwd: REPO_ROOT });
      expect(bad.code, args.join(" ")).toBe(2);
      expect(bad.stderr).toMatch(message);
      expect(bad.stdout).toBe("");
    }
  });
});
