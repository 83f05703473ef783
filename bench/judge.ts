// bench/judge: how fast `judge simulate` is, measured side by side in one run — simulated canaries
// per CPU-second for 500 … 4000 runs (it must scale linearly), and the cost of judging one
// measurement with the conditions compiled once (compileVerdict, what the simulation uses) against
// parsing them per measurement (measurementVerdict, what `analyze` does once per metric).
// Run: npx tsx bench/judge.ts
import { join } from "node:path";
import { cpuUsage } from "node:process";
import { compileVerdict, measurementVerdict } from "../pipeline/src/analysis/expression.js";
import { loadTemplates, rollouts } from "../pipeline/src/analysis/templates.js";
import { loadRepo } from "../pipeline/src/config/load.js";
import { canaryModel } from "../pipeline/src/judge/model.js";
import { DEFAULT_OPTIONS, simulate } from "../pipeline/src/judge/simulate.js";
import { renderEnvironment } from "../pipeline/src/manifests/render.js";
import { table } from "../pipeline/src/output/format.js";

const cpuMs = (f: () => void) => {
  const start = cpuUsage();
  f();
  const d = cpuUsage(start);
  return (d.user + d.system) / 1000;
};

const repo = loadRepo(join(import.meta.dirname, ".."));
const rendered = await renderEnvironment(repo, "production");
const rollout = rollouts(rendered.objects).find((r) => r.metadata.name === "orchestrator");
if (!rollout) throw new Error("no orchestrator Rollout in production");
const model = canaryModel(rollout, rendered.objects, await loadTemplates(repo, rendered.objects));
const scenarios = 1 + DEFAULT_OPTIONS.errorFactors.length + DEFAULT_OPTIONS.latencyFactors.length;

simulate(model, { ...DEFAULT_OPTIONS, runs: 100 }); // warm-up
const rows: string[][] = [];
let base = 0;
for (const runs of [500, 1000, 2000, 4000]) {
  const ms = cpuMs(() => simulate(model, { ...DEFAULT_OPTIONS, runs }));
  const perSec = (runs * scenarios) / (ms / 1000);
  if (!base) base = perSec;
  rows.push([
    String(runs),
    String(runs * scenarios),
    `${(ms / 1000).toFixed(2)} s`,
    perSec.toFixed(0),
    (perSec / base).toFixed(2),
  ]);
}
console.log(table(["RUNS/SCENARIO", "CANARIES", "CPU", "CANARIES/CPU-S", "RATIO TO 500"], rows));

const success = "result[0] >= 0 && result[0] <= 3.719";
const failure = "result[0] > 3.719";
const values = Array.from({ length: 100_000 }, (_, i) => [((i * 7919) % 1000) / 100 - 1]);
const compiled = compileVerdict(success, failure);
const compiledMs = cpuMs(() => {
  for (const v of values) compiled(v);
});
const parsedMs = cpuMs(() => {
  for (const v of values) measurementVerdict(v, success, failure);
});
console.log(
  `\n100000 measurements judged: compiled ${compiledMs.toFixed(0)} ms, parsed each time ${parsedMs.toFixed(0)} ms (×${(parsedMs / compiledMs).toFixed(1)})`,
);
