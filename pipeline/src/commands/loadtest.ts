// `ngx-release loadtest <env>`: drive the environment's public entry point with its load profile at a
// constant arrival rate, watch the autoscaler through Argo CD, judge the SLOs and record the result in
// the ledger against the version and revision it ran on (the load-test gate reads it).
import { performance } from "node:perf_hooks";
import type { Command } from "commander";
import { ExitCode } from "../errors.js";
import { color, progress as progressOn, table } from "../output/format.js";
import { contextFrom } from "./context.js";

interface Options {
  rate?: string;
  duration?: string;
  findCapacity?: boolean;
  dryRun?: boolean;
}

export function register(program: Command): void {
  program
    .command("loadtest")
    .description(
      "load-test <env>'s public entry point at a constant arrival rate, watch the autoscaler, judge the SLOs, record the result",
    )
    .argument("<env>", "an environment with a loadTest: block in environments/promotion.yaml, e.g. staging")
    .option("--rate <n>", "requests per second to hold instead of loadTest.rate")
    .option("--duration <d>", 'how long to hold the rate instead of loadTest.duration (e.g. "90s", "5m")')
    .option(
      "--find-capacity",
      "after the ramp, add loadTest.capacity.step req/s per step until an SLO breaks",
    )
    .option("--dry-run", "print the plan (URL, stages, mix, SLOs); send nothing, record nothing")
    .addHelpText(
      "after",
      `
The load goes only to loadTest.url (the API gateway behind the Ingress) with the request mix of
loadTest.mix; latency is measured from each request's intended send time (coordinated omission
accounted for). SLOs: p95 < loadTest.slo.p95, errors (5xx, timeouts, refused) < loadTest.slo.errorRate.
Ctrl-C stops the traffic at once and reports what ran (nothing is recorded).
Exit codes: 0 passed · 1 an SLO was breached (named, with by how much) or the run was stopped ·
2 bad input (unknown environment, no loadTest:, --rate ≤ 0, over maxDuration) before any traffic ·
3 the entry point (or Argo CD) unreachable.

Environment: ARGOCD_SERVER, ARGOCD_AUTH_TOKEN (revision, replicas during the run), PROMETHEUS_URL
(server-side error rate and p95), GITHUB_TOKEN (ledger on GitHub), NGX_NOW, NGX_LOADTEST_WATCH_MS
(how often Argo CD is read, default 10000). Details: docs/load-testing.md

Examples:
  ngx-release loadtest staging --dry-run
  ngx-release loadtest staging
  ngx-release loadtest staging --find-capacity --json`,
    )
    .action(async (envName: string, opts: Options, cmd: Command) => {
      const { environmentByName, loadRepo } = await import("../config/load.js");
      const ctx = contextFrom(cmd);
      const repo = loadRepo(ctx.root);
      const env = environmentByName(repo, envName);
      const { loadTestConfigOf, planProfile } = await import("../loadtest/profile.js");
      const profile = planProfile(env, loadTestConfigOf(repo, env), {
        ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
        ...(opts.duration !== undefined ? { duration: opts.duration } : {}),
        ...(opts.findCapacity ? { findCapacity: true } : {}),
      });
      if (opts.dryRun) {
        if (ctx.json) ctx.printJson({ dryRun: true, profile });
        else {
          ctx.print(`load test of ${profile.environment} at ${profile.url} (dry run: nothing sent)`);
          ctx.print(
            table(
              ["PHASE", "RATE", "SECONDS"],
              profile.stages.map((s) => [s.phase, `${s.rate} req/s`, String(s.seconds)]),
            ),
          );
          ctx.print(`mix: ${profile.routes.map((r) => `${r.label} ×${r.weight}`).join(", ")}`);
          ctx.print(`SLOs: p95 < ${profile.slo.p95Ms} ms, errors < ${profile.slo.errorRate * 100} %`);
        }
        return;
      }
      // every client is built (and every setting checked) before the first request
      const { argoCdFromEnv } = await import("../adapters/argocd.js");
      const { gitReader, headCommit } = await import("../ledger/git.js");
      const { openLedger } = await import("../ledger/open.js");
      const argocd = argoCdFromEnv(ctx.env, repo.config);
      const prometheus = (await import("../adapters/prometheus.js")).prometheusFromEnv(ctx.env);
      const ledger = await openLedger(repo, ctx.env, ctx.now);
      const head = await headCommit(repo.root);
      const watchMs = Number(ctx.env.NGX_LOADTEST_WATCH_MS);
      if (!argocd)
        ctx.info("Argo CD not configured: replicas not watched; the result will not open the load-test gate");

      const { runLoadTest } = await import("../loadtest/run.js");
      const { recordLoadTest } = await import("../loadtest/record.js");
      const { renderReport } = await import("../loadtest/report.js");
      const stop = new AbortController();
      const onSigint = () => {
        ctx.stderr.write("\nstopping: no more requests; reporting what ran\n");
        stop.abort();
      };
      process.once("SIGINT", onSigint);
      const bar = progressOn(ctx.stderr, !ctx.json || Boolean(ctx.stderr.isTTY));
      let result: Awaited<ReturnType<typeof runLoadTest>>;
      try {
        result = await runLoadTest(profile, {
          env,
          root: repo.root,
          git: gitReader(repo.root),
          head,
          ...(argocd ? { argocd } : {}),
          ...(prometheus ? { prometheus } : {}),
          clock: ctx.now,
          monotonic: () => performance.now(),
          signal: stop.signal,
          watchIntervalMs: Number.isInteger(watchMs) && watchMs > 0 ? watchMs : 10_000,
          progress: (line) => bar.update(line),
        });
      } finally {
        process.removeListener("SIGINT", onSigint);
        bar.done();
      }
      const recorded = result.stopped ? undefined : await recordLoadTest(ledger, result);
      if (ctx.json) ctx.printJson({ ...result, ...(recorded ? { recorded: recorded.id } : {}) });
      else {
        ctx.print(renderReport(result));
        ctx.print(
          recorded
            ? color.dim(`recorded in the ${ledger.kind} ledger as ${recorded.id}`)
            : color.dim("stopped: nothing recorded"),
        );
      }
      if (!result.passed) {
        const why = [...result.breaches.map((b) => `SLO breached: ${b.message}`), ...result.problems];
        ctx.stderr.write(`${color.red("load test not passed:")} ${why.join("; ")}\n`);
        process.exitCode = ExitCode.checkFailed;
      }
    });
}
