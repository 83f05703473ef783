import type { Command } from "commander";
import { ExitCode } from "../errors.js";
import { color, progress } from "../output/format.js";
import { contextFrom } from "./context.js";

/** the titles of plan/sections.ts defaultSections, in order (kept here so --help loads nothing; a test compares them) */
const SECTIONS = [
  "Validation",
  "Images per environment",
  "What the next promotions would change",
  "Rendered change each promotion would make",
  "Gates for each promotion (closed when they cannot be evaluated)",
  "Canary steps per environment",
  "Open pull requests of the release chain",
];

export function register(program: Command): void {
  program
    .command("plan")
    .description(
      "the main job: validate every environment, show each one's images and what the next promotion along the chain would change (no cluster, no token)",
    )
    .addHelpText(
      "after",
      `
Sections, in order:
${SECTIONS.map((s) => `  ${s}`).join("\n")}
Open pull requests come from GitHub with GITHUB_TOKEN, else the local checkout (a forge that cannot be
reached is reported, not a failure). Gates and refused promotions are reported (CLOSED), not failures.
Exit codes: 0 all sections ok, 1 validation findings (or another section said no), 2 bad repository or configuration.

Examples:
  ngx-release plan
  ngx-release plan --json | jq '.sections'`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { buildPlan, loadForPlan } = await import("../plan/plan.js");
      const ctx = contextFrom(cmd);
      const repo = loadForPlan(ctx.root);
      const bar = progress(ctx.stderr, !ctx.json);
      const plan = await buildPlan(repo, { env: ctx.env, onProgress: (m) => bar.update(m) });
      bar.done();
      const { actionsOutput } = await import("../output/actions.js");
      const actions = actionsOutput(ctx.env);
      if (actions.enabled) actions.summary((await import("../output/job-summaries.js")).planSummary(plan));
      if (ctx.json) {
        ctx.printJson({
          ok: plan.ok,
          environments: plan.environments,
          notes: plan.notes,
          sections: Object.fromEntries(plan.sections.map((s) => [s.id, { ok: s.ok, data: s.data }])),
        });
      } else {
        ctx.print(`Release chain: ${plan.environments.join(" → ")}`);
        for (const s of plan.sections) {
          ctx.print(
            `\n${color.bold(`== ${s.title}`)} ${s.label ? color.red(s.label) : s.ok ? color.green("ok") : color.red("FAILED")}\n${s.text}`,
          );
        }
        for (const n of plan.notes) ctx.print(`${color.yellow("note:")} ${n}`);
      }
      if (!plan.ok) process.exitCode = ExitCode.checkFailed;
    });
}
