// The human table of `ngx-release judge simulate` (also pasted into rollouts/README.md).
import { table } from "../output/format.js";
import type { CanaryModel } from "./model.js";
import type { Rate, SimulationResult } from "./simulate.js";

const pct = (x: number) => `${(100 * x).toFixed(x < 0.01 && x > 0 ? 2 : 1)}%`;
const withCi = (r: Rate) => `${pct(r.rate)} [${pct(r.low)}–${pct(r.high)}]`;

export function describeCanary(model: CanaryModel): string {
  const phases = model.phases
    .map(
      (p) =>
        `${p.weight}% → ${p.canaryPods} canary + ${p.stablePods} stable pods = ${pct(p.canaryPods / (p.canaryPods + p.stablePods))} of requests for ${(p.endSec - p.startSec) / 60}m`,
    )
    .join("; ");
  const metrics = model.metrics
    .map(
      (m) =>
        `${m.template}: after ${m.initialDelaySec / 60}m every ${m.intervalSec / 60}m, window ${m.windowSec / 60}m, failureLimit ${m.failureLimit}, inconclusiveLimit ${m.inconclusiveLimit}, consecutiveErrorLimit ${m.consecutiveErrorLimit}, ${m.failureCondition ?? m.successCondition}`,
    )
    .join("\n  ");
  return `${model.rollout}: ${model.replicas} replicas; ${phases}\n  ${metrics}`;
}

export function formatSimulation(env: string, model: CanaryModel, r: SimulationResult): string {
  const o = r.options;
  const head = [
    `${env} canary, ${describeCanary(model)}`,
    `traffic ${o.rate} req/s, stable 5xx ${pct(o.baselineError)}, stable p95 ${o.baselineP95}s (log-normal σ ${o.latencySigma}), ${o.runs} runs per scenario, seed ${o.seed}` +
      (r.skippedTemplates.length ? `; not simulated: ${r.skippedTemplates.join(", ")}` : ""),
    "",
  ];
  const rows = r.scenarios.flatMap((s) =>
    s.sets.map((set) => [
      s.scenario.name,
      set.set,
      withCi(set.abortedBefore50),
      withCi(set.aborted),
      pct(set.paused.rate),
      set.medianMinutesToAbort === undefined ? "-" : `${set.medianMinutesToAbort.toFixed(0)}m`,
    ]),
  );
  const out = [
    ...head,
    table(
      [
        "SCENARIO",
        "SET",
        `ABORTED BEFORE ${r.fiftyAtMinutes}m (50% STEP)`,
        `ABORTED IN ${r.endMinutes}m`,
        "PAUSED",
        "MEDIAN TIME TO ABORT",
      ],
      rows,
    ),
    "",
    "identical canary, share of FIRST measurements Failed (per-test false positives):",
    ...(r.scenarios[0]?.firstMeasurement ?? []).map(
      (m) => `  ${m.template}/${m.metric}: ${withCi(m.failed)}`,
    ),
  ];
  return out.join("\n");
}
