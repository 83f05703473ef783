// ngx-release release --image <component>=<ref>...: put newly built images into the first environment.
import type { Command } from "commander";
import { contextFrom } from "./context.js";
import { reportChange } from "./promote.js";

export function register(program: Command): void {
  program
    .command("release")
    .description(
      "put newly built images into the first environment (direct commit or pull request per its write setting)",
    )
    .requiredOption(
      "--image <component=ref...>",
      "component and image reference: registry/name with :tag and/or @sha256:<digest> (repeatable)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--dry-run", "validate and show the change; write nothing")
    .addHelpText(
      "after",
      `
Writes only the images: block of the first environment's overlay (environments/<env>/kustomization.yaml),
keeping its comments; as a direct commit or a release/<env> pull request per its write setting in
environments/promotion.yaml (GitHub with GITHUB_TOKEN, else the local checkout).
NGX_SOURCE_REPOSITORY=<owner>/<name> (the application repository) links image revisions in the PR.
Exit codes: 0 written (or already there) · 1 a rejected version · 2 bad reference, unknown component
or a registry not in allowedRegistries of environments/promotion.yaml (checked before any request) · 3 GitHub failed.

Examples:
  ngx-release release --image orchestrator=us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator:1.4.2@sha256:<64 hex>
  ngx-release release --image api-gateway=…:1.4.2 --image orchestrator=…:1.4.2 --dry-run --json`,
    )
    .action(async (opts: { image: string[]; dryRun?: boolean }, cmd: Command) => {
      const { loadRepo } = await import("../config/load.js");
      const ctx = contextFrom(cmd);
      const repo = loadRepo(ctx.root);
      const { checkReleaseImages, release } = await import("../promotion/release.js");
      checkReleaseImages(repo, opts.image); // bad references and registries fail before any request
      const { createForge } = await import("../adapters/forge-factory.js");
      const forge = await createForge(ctx.env, repo);
      const { openLedger } = await import("../ledger/open.js");
      const { rejectedVersionsFrom } = await import("../ledger/rejected.js");
      const result = await release({
        repo,
        forge,
        rejected: rejectedVersionsFrom(await openLedger(repo, ctx.env, ctx.now)),
        images: opts.image,
        dryRun: Boolean(opts.dryRun),
        ...(ctx.env.NGX_SOURCE_REPOSITORY ? { sourceRepository: ctx.env.NGX_SOURCE_REPOSITORY } : {}),
        progress: (m) => ctx.info(m),
      });
      reportChange(ctx, result, forge.kind, `nothing to release: ${result.env} already has these images`);
    });
}
