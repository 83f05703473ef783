// `validate` under GitHub Actions: one error annotation per finding at the source file and line that
// defines the object (manifests/source-location.ts), notes as notices, and a job summary with the
// count per environment and the findings table. Nothing happens outside Actions.
import { SourceLocator } from "../manifests/source-location.js";
import type { ValidationReport } from "../manifests/validate.js";
import { actionsOutput, markdownTable } from "../output/actions.js";

const MAX_ROWS = 200;

export function reportToActions(env: NodeJS.ProcessEnv, root: string, report: ValidationReport): void {
  const actions = actionsOutput(env);
  if (!actions.enabled) return;
  const locator = new SourceLocator(root);
  const annotate = (level: "error" | "notice", f: ValidationReport["findings"][number]) => {
    const at = locator.locate(f);
    actions.annotate({
      level,
      title: `${f.rule} (${f.env})`,
      message: `${f.object}${f.path ? ` ${f.path}` : ""}: ${f.message}${f.hint ? ` — fix: ${f.hint}` : ""}`,
      ...(at ? { file: at.file, line: at.line } : {}),
    });
  };
  for (const f of report.findings) annotate("error", f);
  for (const f of report.notes ?? []) annotate("notice", f);
  const rows = report.findings.slice(0, MAX_ROWS).map((f) => {
    const at = locator.locate(f);
    return [f.env, f.object, f.path, f.rule, f.message, at ? `${at.file}:${at.line}` : ""];
  });
  actions.summary(
    [
      `## ngx-release validate: ${report.ok ? "✅ passed" : `❌ ${report.findings.length} findings`}`,
      "",
      markdownTable(
        ["environment", "objects", "findings"],
        report.environments.map((e) => [
          e.env,
          e.rendered ? String(e.objects) : "render failed",
          String(e.findings.length),
        ]),
      ),
      ...(rows.length > 0
        ? [
            "",
            markdownTable(["environment", "object", "field", "rule", "problem", "source"], rows),
            ...(report.findings.length > MAX_ROWS
              ? ["", `_${report.findings.length - MAX_ROWS} more findings: run \`ngx-release validate\`._`]
              : []),
          ]
        : []),
    ].join("\n"),
  );
}
