// `ngx-release wait <env> --for rollout|gates|backup`: blocks until the environment's rollout is
// complete, the gates of promoting into it are open, or its backup is within the RPO. Exit 0 when it
// holds, 1 on timeout or an aborted Rollout, 2 bad input, 3 Argo CD failing.
import { type Command, Option } from "commander";
import { ConfigError, ExitCode, InputError } from "../errors.js";
import { progress } from "../output/format.js";
import type { Look } from "../status/wait.js";
import { FINE_UNITS, parseHumanDuration } from "../time/duration.js";
import { contextFrom } from "./context.js";

const CONDITIONS = ["rollout", "gates", "backup"] as const;

function duration(text: string, option: string): number {
  let ms: number;
  try {
    ms = parseHumanDuration(text, FINE_UNITS);
  } catch (e) {
    throw new InputError(`${option} ${JSON.stringify(text)} is not a duration (expected e.g. "30m", "90s")`, {
      cause: e,
    });
  }
  if (ms <= 0) throw new InputError(`${option} ${JSON.stringify(text)} must be longer than 0 (e.g. "10s")`);
  return ms;
}

export function register(program: Command): void {
  program
    .command("wait")
    .description(
      "wait until an environment's rollout is complete, the gates into it are open, or its backup is fresh",
    )
    .argument("<env>", "the environment")
    .addOption(
      new Option("--for <condition>", "rollout, gates or backup").choices(CONDITIONS).makeOptionMandatory(),
    )
    .option("--timeout <duration>", "give up after this long (e.g. 30m)", "30m")
    .option("--interval <duration>", "look again after this long", "10s")
    .addHelpText(
      "after",
      `
rollout: the Argo CD application is Synced and Healthy and every Rollout complete (an aborted Rollout
ends the wait at once). gates: every gate of promoting into <env> is open. backup: the newest backup of
<env> is within its RPO. Exit codes: 0 it holds · 1 timed out or a Rollout aborted · 2 bad input or
configuration · 3 Argo CD failed after retries.

Examples:
  ngx-release wait staging --for rollout --timeout 45m
  ngx-release wait production --for gates --timeout 4h --interval 5m
  ngx-release wait production --for backup`,
    )
    .action(
      async (
        envName: string,
        opts: { for: (typeof CONDITIONS)[number]; timeout: string; interval: string },
        cmd: Command,
      ) => {
        const { argoCdFromEnv } = await import("../adapters/argocd.js");
        const { environmentByName, loadRepo } = await import("../config/load.js");
        const { closedReasons, gateReportFor } = await import("../gates/run.js");
        const { backupChecker } = await import("../gates/runners.js");
        const { rolloutLook, waitUntil } = await import("../status/wait.js");
        const ctx = contextFrom(cmd);
        const timeoutMs = duration(opts.timeout, "--timeout");
        const intervalMs = duration(opts.interval, "--interval");
        const repo = loadRepo(ctx.root);
        const env = environmentByName(repo, envName);
        const argocd = argoCdFromEnv(ctx.env, repo.config);
        let check: () => Promise<Look>;
        if (opts.for === "gates") {
          check = async () => {
            const report = await gateReportFor(repo, env.name, ctx.env);
            return {
              done: report.open,
              summary: report.open ? "all gates open" : closedReasons(report).join("; "),
            };
          };
        } else {
          if (!argocd)
            throw new ConfigError(
              `wait --for ${opts.for} reads Argo CD: set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN`,
            );
          if (opts.for === "rollout") check = rolloutLook(argocd, env.argocdApplication);
          else {
            if (!env.backup)
              throw new ConfigError(`${env.name} has no backup: block in environments/promotion.yaml`, {
                file: "environments/promotion.yaml",
              });
            check = async () => {
              const f = await backupChecker(argocd, ctx.now())(env);
              return { done: f.satisfiesRpo, summary: f.summary };
            };
          }
        }
        const bar = progress(ctx.stderr, !ctx.json);
        const result = await waitUntil(check, {
          timeoutMs,
          intervalMs,
          onLook: (look, n) => bar.update(`wait ${env.name} --for ${opts.for} (look ${n}): ${look.summary}`),
        });
        bar.done();
        const line =
          result.outcome === "done"
            ? `${env.name}: ${opts.for} ok after ${result.looks} look(s): ${result.last.summary}`
            : result.outcome === "failed"
              ? `${env.name}: ${opts.for} will not complete: ${result.last.summary}`
              : `${env.name}: ${opts.for} not ok after ${opts.timeout} (${result.looks} looks): ${result.last.summary}`;
        if (ctx.json)
          ctx.printJson({
            environment: env.name,
            for: opts.for,
            outcome: result.outcome,
            looks: result.looks,
            last: result.last,
          });
        else ctx.print(line);
        if (result.outcome !== "done") process.exitCode = ExitCode.checkFailed;
      },
    );
}
