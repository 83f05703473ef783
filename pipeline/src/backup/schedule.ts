// Backup schedules as Kubernetes reads them: the CronJob controller's cron grammar (config/cron.ts)
// in an IANA time zone (CronJob spec.timeZone). The next runs come from cron-parser evaluating the
// controller's meaning of the expression; cronstrue describes it in words.
import { CronExpressionParser } from "cron-parser";
import cronstrue from "cronstrue";
import { parseCron } from "../config/cron.js";
import { InputError } from "../errors.js";

export interface ScheduleRun {
  /** the instant, ISO-8601 UTC */
  readonly at: string;
  /** e.g. "Fri 27 Nov 2026 02:00 Europe/Madrid" (no relative time: PR text must not change by itself) */
  readonly words: string;
}

export interface ValidSchedule {
  /** the expression as given (trimmed) */
  readonly cron: string;
  readonly timeZone: string;
  /** e.g. "At 02:00, every day" */
  readonly description: string;
  readonly nextRuns: readonly ScheduleRun[];
}

/**
 * Checks an IANA time zone name the way the CronJob controller will load it (case-sensitive names
 * from the tz database). Returns the name; throws InputError naming a close match when there is one.
 */
export function validateTimeZone(timeZone: string): string {
  const tz = timeZone.trim();
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) {
    throw new InputError(
      `invalid time zone ${JSON.stringify(timeZone)}: expected an IANA time zone name such as "Etc/UTC" or "Europe/Madrid"`,
    );
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
  } catch (e) {
    throw new InputError(
      `unknown time zone ${JSON.stringify(timeZone)}: expected an IANA time zone name such as "Etc/UTC" or "Europe/Madrid"`,
      { cause: e },
    );
  }
  if (resolved !== tz && resolved.toLowerCase() === tz.toLowerCase()) {
    throw new InputError(
      `time zone ${JSON.stringify(timeZone)} is not spelled as in the tz database (did you mean "${resolved}"? Kubernetes reads the name case-sensitively)`,
    );
  }
  return tz;
}

/** "Fri 27 Nov 2026 02:00" in the given zone. */
export function formatInZone(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    day: "2-digit",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("weekday")} ${get("day")} ${get("month")} ${get("year")} ${get("hour")}:${get("minute")}`;
}

/**
 * Validates a CronJob schedule and describes it: what it means in words and its next `count` runs
 * after `now` in `timeZone`. Throws InputError for an invalid expression or zone.
 */
export function validateSchedule(
  cron: string,
  timeZone: string,
  options: { now: Date; count?: number },
): ValidSchedule {
  const tz = validateTimeZone(timeZone);
  const parsed = parseCron(cron);
  if (typeof parsed === "string") {
    throw new InputError(`invalid cron expression ${JSON.stringify(cron)}: ${parsed}`);
  }
  const now = options.now;
  const nextRuns: ScheduleRun[] = [];
  try {
    // cron-parser reads five fields as minute-first (seconds = 0); `evaluable` has the controller's meaning
    const it = CronExpressionParser.parse(parsed.evaluable, { tz, currentDate: now });
    for (let i = 0; i < (options.count ?? 3); i++) {
      const at = it.next().toDate();
      nextRuns.push({ at: at.toISOString(), words: `${formatInZone(at, tz)} ${tz}` });
    }
  } catch (e) {
    throw new InputError(
      `cron expression ${JSON.stringify(cron)} never runs (no such date): ${(e as Error).message}`,
      { cause: e },
    );
  }
  let description: string;
  try {
    description = cronstrue.toString(parsed.fields, { use24HourTimeFormat: true, verbose: true });
  } catch {
    // cronstrue reads less than Kubernetes does (e.g. "?" in the minute): describe the values instead
    description = cronstrue.toString(parsed.evaluable, { use24HourTimeFormat: true, verbose: true });
  }
  return { cron: cron.trim(), timeZone: tz, description: `${description} (${tz})`, nextRuns };
}
