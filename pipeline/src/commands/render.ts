import type { Command } from "commander";
import { contextFrom } from "./context.js";

export function register(program: Command): void {
  program
    .command("render")
    .description("print the rendered manifests of one environment (real kustomize)")
    .argument("<env>", "environment name, e.g. dev, staging, production")
    .addHelpText(
      "after",
      `
Prints the YAML Argo CD would apply (kustomize build environments/<env>); --json prints the objects
as one JSON array. Needs no cluster and no token. Exit codes: 0 printed · 2 unknown environment or
the overlay does not build (kustomize's message is shown).

Examples:
  ngx-release render production
  ngx-release render staging --json | jq '.[] | select(.kind == "Rollout") | .metadata.name'`,
    )
    .action(async (envName: string, _opts: unknown, cmd: Command) => {
      const { environmentByName, loadRepo } = await import("../config/load.js");
      const { renderEnvironment } = await import("../manifests/render.js");
      const ctx = contextFrom(cmd);
      const repo = loadRepo(ctx.root);
      const env = environmentByName(repo, envName);
      const rendered = await renderEnvironment(repo, env.name);
      if (ctx.json) ctx.printJson(rendered.objects);
      else ctx.stdout.write(rendered.yaml);
    });
}
