import type { Command } from "commander";
import type { Explanation, Unexplained } from "../analysis/explain.js";
import type { MetricPlan } from "../analysis/run.js";
import { CheckFailedError, ExitCode, InputError } from "../errors.js";
import { color, progress, table } from "../output/format.js";
import { contextFrom } from "./context.js";

interface AnalyzeOptions {
  canaryHash?: string;
  stableHash?: string;
  rollout?: string[];
  arg?: string[];
  prometheusUrl?: string;
  explain?: boolean;
}

const HASH = /^[a-z0-9-]{1,63}$/;

function parseArgs(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const i = item.indexOf("=");
    if (i <= 0) throw new InputError(`--arg "${item}": expected name=value, e.g. --arg window=10m`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  program
    .command("analyze")
    .description(
      "run the environment's analysis templates now against Prometheus, judging each metric as Argo Rollouts would",
    )
    .argument("<env>", "environment name, e.g. production")
    .option(
      "--canary-hash <hash>",
      "rollouts-pod-template-hash of the canary ReplicaSet (podTemplateHashValue Latest); default: read from Argo CD when ARGOCD_SERVER is set",
    )
    .option(
      "--stable-hash <hash>",
      "rollouts-pod-template-hash of the stable ReplicaSet (podTemplateHashValue Stable)",
    )
    .option(
      "--rollout <name>",
      "only this Rollout (repeatable); needed with hashes when the environment has several",
      collect,
    )
    .option("--arg <name=value>", "override a template argument, e.g. --arg window=2m (repeatable)", collect)
    .option("--prometheus-url <url>", "Prometheus base URL (default: $PROMETHEUS_URL)")
    .option(
      "--explain",
      "for each comparative metric (canary vs stable): counts on each side, the statistic, the decision and the smallest regression the sample could have detected",
    )
    .addHelpText(
      "after",
      `
Verdicts per metric: Successful, Failed, Inconclusive (too little data: never a pass), Error.
Exit codes: 0 every metric Successful · 1 any Failed, Inconclusive or Error · 2 bad input or a
template/Rollout that does not check · 3 Prometheus unreachable after retries (or refused the credentials).

Authentication: PROMETHEUS_BEARER_TOKEN is sent as "Authorization: Bearer …" (never printed);
PROMETHEUS_AUTH=google (implied by a monitoring.googleapis.com URL) uses Application Default
Credentials for Google Managed Prometheus, e.g.
PROMETHEUS_URL=https://monitoring.googleapis.com/v1/projects/<project>/location/global/prometheus

Example:
  PROMETHEUS_URL=http://localhost:9090 ngx-release analyze production --rollout orchestrator \\
    --canary-hash 7d9f8c6b5 --stable-hash 5c4b9d7f8`,
    )
    .action(async (envName: string, opts: AnalyzeOptions, cmd: Command) => {
      const { prometheusFromEnv } = await import("../adapters/prometheus.js");
      const { explainComparisons, formatExplanation } = await import("../analysis/explain.js");
      const { overallVerdict, planAnalysis, runAnalysis } = await import("../analysis/run.js");
      const { loadTemplates, rollouts } = await import("../analysis/templates.js");
      const { environmentByName, loadRepo } = await import("../config/load.js");
      const { renderEnvironment } = await import("../manifests/render.js");
      const ctx = contextFrom(cmd);
      const repo = loadRepo(ctx.root);
      const env = environmentByName(repo, envName);
      for (const [flag, v] of [
        ["--canary-hash", opts.canaryHash],
        ["--stable-hash", opts.stableHash],
      ] as const)
        if (v !== undefined && !HASH.test(v))
          throw new InputError(
            `${flag} "${v}" is not a pod-template hash (lower-case letters and digits, e.g. 7d9f8c6b5)`,
          );
      const overrides = parseArgs(opts.arg ?? []);
      // the URL and its credentials (PROMETHEUS_BEARER_TOKEN, PROMETHEUS_AUTH=google) are checked first
      const prometheus = prometheusFromEnv(ctx.env, opts.prometheusUrl ?? ctx.env.PROMETHEUS_URL);
      if (!prometheus)
        throw new InputError("Prometheus is not configured: set PROMETHEUS_URL or pass --prometheus-url", {
          hint: "e.g. kubectl -n ngx-agents port-forward svc/prometheus 9090 & PROMETHEUS_URL=http://127.0.0.1:9090",
        });

      const rendered = await renderEnvironment(repo, env.name);
      let selected = rollouts(rendered.objects);
      if (opts.rollout?.length) {
        const names = selected.map((r) => r.metadata.name);
        for (const n of opts.rollout)
          if (!names.includes(n))
            throw new InputError(
              `--rollout ${n}: no such Rollout in ${env.name} (there are: ${names.join(", ")})`,
            );
        selected = selected.filter((r) => opts.rollout?.includes(r.metadata.name));
      } else if ((opts.canaryHash || opts.stableHash) && selected.length > 1) {
        throw new InputError(
          `--canary-hash/--stable-hash belong to one Rollout, and ${env.name} has ${selected.length}: add --rollout <name> (${selected.map((r) => r.metadata.name).join(", ")})`,
        );
      }
      if (selected.length === 0) throw new InputError(`${env.name} renders no Rollout: nothing to analyze`);

      const templates = await loadTemplates(repo, rendered.objects);
      const bar = progress(ctx.stderr, !ctx.json);
      let plans: MetricPlan[];
      if (opts.canaryHash || opts.stableHash || !ctx.env.ARGOCD_SERVER) {
        plans = planAnalysis(selected, templates, {
          canaryHash: opts.canaryHash,
          stableHash: opts.stableHash,
          overrides,
        });
      } else {
        // the live hashes of each Rollout, read through Argo CD (status.currentPodHash / stableRS)
        const { argoCdFromEnv } = await import("../adapters/argocd.js");
        const argocd = argoCdFromEnv(ctx.env, repo.config);
        plans = [];
        for (const r of selected) {
          bar.update(
            `reading Rollout ${r.metadata.name} from Argo CD application ${env.argocdApplication} …`,
          );
          const live = await argocd?.getResource(env.argocdApplication, {
            group: "argoproj.io",
            version: "v1alpha1",
            kind: "Rollout",
            namespace: r.metadata.namespace ?? env.namespace,
            name: r.metadata.name,
          });
          const status = (live?.status ?? {}) as { currentPodHash?: string; stableRS?: string };
          if (!status.currentPodHash || !status.stableRS)
            throw new InputError(
              `Rollout ${r.metadata.name} in ${env.argocdApplication} has no status.currentPodHash/stableRS yet; pass --canary-hash and --stable-hash`,
            );
          plans.push(
            ...planAnalysis([r], templates, {
              canaryHash: status.currentPodHash,
              stableHash: status.stableRS,
              overrides,
            }),
          );
        }
      }
      // one instant for every query, so --explain's counts are those the measurement saw
      const at = ctx.now();
      const outcomes = await runAnalysis(prometheus, plans, {
        time: at,
        onMetric: (p) => bar.update(`querying ${p.rollout} ${p.template}/${p.metric} …`),
      });
      let explanations: (Explanation | Unexplained)[] | undefined;
      if (opts.explain) {
        bar.update("reading the counts behind the comparative metrics …");
        explanations = await explainComparisons(prometheus, plans, at);
      }
      bar.done();
      const verdict = overallVerdict(outcomes);
      if (ctx.json) {
        ctx.printJson({
          environment: env.name,
          prometheus: prometheus.url,
          verdict,
          metrics: outcomes,
          ...(explanations ? { explanations } : {}),
        });
      } else {
        const paint = (v: string) =>
          v === "Successful" ? color.green(v) : v === "Inconclusive" ? color.yellow(v) : color.red(v);
        ctx.print(
          table(
            ["ROLLOUT", "TEMPLATE", "METRIC", "VALUE", "VERDICT", "NOTE"],
            outcomes.map((o) => [
              o.rollout,
              o.template,
              o.metric,
              o.value ?? "-",
              o.verdict,
              o.message ?? "",
            ]),
          ),
        );
        for (const o of outcomes) {
          ctx.print(`\n${o.rollout} ${o.template}/${o.metric}: ${paint(o.verdict)}`);
          if (o.query) ctx.print(`  query: ${o.query.replace(/\s*\n\s*/g, " ")}`);
          if (o.successCondition) ctx.print(`  successCondition: ${o.successCondition}`);
          if (o.failureCondition) ctx.print(`  failureCondition: ${o.failureCondition}`);
          ctx.print(`  value: ${o.value ?? "-"}`);
        }
        if (explanations) {
          ctx.print(
            explanations.length ? "\nComparative metrics explained:" : "\nNo comparative metric to explain.",
          );
          for (const e of explanations) ctx.print(formatExplanation(e).join("\n"));
        }
        ctx.print(`\n${env.name}: analysis ${paint(verdict)}`);
      }
      if (verdict !== "Successful") {
        // with --json the verdict is already in the one JSON document on stdout; a thrown error would
        // append a second one, so only the exit code is set
        if (ctx.json) {
          process.exitCode = ExitCode.checkFailed;
          return;
        }
        const bad = outcomes.filter((o) => o.verdict !== "Successful");
        throw new CheckFailedError(
          `analysis of ${env.name} is ${verdict}: ${bad.map((o) => `${o.rollout} ${o.metric} ${o.verdict}${o.value ? ` (${o.value})` : ""}`).join(", ")}`,
        );
      }
    });
}
