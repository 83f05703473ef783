// The three duration grammars of time/duration.ts, each against its owner's own cases:
// Go's time.ParseDuration (golang/go src/time/time_test.go parseDurationTests and
// parseDurationErrorTests), Argo Rollouts' reading of a pause duration
// (pkg/apis/rollouts/v1alpha1 RolloutPause.DurationSeconds), Prometheus' model.ParseDuration, and
// our human grammar for configuration and CLI windows.
import { describe, expect, it } from "vitest";
import {
  DurationSyntaxError,
  parseGoDuration,
  parseGoDurationNs,
  parseHumanDuration,
  parsePrometheusDuration,
  pauseDurationSeconds,
} from "../../pipeline/src/time/duration.js";

const NS = 1n;
const US = 1_000n;
const MS = 1_000_000n;
const S = 1_000_000_000n;
const M = 60n * S;
const H = 60n * M;
const MAX = (1n << 63n) - 1n;

describe("parseGoDuration: Go's time.ParseDuration", () => {
  // golang/go src/time/time_test.go parseDurationTests
  it.each([
    ["0", 0n],
    ["5s", 5n * S],
    ["30s", 30n * S],
    ["1478s", 1478n * S],
    ["-5s", -5n * S],
    ["+5s", 5n * S],
    ["-0", 0n],
    ["+0", 0n],
    ["5.0s", 5n * S],
    ["5.6s", 5n * S + 600n * MS],
    ["5.s", 5n * S],
    [".5s", 500n * MS],
    ["1.0s", S],
    ["1.00s", S],
    ["1.004s", S + 4n * MS],
    ["1.0040s", S + 4n * MS],
    ["100.00100s", 100n * S + MS],
    ["10ns", 10n * NS],
    ["11us", 11n * US],
    ["12\u00b5s", 12n * US],
    ["12\u03bcs", 12n * US],
    ["13ms", 13n * MS],
    ["14s", 14n * S],
    ["15m", 15n * M],
    ["16h", 16n * H],
    ["3h30m", 3n * H + 30n * M],
    ["10.5s4m", 4n * M + 10n * S + 500n * MS],
    ["-2m3.4s", -(2n * M + 3n * S + 400n * MS)],
    ["1h2m3s4ms5us6ns", H + 2n * M + 3n * S + 4n * MS + 5n * US + 6n * NS],
    ["39h9m14.425s", 39n * H + 9n * M + 14n * S + 425n * MS],
    ["52763797000ns", 52763797000n * NS],
    ["0.3333333333333333333h", 20n * M],
    ["9007199254740993ns", (1n << 53n) + 1n],
    ["9223372036854775807ns", MAX],
    ["9223372036854775.807us", MAX],
    ["9223372036s854ms775us807ns", MAX],
    ["-9223372036854775808ns", -(1n << 63n)],
    ["-9223372036854775.808us", -(1n << 63n)],
    ["-2562047h47m16.854775808s", -(1n << 63n)],
    ["0.100000000000000000000h", 6n * M],
    ["0.830103483285477580700h", 49n * M + 48n * S + 372539827n * NS],
  ] as const)("%s", (text, ns) => {
    expect(parseGoDurationNs(text)).toBe(ns);
  });

  // golang/go src/time/time_test.go parseDurationErrorTests (the ones a JavaScript string can hold)
  it.each([
    "",
    "3",
    "-",
    "s",
    ".",
    "-.",
    ".s",
    "+.s",
    "1d",
    "9223372036854775810ns",
    "9223372036854775808ns",
    "-9223372036854775809ns",
    "9223372036854776us",
    "3000000h",
    "9223372036854775.808us",
    "9223372036854ms775us808ns",
  ])("refuses %j", (text) => {
    expect(() => parseGoDurationNs(text)).toThrow(DurationSyntaxError);
  });

  it("reads the durations Rollouts use, in milliseconds, and says what is valid", () => {
    expect(parseGoDuration("1h30m")).toBe(5_400_000);
    expect(parseGoDuration("1.5h")).toBe(5_400_000);
    expect(parseGoDuration("300ms")).toBe(300);
    expect(parseGoDuration("1us")).toBe(0.001);
    expect(() => parseGoDuration("1 hour")).toThrow(
      /"1 hour" is not a Go duration: unknown unit " hour" \(e\.g\. "90s", "300ms", "1h30m", "1\.5h"; units ns, us, ms, s, m, h\)/,
    );
    expect(() => parseGoDuration("30")).toThrow(/"30" is not a Go duration: a number has no unit/);
  });
});

describe("pauseDurationSeconds: Argo Rollouts RolloutPause.DurationSeconds", () => {
  it("an integer or a string of digits is seconds; another string is a Go duration, truncated", () => {
    expect(pauseDurationSeconds(45)).toBe(45);
    expect(pauseDurationSeconds("90")).toBe(90);
    expect(pauseDurationSeconds("1h30m")).toBe(5400);
    expect(pauseDurationSeconds("1.5h")).toBe(5400);
    expect(pauseDurationSeconds("1500ms")).toBe(1);
    expect(pauseDurationSeconds("300ms")).toBe(0);
  });

  it("refuses what Argo reads as -1 (not a duration)", () => {
    expect(() => pauseDurationSeconds("1d")).toThrow(/"1d" is not a Go duration: unknown unit "d"/);
    expect(() => pauseDurationSeconds("soon")).toThrow(DurationSyntaxError);
    // digits beyond int32 fail strconv.ParseInt(s, 10, 32) and then Go's parser (no unit)
    expect(pauseDurationSeconds("2147483647")).toBe(2147483647);
    expect(() => pauseDurationSeconds("2147483648")).toThrow(/a number has no unit/);
  });
});

describe("parsePrometheusDuration: prometheus/common model.ParseDuration", () => {
  it.each([
    ["0", 0],
    ["5m", 300_000],
    ["10m", 600_000],
    ["1h30m", 5_400_000],
    ["1d", 86_400_000],
    ["1w", 604_800_000],
    ["1y", 365 * 86_400_000],
    ["1s500ms", 1_500],
  ] as const)("%s", (text, ms) => {
    expect(parsePrometheusDuration(text)).toBe(ms);
  });

  it.each(["", "1.5h", "30m1h", "5", "5 m", "-5m", "1h1h"])("refuses %j", (text) => {
    expect(() => parsePrometheusDuration(text)).toThrow(/is not a Prometheus duration/);
  });
});

describe("parseHumanDuration: our configuration and CLI windows (not a Go duration)", () => {
  it("takes one whole number and one of the caller's units", () => {
    expect(parseHumanDuration("30m")).toBe(1_800_000);
    expect(parseHumanDuration("1d")).toBe(86_400_000);
    expect(parseHumanDuration("4w", ["h", "d", "w"])).toBe(28 * 86_400_000);
    expect(parseHumanDuration("500ms", ["ms", "s"])).toBe(500);
  });

  it("refuses other units, fractions and Go's compound form, naming the units taken", () => {
    expect(() => parseHumanDuration("4w")).toThrow(
      /"4w" is not a duration \(a whole number and one of s, m, h, d, e\.g\. "30h" or "30d"\)/,
    );
    expect(() => parseHumanDuration("1h30m")).toThrow(DurationSyntaxError);
    expect(() => parseHumanDuration("1.5h")).toThrow(DurationSyntaxError);
    expect(() => parseHumanDuration("30 days", ["h", "d", "w"])).toThrow(/one of h, d, w/);
  });
});
