import type { Command } from "commander";
import { ExitCode } from "../errors.js";
import { color, progress } from "../output/format.js";
import { contextFrom } from "./context.js";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  program
    .command("validate")
    .description(
      "render environments with real kustomize and check schemas (unknown fields are errors), CRD CEL rules, metadata, cross-references, policies, PromQL and how the controllers will consume the objects together",
    )
    .argument(
      "[env...]",
      "environments to check (default: all, in promotion order, then the root kustomization.yaml as (root))",
    )
    .option(
      "--allow-kind <apiVersion/Kind>",
      "accept a kind that has no schema (repeatable), e.g. --allow-kind example.com/v1/Widget",
      collect,
      [],
    )
    .addHelpText(
      "after",
      `
Exit codes: 0 every object passed, 1 findings (listed), 2 bad input or configuration.
Rules and fixes: docs/validation.md

Examples:
  ngx-release validate
  ngx-release validate staging production --json
  ngx-release validate dev --allow-kind example.com/v1/Widget`,
    )
    .action(async (envNames: string[], opts: { allowKind: string[] }, cmd: Command) => {
      const { environmentByName, loadRepo } = await import("../config/load.js");
      const { findingsTable } = await import("../manifests/findings.js");
      const { validateEnvironments } = await import("../manifests/validate.js");
      const { reportToActions } = await import("./validate-actions.js");
      const ctx = contextFrom(cmd);
      const repo = loadRepo(ctx.root);
      const envs = envNames.map((n) => environmentByName(repo, n));
      const bar = progress(ctx.stderr, !ctx.json);
      const report = await validateEnvironments(repo, envs, {
        allowKinds: opts.allowKind,
        onProgress: (env, done, total) => bar.update(`validate: ${env} checked (${done}/${total})`),
      });
      bar.done();
      if (ctx.json) {
        ctx.printJson(report);
      } else {
        const summary = report.environments
          .map(
            (e) =>
              `${e.env}: ${e.rendered ? `${e.objects} objects` : "render failed"}, ${e.findings.length} findings`,
          )
          .join("; ");
        if ((report.notes ?? []).length > 0)
          ctx.print(
            `notes (not judged from Git; see docs/validation.md):\n${findingsTable(report.notes ?? [])}\n`,
          );
        if (report.ok) ctx.print(`${color.green("ok")} ${summary}`);
        else {
          ctx.print(findingsTable(report.findings));
          ctx.print(`\n${color.red(`${report.findings.length} findings`)} — ${summary}`);
        }
      }
      reportToActions(ctx.env, ctx.root, report);
      if (!report.ok) process.exitCode = ExitCode.checkFailed;
    });
}
