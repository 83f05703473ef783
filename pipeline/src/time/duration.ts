// Every duration the pipeline reads, in one place, by grammar. There are three grammars, because
// three different readers consume the text and each accepts something different:
//
// 1. Go durations — what Argo Rollouts and Kubernetes read: a Rollout's `pause.duration`, a metric's
//    `interval`, `initialDelay`. Argo Rollouts parses them with Go's time.ParseDuration
//    (pkg/apis/rollouts/v1alpha1: DurationString.Duration and RolloutPause.DurationSeconds, both
//    calling time.ParseDuration). The grammar, from golang/go src/time/format.go ParseDuration: an
//    optional sign, then one or more <decimal number with optional fraction><unit>, units ns, us
//    (µs, μs), ms, s, m, h — "300ms", "1.5h", "1h30m", ".5s"; "0" alone needs no unit; no days, no
//    spaces; the total must fit int64 nanoseconds. `parseGoDuration` is that grammar, nothing more.
// 2. Prometheus durations — what PromQL reads inside `[...]` (a template's `args.window`):
//    prometheus/common model/time.go ParseDuration: whole numbers with units y w d h m s ms, each at
//    most once and in that order ("1h30m", "1d", not "1.5h"). `parsePrometheusDuration`.
// 3. Human durations — our own configuration and CLI flags (`soak: 1d`, `rpo: 24h`,
//    `loadTest.timeout: 500ms`, `metrics --since 30d`, `--since 4w`, `backup run --timeout 30m`). NOT a Go duration (Go has no
//    d or w) and not Prometheus': one whole number and one unit; each caller names the units it
//    takes. `parseHumanDuration`.

/** A text that is not a duration of the grammar asked for; the message names the text and the grammar. */
export class DurationSyntaxError extends RangeError {
  override readonly name = "DurationSyntaxError";
}

// ---------------------------------------------------------------------------------------------
// 1. Go: time.ParseDuration

const NS_PER_MS = 1_000_000n;
const GO_UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n, // U+00B5 micro sign
  "\u03bcs": 1_000n, // U+03BC Greek small letter mu
  ms: NS_PER_MS,
  s: 1_000n * NS_PER_MS,
  m: 60_000n * NS_PER_MS,
  h: 3_600_000n * NS_PER_MS,
};
const GO_LIMIT = 1n << 63n; // time.Duration is an int64 count of nanoseconds
const GO_EXAMPLES = 'e.g. "90s", "300ms", "1h30m", "1.5h"; units ns, us, ms, s, m, h';

function goError(text: string, why: string): DurationSyntaxError {
  return new DurationSyntaxError(`${JSON.stringify(text)} is not a Go duration: ${why} (${GO_EXAMPLES})`);
}

/** Go's leadingFraction: digits after the dot until they would overflow int64, and 10^(digits kept). */
function leadingFraction(digits: string): { f: bigint; scale: number } {
  let f = 0n;
  let scale = 1;
  for (const c of digits) {
    if (f > (GO_LIMIT - 1n) / 10n) break;
    const y = f * 10n + BigInt(c);
    if (y > GO_LIMIT) break;
    f = y;
    scale *= 10;
  }
  return { f, scale };
}

/** Go's time.ParseDuration, as nanoseconds (exact). Throws DurationSyntaxError where Go errs. */
export function parseGoDurationNs(text: string): bigint {
  let s = text;
  let negative = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    negative = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") throw goError(text, "it is empty");
  let total = 0n;
  while (s !== "") {
    if (!/^[0-9.]/.test(s)) throw goError(text, `expected a number at ${JSON.stringify(s)}`);
    const whole = /^[0-9]*/.exec(s)?.[0] ?? "";
    s = s.slice(whole.length);
    let fraction = "";
    let hasDot = false;
    if (s.startsWith(".")) {
      hasDot = true;
      fraction = /^[0-9]*/.exec(s.slice(1))?.[0] ?? "";
      s = s.slice(1 + fraction.length);
    }
    if (whole === "" && fraction === "") throw goError(text, "a number has no digits");
    // the unit runs up to the next digit or dot
    const unit = /^[^0-9.]*/.exec(s)?.[0] ?? "";
    s = s.slice(unit.length);
    if (unit === "") throw goError(text, "a number has no unit");
    const perUnit = GO_UNITS[unit];
    if (perUnit === undefined) throw goError(text, `unknown unit ${JSON.stringify(unit)}`);
    const v = whole === "" ? 0n : BigInt(whole);
    if (v > GO_LIMIT / perUnit) throw goError(text, "it overflows int64 nanoseconds");
    let ns = v * perUnit;
    if (hasDot) {
      const { f, scale } = leadingFraction(fraction);
      if (f > 0n) {
        // as Go: v += uint64(float64(f) * (float64(unit) / scale)), truncated to whole nanoseconds
        ns += BigInt(Math.trunc(Number(f) * (Number(perUnit) / scale)));
        if (ns > GO_LIMIT) throw goError(text, "it overflows int64 nanoseconds");
      }
    }
    total += ns;
    if (total > GO_LIMIT) throw goError(text, "it overflows int64 nanoseconds");
  }
  if (negative) return -total;
  if (total > GO_LIMIT - 1n) throw goError(text, "it overflows int64 nanoseconds");
  return total;
}

/** Go's time.ParseDuration, as milliseconds (fractional below a millisecond). */
export function parseGoDuration(text: string): number {
  const ns = parseGoDurationNs(text);
  return Number(ns / NS_PER_MS) + Number(ns % NS_PER_MS) / 1e6;
}

/**
 * Seconds of a Rollout canary step's `pause.duration` (an int-or-string), as Argo Rollouts reads it
 * (pkg/apis/rollouts/v1alpha1 RolloutPause.DurationSeconds): an integer is seconds; a string of
 * digits (an optional sign, base 10) is seconds too; any other string is a Go duration, truncated
 * to whole seconds. Where Argo gets -1 (not a duration) this throws DurationSyntaxError.
 */
export function pauseDurationSeconds(value: string | number): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new DurationSyntaxError(`${value} is not a whole number of seconds`);
    return value;
  }
  // strconv.ParseInt(s, 10, 32): a base-10 int32; anything else (also digits beyond int32) goes to Go
  if (/^[+-]?[0-9]+$/.test(value) && Math.abs(Number(value)) <= 2 ** 31 - (value.startsWith("-") ? 0 : 1))
    return Number(value);
  const ns = parseGoDurationNs(value);
  return Number(ns / 1_000_000_000n);
}

// ---------------------------------------------------------------------------------------------
// 2. Prometheus: model.ParseDuration

const PROMETHEUS = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const PROMETHEUS_UNITS_MS = [
  365 * 86_400_000,
  7 * 86_400_000,
  86_400_000,
  3_600_000,
  60_000,
  1_000,
  1,
] as const;

/** A PromQL range duration (prometheus/common model.ParseDuration), as milliseconds. */
export function parsePrometheusDuration(text: string): number {
  const m = text === "" || text === "0" ? undefined : PROMETHEUS.exec(text);
  if (text === "0") return 0;
  if (!m) {
    throw new DurationSyntaxError(
      `${JSON.stringify(text)} is not a Prometheus duration (whole numbers with units y, w, d, h, m, s, ms in that order, e.g. "5m", "1h30m", "1d")`,
    );
  }
  let ms = 0;
  for (const [i, per] of PROMETHEUS_UNITS_MS.entries()) {
    const n = m[i + 1];
    if (n !== undefined) ms += Number(n) * per;
  }
  return ms;
}

// ---------------------------------------------------------------------------------------------
// 3. Human: our configuration and CLI windows

export type HumanUnit = "ms" | "s" | "m" | "h" | "d" | "w";
const HUMAN_UNITS_MS: Readonly<Record<HumanUnit, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};
/** the units of promotion.yaml durations (soak, rpo, window, freeze duration, backup timeout) */
export const CONFIG_UNITS: readonly HumanUnit[] = ["s", "m", "h", "d"];
/** … and of its loadTest block, where milliseconds make sense (ramp, timeout, p95) */
export const FINE_UNITS: readonly HumanUnit[] = ["ms", "s", "m", "h", "d"];

/**
 * One whole number and one unit from `units` ("30m", "1d", "4w"), as milliseconds. Not a Go
 * duration: see the header. Throws DurationSyntaxError naming the text and the units taken.
 */
export function parseHumanDuration(text: string, units: readonly HumanUnit[] = CONFIG_UNITS): number {
  const m = /^(\d+)([a-z]+)$/.exec(text);
  const unit = m?.[2] as HumanUnit | undefined;
  if (!m || unit === undefined || !units.includes(unit)) {
    throw new DurationSyntaxError(
      `${JSON.stringify(text)} is not a duration (a whole number and one of ${units.join(", ")}, e.g. ${units
        .slice(-2)
        .map((u) => `"${u === "ms" ? 500 : 30}${u}"`)
        .join(" or ")})`,
    );
  }
  return Number(m[1]) * HUMAN_UNITS_MS[unit];
}

/** "2d 3h 4m", "45s": for people, not parsed back */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  let rest = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(rest / 86_400);
  rest -= d * 86_400;
  const h = Math.floor(rest / 3_600);
  rest -= h * 3_600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  const parts = [d && `${d}d`, h && `${h}h`, m && `${m}m`, !d && !h && s && `${s}s`].filter(Boolean);
  return sign + (parts.length ? parts.join(" ") : "0s");
}

/** whether `text` is a human duration with `units` (for schema checks that report their own message) */
export function isHumanDuration(text: string, units: readonly HumanUnit[] = CONFIG_UNITS): boolean {
  try {
    parseHumanDuration(text, units);
    return true;
  } catch {
    return false;
  }
}
