// GitHub Actions-native output, on when GITHUB_ACTIONS=true (the runner sets it in every step): a job
// summary appended to the file GITHUB_STEP_SUMMARY names (GitHub renders it as Markdown on the run
// page, Mermaid included), and annotations as workflow commands (`::error file=…,line=…,title=…::…`)
// on stderr. The runner reads workflow commands from both streams (actions/runner ScriptHandler gives
// stdout and stderr each an OutputManager over the ActionCommandManager), so stdout stays what the
// command prints (JSON stays parseable). Every value goes through output/inert.ts.
import { appendFileSync } from "node:fs";
import { mdText, workflowCommand } from "./inert.js";

export type AnnotationLevel = "error" | "warning" | "notice";

export interface Annotation {
  readonly level: AnnotationLevel;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly title?: string;
}

export interface ActionsOutput {
  readonly enabled: boolean;
  /** appends Markdown to the job summary (nothing outside Actions) */
  summary(markdown: string): void;
  annotate(a: Annotation): void;
}

export function actionsOutput(
  env: NodeJS.ProcessEnv,
  stderr: NodeJS.WritableStream = process.stderr,
): ActionsOutput {
  const enabled = env.GITHUB_ACTIONS === "true";
  const file = env.GITHUB_STEP_SUMMARY;
  return {
    enabled,
    summary(markdown) {
      if (enabled && file) appendFileSync(file, `${markdown.trimEnd()}\n\n`);
    },
    annotate(a) {
      if (!enabled) return;
      stderr.write(
        `${workflowCommand(a.level, a.message, {
          file: a.file,
          line: a.line !== undefined ? String(a.line) : undefined,
          title: a.title,
        })}\n`,
      );
    },
  };
}

/** A Markdown table whose every cell is inert text (foreign or not). */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (s: string) => mdText(s, 500) || " ";
  return [
    `| ${headers.map(cell).join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${headers.map((_, i) => cell(r[i] ?? "")).join(" | ")} |`),
  ].join("\n");
}

/** A command's error under Actions: an error annotation and a line in the job summary. */
export function reportErrorToActions(
  env: NodeJS.ProcessEnv,
  e: { readonly name: string; readonly message: string; readonly hint?: string; readonly exitCode: number },
  stderr: NodeJS.WritableStream = process.stderr,
): void {
  const actions = actionsOutput(env, stderr);
  if (!actions.enabled) return;
  const message = `${e.message}${e.hint ? ` (hint: ${e.hint})` : ""}`;
  actions.annotate({ level: "error", title: `ngx-release: ${e.name} (exit ${e.exitCode})`, message });
  actions.summary(`### ❌ ngx-release failed (exit ${e.exitCode})\n\n${mdText(message, 2000)}`);
}

/** The job summary of a command that wrote (or would write) a pull request: its text, picture included. */
export function pullRequestSummary(
  heading: string,
  text: { readonly title: string; readonly body: string } | undefined,
  url?: string,
): string {
  const lines = [`## ${mdText(heading, 300)}`, ""];
  if (!text) return lines.join("\n");
  lines.push(
    `**${mdText(text.title, 300)}**${url && /^https?:\/\//.test(url) ? ` — [pull request](<${url.replace(/[<>\s]/g, encodeURIComponent)}>)` : ""}`,
    "",
  );
  // the body is pullRequestText's own Markdown (foreign values already inert); its marker comment is dropped
  lines.push(text.body.replace(/<!-- ngx-release:[\s\S]*?-->\s*$/, "").trimEnd());
  return lines.join("\n");
}

/** The job summary of `gate`: open or closed, one row per gate with its reason. */
export function gateSummary(report: {
  readonly environment: string;
  readonly from: string;
  readonly open: boolean;
  readonly gates: readonly { name: string; open: boolean; reason: string }[];
}): string {
  return [
    `## ngx-release gate ${mdText(report.environment, 100)}: ${report.open ? "✅ open" : "❌ closed"} (from ${mdText(report.from, 100)})`,
    "",
    report.gates.length === 0
      ? "_No gates are configured._"
      : markdownTable(
          ["gate", "state", "reason"],
          report.gates.map((g) => [g.name, g.open ? "open" : "CLOSED", g.reason]),
        ),
  ].join("\n");
}
