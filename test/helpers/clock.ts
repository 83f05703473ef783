// The suite's clock: one fixed instant that tests hand to the CLI as NGX_NOW and compute their
// times from, so no test depends on the day it runs (test/time/any-date.test.ts checks that the
// time-sensitive suites pass with the system clock moved far away).
export const TEST_NOW = "2026-11-26T12:00:00Z";

/** `hours` before TEST_NOW, as ISO-8601 without milliseconds (as Kubernetes writes times) */
export function hoursBefore(hours: number, now: string = TEST_NOW): string {
  return new Date(Date.parse(now) - hours * 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");
}
