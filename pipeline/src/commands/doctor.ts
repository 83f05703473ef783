// `ngx-release doctor`: read-only checks of the configuration, GitHub, Argo CD per environment,
// Prometheus and Google credentials, one line each with what to fix (status/doctor.ts).
import type { Command } from "commander";
import { ExitCode } from "../errors.js";
import { table } from "../output/format.js";
import { contextFrom } from "./context.js";

export function register(program: Command): void {
  program
    .command("doctor")
    .description("read-only checks of every configured service and credential, each with what to fix")
    .addHelpText(
      "after",
      `
Reads only: the base branch, pull requests and the repository (token scopes / permissions) on GitHub,
each environment's Argo CD application and can-i for get, Rollout abort and CronJob create-job, one
Prometheus query, Google credentials on disk. Exit codes: 0 nothing failed (warnings allowed) · 1 a
check failed · 2 the configuration itself is wrong.

Examples:
  ngx-release doctor
  ngx-release doctor -o json`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { argoCdFromEnv } = await import("../adapters/argocd.js");
      const { prometheusFromEnv } = await import("../adapters/prometheus.js");
      const { loadRepo } = await import("../config/load.js");
      const { runDoctor } = await import("../status/doctor.js");
      const ctx = contextFrom(cmd);
      const repo = loadRepo(ctx.root);
      const { createForge } = await import("../adapters/forge-factory.js");
      const argocd = argoCdFromEnv(ctx.env, repo.config);
      const prometheus = prometheusFromEnv(ctx.env, undefined, { attempts: 1 });
      const { readGitHubTokenPermissions } = await import("../adapters/github-permissions.js");
      const forge = await createForge(ctx.env, repo);
      const token = ctx.env.GITHUB_TOKEN;
      const repository = forge.repository;
      const apiUrl = ctx.env.GITHUB_API_URL?.trim();
      const checks = await runDoctor({
        repo,
        env: ctx.env,
        ...(ctx.tokenSource ? { tokenSource: ctx.tokenSource } : {}),
        forge,
        ...(forge.kind === "github" && token && repository
          ? {
              githubPermissions: () =>
                readGitHubTokenPermissions({ token, repository, ...(apiUrl ? { apiUrl } : {}) }),
            }
          : {}),
        ...(argocd ? { argocd } : {}),
        ...(prometheus ? { prometheus } : {}),
      });
      if (ctx.json) ctx.printJson({ ok: checks.every((c) => c.state !== "fail"), checks });
      else
        ctx.print(
          table(
            ["CHECK", "STATE", "DETAIL", "FIX"],
            checks.map((c) => [c.name, c.state.toUpperCase(), c.detail, c.fix ?? ""]),
          ),
        );
      if (checks.some((c) => c.state === "fail")) process.exitCode = ExitCode.checkFailed;
    });
}
