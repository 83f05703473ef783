import type { Command } from "commander";
import { environmentByName, loadRepo } from "../config/load.js";
import { renderEnvironment } from "../manifests/render.js";
import { contextFrom } from "./context.js";

export function register(program: Command): void {
  program
    .command("render")
    .description("print the rendered manifests of one environment (real kustomize)")
    .argument("<env>", "environment name, e.g. dev, staging, production")
    .action(async (envName: string, _opts: unknown, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const repo = loadRepo(ctx.root);
      const env = environmentByName(repo, envName);
      const rendered = await renderEnvironment(repo, env.name);
      if (ctx.json) ctx.printJson(rendered.objects);
      else ctx.stdout.write(rendered.yaml);
    });
}
