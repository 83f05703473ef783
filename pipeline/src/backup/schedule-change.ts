// `backup schedule <env>`: the change to environments/<env>/backup-schedule.patch.yaml, its branch
// name and pull-request text. Reading the file and writing the branch happen in the caller.
import type { EnvironmentConfig } from "../config/schema.js";
import { ConfigError } from "../errors.js";
import type { K8sObject } from "../manifests/render.js";
import { type ValidSchedule, validateSchedule } from "./schedule.js";
import { readSchedulePatch, updateSchedulePatch } from "./schedule-patch.js";

export { SCHEDULE_BRANCH_PREFIX, scheduleBranch } from "./schedule-branch.js";

export function schedulePatchPath(env: string): string {
  return `environments/${env}/backup-schedule.patch.yaml`;
}

/** The rendered environment must contain the backup CronJob; ConfigError (exit 2) otherwise. */
export function requireRenderedCronJob(
  env: EnvironmentConfig,
  cronJob: string,
  objects: readonly K8sObject[],
): K8sObject {
  const found = objects.find((o) => o.kind === "CronJob" && o.metadata?.name === cronJob);
  if (!found) {
    const cronJobs = objects.filter((o) => o.kind === "CronJob").map((o) => o.metadata?.name);
    throw new ConfigError(
      `CronJob ${cronJob} (environments/promotion.yaml: ${env.name}.backup.cronJob) is not in the rendered ${env.name} environment (CronJobs there: ${cronJobs.length ? cronJobs.join(", ") : "none"})`,
      {
        file: `environments/${env.name}/kustomization.yaml`,
        field: "components",
        hint: "add ../components/database-backup to the overlay's components:, or fix backup.cronJob",
      },
    );
  }
  return found;
}

export interface ScheduleChange {
  readonly env: string;
  readonly file: string;
  readonly before: { readonly schedule?: string; readonly timeZone?: string };
  readonly after: ValidSchedule;
  readonly content: string;
  readonly changed: boolean;
}

/** Validates the request and computes the new patch file content (nothing is written). */
export function planScheduleChange(
  env: string,
  current: string,
  request: { cron: string; timeZone?: string },
  now: Date,
): ScheduleChange {
  const file = schedulePatchPath(env);
  const before = readSchedulePatch(current, file);
  const timeZone = request.timeZone ?? before.timeZone ?? "Etc/UTC";
  const after = validateSchedule(request.cron, timeZone, { now, count: 5 });
  const content = updateSchedulePatch(
    current,
    { schedule: after.cron, ...(request.timeZone !== undefined ? { timeZone: after.timeZone } : {}) },
    file,
  );
  return { env, file, before, after, content, changed: content !== current };
}

export function scheduleCommitMessage(change: ScheduleChange): string {
  return `backup(${change.env}): schedule "${change.after.cron}" ${change.after.timeZone}\n\n${change.after.description}.\n`;
}

/**
 * The pull request's title and body: a pure function of the change (no next runs, no "in 13h"), so a
 * rerun later finds its PR unchanged instead of rewriting it; the CLI prints the next runs instead.
 */
export function schedulePullRequestText(change: ScheduleChange): { title: string; body: string } {
  const was = change.before.schedule
    ? `\`${change.before.schedule}\`${change.before.timeZone ? ` (${change.before.timeZone})` : ""}`
    : "(not set)";
  const body = [
    `Changes the database backup schedule of **${change.env}** (CronJob patch \`${change.file}\`).`,
    "",
    "| | schedule | time zone |",
    "| --- | --- | --- |",
    `| before | ${change.before.schedule ? `\`${change.before.schedule}\`` : "—"} | ${change.before.timeZone ?? "—"} |`,
    `| after | \`${change.after.cron}\` | ${change.after.timeZone} |`,
    "",
    `**In words:** ${change.after.description} (was ${was}).`,
    "",
    "Only `spec.schedule` and `spec.timeZone` change; check the schedule still meets the RPO in `environments/promotion.yaml`.",
    "",
    "<sub>Opened by `ngx-release backup schedule`.</sub>",
  ].join("\n");
  const words = change.after.description.replace(/^./, (c) => c.toLowerCase());
  return { title: `backup(${change.env}): run database backups ${words}`, body };
}
