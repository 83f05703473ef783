import type { Command } from "commander";
import { table } from "../output/format.js";
import { contextFrom } from "./context.js";

export function register(program: Command): void {
  program
    .command("diff")
    .description("rendered diff of an environment between a Git revision and the working tree, by resource")
    .argument("<env>", "environment name")
    .option("--base <git-ref>", "revision to compare against", "HEAD")
    .option("--head <git-ref>", "compare against this revision instead of the working tree")
    .option("--summary", "list changed resources only, without the patches")
    .addHelpText(
      "after",
      `
Both sides are rendered with real kustomize; resources are matched by kind and name, and
image changes are listed per container. A difference is not a failure.
Exit codes: 0 shown (with or without changes) · 2 unknown environment or revision, or an overlay
that does not build.

Examples:
  ngx-release diff production                      # uncommitted edits against HEAD
  ngx-release diff staging --base origin/main --summary
  ngx-release diff production --base v1.4.1 --head v1.4.2 --json`,
    )
    .action(
      async (envName: string, opts: { base: string; head?: string; summary?: boolean }, cmd: Command) => {
        const { environmentByName, loadRepo } = await import("../config/load.js");
        const { diffAgainstRevision } = await import("../manifests/revision-diff.js");
        const ctx = contextFrom(cmd);
        const repo = loadRepo(ctx.root);
        const env = environmentByName(repo, envName);
        const result = await diffAgainstRevision(repo, env.name, opts.base, opts.head);
        if (ctx.json) {
          ctx.printJson(result);
          return;
        }
        const title = `${env.name}: ${opts.base} (${result.base.commit.slice(0, 12)}) → ${result.head}`;
        if (result.resources.length === 0) {
          ctx.print(`${title}: no rendered change`);
          return;
        }
        ctx.print(`${title}: ${result.resources.length} resource(s) changed\n`);
        ctx.print(
          table(
            ["resource", "change", "images"],
            result.resources.map((r) => [
              r.ref,
              r.status,
              r.images.map((i) => `${i.container}: ${i.from ?? "∅"} → ${i.to ?? "∅"}`).join("; "),
            ]),
          ),
        );
        if (!opts.summary) for (const r of result.resources) ctx.print(`\n${r.patch}`);
      },
    );
}
