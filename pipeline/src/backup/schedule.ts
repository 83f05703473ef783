// Backup schedules as Kubernetes reads them: a five-field cron expression (or one of the macros the
// CronJob controller accepts) in an IANA time zone (CronJob spec.timeZone). Validation uses a real
// cron parser (cron-parser) and describes the schedule in words (cronstrue) with its next runs.
import { CronExpressionParser } from "cron-parser";
import cronstrue from "cronstrue";
import { InputError } from "../errors.js";
import { formatDuration } from "../time/duration.js";

/** Macros the Kubernetes CronJob controller (robfig/cron) accepts, as five-field expressions. */
const MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

export interface ScheduleRun {
  /** the instant, ISO-8601 UTC */
  readonly at: string;
  /** e.g. "Fri 27 Nov 2026 02:00 Europe/Madrid (in 15h 0m)" */
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

/** Five-field form of `cron` (macros expanded); InputError when the shape is wrong. */
function fiveFields(cron: string): string {
  const expr = cron.trim();
  if (expr === "") throw new InputError('empty cron expression (expected five fields, e.g. "0 2 * * *")');
  if (/^(CRON_)?TZ=/i.test(expr)) {
    throw new InputError(
      `cron expression ${JSON.stringify(cron)} sets a time zone inside the schedule, which Kubernetes rejects: pass --timezone instead`,
    );
  }
  if (expr.startsWith("@")) {
    const macro = MACROS[expr];
    if (!macro) {
      throw new InputError(
        `unknown cron macro ${JSON.stringify(expr)} (valid: ${Object.keys(MACROS).join(", ")}, or five fields)`,
      );
    }
    return macro;
  }
  const fields = expr.split(/\s+/);
  if (fields.length !== 5) {
    throw new InputError(
      `cron expression ${JSON.stringify(cron)} has ${fields.length} field${fields.length === 1 ? "" : "s"}; a CronJob schedule has five: minute hour day-of-month month day-of-week (e.g. "0 2 * * *")`,
    );
  }
  return fields.join(" ");
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
  timeZone = "Etc/UTC",
  options: { now?: Date; count?: number } = {},
): ValidSchedule {
  const tz = validateTimeZone(timeZone);
  const expr = fiveFields(cron);
  const now = options.now ?? new Date();
  let parsed: ReturnType<typeof CronExpressionParser.parse>;
  try {
    // cron-parser reads five fields as minute-first (seconds = 0)
    parsed = CronExpressionParser.parse(expr, { tz, currentDate: now });
  } catch (e) {
    throw new InputError(
      `invalid cron expression ${JSON.stringify(cron)}: ${(e as Error).message} (fields: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12, day-of-week 0-6)`,
      { cause: e },
    );
  }
  const nextRuns: ScheduleRun[] = [];
  try {
    for (let i = 0; i < (options.count ?? 3); i++) {
      const at = parsed.next().toDate();
      nextRuns.push({
        at: at.toISOString(),
        words: `${formatInZone(at, tz)} ${tz} (in ${formatDuration(at.getTime() - now.getTime())})`,
      });
    }
  } catch (e) {
    throw new InputError(`cron expression ${JSON.stringify(cron)} never runs: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let description: string;
  try {
    description = cronstrue.toString(expr, { use24HourTimeFormat: true, verbose: true });
  } catch (e) {
    throw new InputError(`invalid cron expression ${JSON.stringify(cron)}: ${String(e)}`, { cause: e });
  }
  return { cron: cron.trim(), timeZone: tz, description: `${description} (${tz})`, nextRuns };
}
