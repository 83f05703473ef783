// The one source of "now". Everything that needs the time receives a Clock; only the CLI's context
// builds one, from NGX_NOW (rehearsals and tests) or the system clock. Instants given by people
// (NGX_NOW, --until) are read strictly: ISO-8601 with a date, a time and a zone, and a calendar
// date that exists (Date.parse would take "12" as 2001-12-01 and roll 2026-02-30 into March).
import { InputError } from "../errors.js";

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** a clock that always answers `at` */
export function fixedClock(at: Date): Clock {
  const t = at.getTime();
  return () => new Date(t);
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** parses an ISO-8601 instant, or throws InputError naming `what` and the valid form */
export function parseInstant(text: string, what: string): Date {
  const m = INSTANT.exec(text.trim());
  const valid = m !== null && isRealDateTime(m);
  const t = valid ? Date.parse(text.trim()) : Number.NaN;
  if (!valid || Number.isNaN(t)) {
    throw new InputError(
      `${what} ${JSON.stringify(text)} is not an ISO-8601 time with a zone (expected e.g. 2026-11-26T10:00:00Z)`,
    );
  }
  return new Date(t);
}

function isRealDateTime(m: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(
    Number,
  ) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day >= 1 && day <= daysInMonth;
}

/** NGX_NOW when set (strict ISO-8601), else the system clock */
export function clockFromEnv(env: NodeJS.ProcessEnv): Clock {
  const fixed = env.NGX_NOW;
  if (fixed === undefined || fixed === "") return systemClock;
  return fixedClock(parseInstant(fixed, "NGX_NOW"));
}
