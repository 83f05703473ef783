import type { Command } from "commander";
import { InputError } from "../errors.js";
import { DEFAULT_OPTIONS, type SimulationOptions } from "../judge/options.js";
import type { SimulationResult } from "../judge/simulate.js";
import { progress } from "../output/format.js";
import { contextFrom } from "./context.js";

interface SimulateFlags {
  env: string;
  rollout: string;
  rate: string;
  baselineError: string;
  baselineP95: string;
  latencySigma: string;
  replicas?: string;
  runs: string;
  seed: string;
  buckets?: string;
  arg?: string[];
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function number(flag: string, text: string, example: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n))
    throw new InputError(`${flag} "${text}" is not a number (e.g. ${flag} ${example})`);
  return n;
}

export function register(program: Command): void {
  const judge = program
    .command("judge")
    .description("how well the canary analysis judges: simulations of the canary and its analysis templates");
  judge
    .command("simulate")
    .description(
      "Monte Carlo of an environment's canary (steps, weights, pauses, analysis schedule and limits read from the rendered manifests): how often regressions are caught before the 50% step, and how often an identical canary is aborted",
    )
    .option("--env <env>", "environment whose rendered Rollout is simulated", "production")
    .option("--rollout <name>", "Rollout to simulate (its templates, its HPA's minReplicas)", "orchestrator")
    .option(
      "--rate <req/s>",
      "requests per second to the service (stable + canary)",
      String(DEFAULT_OPTIONS.rate),
    )
    .option("--baseline-error <share>", "stable 5xx share", String(DEFAULT_OPTIONS.baselineError))
    .option("--baseline-p95 <seconds>", "stable p95 latency", String(DEFAULT_OPTIONS.baselineP95))
    .option(
      "--latency-sigma <σ>",
      "σ of log latency (log-normal model)",
      String(DEFAULT_OPTIONS.latencySigma),
    )
    .option("--replicas <n>", "pods of the Rollout (default: its HPA's minReplicas)")
    .option(
      "--buckets <list>",
      "histogram buckets, comma-separated seconds",
      DEFAULT_OPTIONS.buckets.join(","),
    )
    .option("--runs <n>", "simulated canaries per scenario", String(DEFAULT_OPTIONS.runs))
    .option(
      "--arg <name=value>",
      "override a template argument in every template, as analyze --arg does, e.g. --arg critical-z=3.29 (repeatable)",
      collect,
    )
    .option("--seed <n>", "seed of the random draws (same seed, same figures)", String(DEFAULT_OPTIONS.seed))
    .addHelpText(
      "after",
      `
Scenarios: an identical canary (false aborts), 5xx share ×1.5, ×2, ×5, latency (every quantile) ×1.5, ×2.
Template sets: thresholds (absolute guard rails), comparative (canary vs stable), both (what runs).
Rates come with 95% Wilson intervals. Exit 0; 2 on bad input.

Example:
  ngx-release judge simulate --rate 50 --baseline-error 0.01 --baseline-p95 0.2 --runs 2000 --seed 1`,
    )
    .action(async (flags: SimulateFlags, cmd: Command) => {
      const { loadTemplates, rollouts } = await import("../analysis/templates.js");
      const { environmentByName, loadRepo } = await import("../config/load.js");
      const { canaryModel } = await import("../judge/model.js");
      const { formatSimulation } = await import("../judge/report.js");
      const { renderEnvironment } = await import("../manifests/render.js");
      const { simulate } = await import("../judge/simulate.js");
      const ctx = contextFrom(cmd);
      const options: SimulationOptions = {
        ...DEFAULT_OPTIONS,
        rate: number("--rate", flags.rate, "50"),
        baselineError: number("--baseline-error", flags.baselineError, "0.01"),
        baselineP95: number("--baseline-p95", flags.baselineP95, "0.2"),
        latencySigma: number("--latency-sigma", flags.latencySigma, "0.5"),
        runs: number("--runs", flags.runs, "2000"),
        seed: number("--seed", flags.seed, "1"),
        buckets: (flags.buckets ?? "").split(",").map((b) => number("--buckets", b, "0.1,0.25,0.5,1,2,5")),
      };
      if (!Number.isInteger(options.runs) || options.runs < 1)
        throw new InputError(
          `--runs ${flags.runs}: expected a whole number of canaries ≥ 1, e.g. --runs 2000`,
        );
      const sorted = [...options.buckets].sort((a, b) => a - b);
      if (options.buckets.some((b, i) => b <= 0 || b !== sorted[i] || sorted.indexOf(b) !== i))
        throw new InputError(
          `--buckets ${flags.buckets}: expected increasing positive seconds, e.g. 0.1,0.25,0.5,1,2,5`,
        );
      const replicas = flags.replicas === undefined ? undefined : number("--replicas", flags.replicas, "4");
      const repo = loadRepo(ctx.root);
      const env = environmentByName(repo, flags.env);
      const bar = progress(ctx.stderr, !ctx.json);
      bar.update(`rendering ${env.name} …`);
      const rendered = await renderEnvironment(repo, env.name);
      const list = rollouts(rendered.objects);
      const rollout = list.find((r) => r.metadata.name === flags.rollout);
      if (!rollout)
        throw new InputError(
          `--rollout ${flags.rollout}: no such Rollout in ${env.name} (there are: ${list.map((r) => r.metadata.name).join(", ")})`,
        );
      const templates = await loadTemplates(repo, rendered.objects);
      const args: Record<string, string> = {};
      for (const item of flags.arg ?? []) {
        const i = item.indexOf("=");
        if (i <= 0) throw new InputError(`--arg "${item}": expected name=value, e.g. --arg critical-z=3.29`);
        args[item.slice(0, i)] = item.slice(i + 1);
      }
      const model = canaryModel(rollout, rendered.objects, templates, { replicas, args });
      bar.update(`simulating ${options.runs} canaries per scenario …`);
      const result: SimulationResult = simulate(model, options);
      bar.done();
      if (ctx.json) ctx.printJson({ environment: env.name, ...result });
      else ctx.print(formatSimulation(env.name, model, result));
    });
}
