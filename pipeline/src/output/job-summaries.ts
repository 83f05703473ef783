// Job summaries (GITHUB_STEP_SUMMARY, written through output/actions.ts when GITHUB_ACTIONS=true) for
// `plan`, `record`, `backup run|status` and `metrics`. Pure: data in, Markdown out. Every value that
// is not a literal of this file — section text, ledger descriptions, Argo CD messages, Job and object
// names — goes through markdownTable's cells or mdText (output/inert.ts), so it cannot open a link,
// HTML, a mention or a workflow command.
import { markdownTable } from "./actions.js";
import { mdText } from "./inert.js";

const mark = (ok: boolean) => (ok ? "✅" : "❌");

/** `plan`: one row per section with its state; the text of each section that is not ok, line by line. */
export function planSummary(plan: {
  readonly ok: boolean;
  readonly environments: readonly string[];
  readonly sections: readonly { title: string; ok: boolean; label?: string; text: string }[];
  readonly notes: readonly string[];
}): string {
  const out = [
    `## ngx-release plan: ${mark(plan.ok)} ${plan.ok ? "all sections ok" : "not ok"}`,
    "",
    `Release chain: ${plan.environments.map((e) => mdText(e, 100)).join(" → ")}`,
    "",
    markdownTable(
      ["section", "state"],
      plan.sections.map((s) => [s.title, s.label ?? (s.ok ? "ok" : "FAILED")]),
    ),
  ];
  for (const s of plan.sections.filter((x) => !x.ok || x.label)) {
    const lines = s.text.split("\n").filter((l) => l.trim() !== "");
    out.push(
      "",
      `### ${mdText(s.title, 200)}`,
      "",
      ...lines.slice(0, 40).map((l) => `- ${mdText(l, 500)}`),
      ...(lines.length > 40 ? [`- … ${lines.length - 40} more lines (run \`ngx-release plan\`)`] : []),
    );
  }
  if (plan.notes.length) out.push("", ...plan.notes.map((n) => `> ${mdText(n, 500)}`));
  return out.join("\n");
}

/** `record`: the deployment recorded (or that would be), its state change and Argo CD's view. */
export function recordSummary(o: {
  readonly environment: string;
  readonly sha: string;
  readonly version: string;
  readonly deploymentId?: string;
  readonly created: boolean;
  readonly previousState?: string;
  readonly state: string;
  readonly statusChanged: boolean;
  readonly description: string;
  readonly inactivated: readonly string[];
  readonly argocd: "not configured" | { sync: string; health: string };
  readonly dryRun: boolean;
}): string {
  const change = o.statusChanged ? `${o.previousState ?? "none"} → ${o.state}` : `${o.state} (unchanged)`;
  return [
    `## ngx-release record ${mdText(o.environment, 100)}${o.dryRun ? " (dry run)" : ""}`,
    "",
    markdownTable(
      ["environment", "version", "commit", "deployment", "state", "Argo CD"],
      [
        [
          o.environment,
          o.version,
          o.sha.slice(0, 12),
          o.created ? "new" : (o.deploymentId ?? "-"),
          change,
          o.argocd === "not configured" ? "not configured" : `${o.argocd.sync}, ${o.argocd.health}`,
        ],
      ],
    ),
    "",
    mdText(o.description, 1000),
    ...(o.inactivated.length ? ["", `Marked inactive: ${mdText(o.inactivated.join(", "), 500)}`] : []),
  ].join("\n");
}

/** `backup run`: the Job that ran (or was joined) and what it wrote. */
export function backupRunSummary(r: {
  readonly env: string;
  readonly app: string;
  readonly cronJob: string;
  readonly job: string;
  readonly object?: string;
  readonly finishedAt: string;
  readonly duration: string;
  readonly joinedRunningJob: boolean;
}): string {
  return [
    `## ngx-release backup run ${mdText(r.env, 100)}: ✅ done`,
    "",
    markdownTable(
      ["environment", "application", "CronJob", "Job", "object", "duration", "finished"],
      [
        [
          r.env,
          r.app,
          r.cronJob,
          `${r.job}${r.joinedRunningJob ? " (joined a running Job)" : ""}`,
          r.object ?? "(not reported)",
          r.duration,
          r.finishedAt,
        ],
      ],
    ),
  ].join("\n");
}

/** `backup status`: the last successful backup against the RPO. */
export function backupStatusSummary(f: {
  readonly env: string;
  readonly rpo: string;
  readonly lastSuccessAt?: string;
  readonly age?: string;
  readonly job?: string;
  readonly object?: string;
  readonly satisfiesRpo: boolean;
  readonly summary: string;
}): string {
  return [
    `## ngx-release backup status ${mdText(f.env, 100)}: ${f.satisfiesRpo ? "✅ within the RPO" : "❌ RPO not met"}`,
    "",
    markdownTable(
      ["environment", "last backup", "age", "RPO", "Job", "object"],
      [[f.env, f.lastSuccessAt ?? "never", f.age ?? "-", f.rpo, f.job ?? "-", f.object ?? "-"]],
    ),
    "",
    mdText(f.summary, 1000),
  ].join("\n");
}

/** `metrics`: the four figures as gauges, and what --export wrote (or would write). */
export function metricsSummary(
  m: { readonly environment: string; readonly window: { since: string; until: string; days: number } },
  gauges: readonly { metric: string; description: string; unit: string; value: number }[],
  exported?: { dryRun?: boolean; project: string; endTime: string; written?: readonly string[] },
): string {
  const out = [
    `## ngx-release metrics ${mdText(m.environment, 100)}`,
    "",
    `Window: ${mdText(m.window.since, 40)} → ${mdText(m.window.until, 40)} (${m.window.days} days)`,
    "",
    markdownTable(
      ["figure", "value", "unit"],
      gauges.map((g) => [g.description, String(Number(g.value.toFixed(4))), g.unit]),
    ),
  ];
  if (exported) {
    out.push(
      "",
      exported.dryRun
        ? `Dry run: would write ${gauges.length} points to Cloud Monitoring project ${mdText(exported.project, 100)} at ${mdText(exported.endTime, 40)}.`
        : `Cloud Monitoring project ${mdText(exported.project, 100)}: wrote ${exported.written?.length ?? 0} points at ${mdText(exported.endTime, 40)}.`,
    );
  }
  return out.join("\n");
}
