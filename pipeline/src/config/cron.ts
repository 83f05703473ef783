// The one cron grammar of the project: what the Kubernetes CronJob controller accepts in
// spec.schedule. Backup schedules go into a CronJob, and freeze windows use the same grammar so a
// person learns one. Facts from upstream (robfig/cron v3, vendored by kubernetes/kubernetes):
// - Kubernetes validates spec.schedule with cron.ParseStandard (pkg/apis/batch/validation/
//   validation.go, validateScheduleFormat) and refuses "TZ"/"CRON_TZ" inside the schedule (the
//   timeZone field is the way).
// - ParseStandard is NewParser(Minute | Hour | Dom | Month | Dow | Descriptor) (robfig/cron v3
//   parser.go): exactly five whitespace-separated fields, or a descriptor (@yearly, @annually,
//   @monthly, @weekly, @daily, @midnight, @hourly, @every <duration>), matched case-sensitively.
// - A field is a comma-separated list of ranges (getField; empty items are skipped); a range is
//   `*` or `?` (the whole field) or `a`, `a-b`, each with an optional `/step` (getRange); `a/step`
//   means a-max/step; step 0, a start below the minimum, an end above the maximum and a start after
//   the end are errors; numbers are Go strconv.Atoi (an optional sign, decimal digits).
// - Bounds (spec.go): minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or jan-dec, day-of-week
//   0-6 or sun-sat (names case-insensitive). So `7` for Sunday, `L`, `W` and `#` are refused.
// - Day matching (spec.go dayMatches): when day-of-month or day-of-week was written with `*`/`?`
//   (without a step above 1) both must match, otherwise either may.
// Deliberately narrower than Kubernetes: `@every <duration>` counts from the CronJob's creation, so
// its run times cannot be stated in a pull request; it is refused with that reason. A schedule that
// can never fire (an empty field) is refused too.

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const FIELDS: readonly (Bounds & { readonly label: string })[] = [
  { label: "minute", min: 0, max: 59 },
  { label: "hour", min: 0, max: 23 },
  { label: "day-of-month", min: 1, max: 31 },
  { label: "month", min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) },
  { label: "day-of-week", min: 0, max: 6, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) },
];

/** Descriptors ParseStandard accepts, as the five fields they stand for. */
export const CRON_DESCRIPTORS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** what the grammar allows, for error messages */
export const CRON_GRAMMAR =
  "five fields minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or jan-dec, day-of-week 0-6 or sun-sat, each `*`, `?`, a, a-b, optionally /step, comma-separated; or @yearly, @monthly, @weekly, @daily, @hourly";

export interface ParsedCron {
  /** the five fields as written (a descriptor expanded) */
  readonly fields: string;
  /**
   * the same schedule in a form cron-parser evaluates exactly as the CronJob controller does:
   * each field either `*` (written with a star) or the explicit list of its values
   */
  readonly evaluable: string;
}

class CronSyntax extends Error {}

/** Go's strconv.Atoi on the decimal strings the parser passes it (an optional sign, digits). */
function atoi(text: string, where: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new CronSyntax(`${where}: "${text}" is not a number`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new CronSyntax(`${where}: ${text} is out of range`);
  if (n < 0) throw new CronSyntax(`${where}: negative number ${n} is not allowed`);
  return n;
}

function numberOrName(text: string, b: Bounds, where: string): number {
  const name = text.toLowerCase();
  return b.names && Object.hasOwn(b.names, name) ? (b.names[name] as number) : atoi(text, where);
}

/** the values one field selects, and whether it was written with a star (robfig's starBit) */
function field(text: string, b: Bounds & { label: string }): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const expr of text.split(",").filter((r) => r !== "")) {
    const where = `${b.label} "${expr}"`;
    const rangeAndStep = expr.split("/");
    if (rangeAndStep.length > 2) throw new CronSyntax(`${b.label} "${expr}": too many slashes`);
    const lowAndHigh = (rangeAndStep[0] as string).split("-");
    let start: number;
    let end: number;
    let starred = false;
    if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
      start = b.min;
      end = b.max;
      starred = true;
    } else {
      if (lowAndHigh.length > 2) throw new CronSyntax(`${b.label} "${expr}": too many hyphens`);
      start = numberOrName(lowAndHigh[0] as string, b, where);
      end = lowAndHigh.length === 2 ? numberOrName(lowAndHigh[1] as string, b, where) : start;
    }
    let step = 1;
    if (rangeAndStep.length === 2) {
      step = atoi(rangeAndStep[1] as string, where);
      if (lowAndHigh.length === 1) end = b.max;
      if (step > 1) starred = false;
    }
    if (start < b.min) throw new CronSyntax(`${b.label} "${expr}": ${start} is below the minimum ${b.min}`);
    if (end > b.max) throw new CronSyntax(`${b.label} "${expr}": ${end} is above the maximum ${b.max}`);
    if (start > end) throw new CronSyntax(`${b.label} "${expr}": ${start} is after ${end}`);
    if (step === 0) throw new CronSyntax(`${b.label} "${expr}": the step must be a positive number`);
    for (let v = start; v <= end; v += step) values.add(v);
    star ||= starred;
  }
  if (values.size === 0) throw new CronSyntax(`${b.label} "${text}" selects nothing, so it never runs`);
  return { values, star };
}

/**
 * Parses a schedule as the CronJob controller does. Returns the parsed form, or the reason it is
 * refused (the caller words the error with where the schedule came from).
 */
export function parseCron(schedule: string): ParsedCron | string {
  const spec = schedule.trim();
  if (spec === "") return 'empty schedule (expected five fields, e.g. "0 2 * * *")';
  if (spec.includes("TZ")) {
    return "a time zone inside the schedule (TZ= or CRON_TZ=) is refused by Kubernetes: set the time zone separately";
  }
  let fields = spec;
  if (spec.startsWith("@")) {
    if (spec.startsWith("@every ")) {
      return "@every counts from the CronJob's creation, so its run times cannot be stated: write five fields instead";
    }
    const expanded = CRON_DESCRIPTORS[spec];
    if (!expanded) {
      return `unknown descriptor "${spec}" (valid: ${Object.keys(CRON_DESCRIPTORS).join(", ")}, or five fields)`;
    }
    fields = expanded;
  }
  const parts = fields.split(/\s+/);
  if (parts.length !== 5) {
    return `${parts.length} field${parts.length === 1 ? "" : "s"} where five are expected: minute hour day-of-month month day-of-week (e.g. "0 2 * * *")`;
  }
  try {
    const evaluable = parts.map((p, i) => {
      const f = field(p, FIELDS[i] as Bounds & { label: string });
      return f.star ? "*" : [...f.values].sort((a, b) => a - b).join(",");
    });
    return { fields: parts.join(" "), evaluable: evaluable.join(" ") };
  } catch (e) {
    if (e instanceof CronSyntax) return `${e.message} (${CRON_GRAMMAR})`;
    throw e;
  }
}

/**
 * true when `timeZone` is a name of the tz database as the runtime knows it, spelled with its case
 * (Intl also takes "europe/madrid"; Go's time.LoadLocation, which Kubernetes uses, does not)
 */
export function isKnownTimeZone(timeZone: string): boolean {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  return resolved === timeZone || resolved.toLowerCase() !== timeZone.toLowerCase();
}
