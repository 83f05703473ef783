// Durations in the configuration ("30m", "4h", "1d") as milliseconds.
const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text);
  if (!m) throw new RangeError(`not a duration: ${JSON.stringify(text)} (expected e.g. "30m", "4h", "1d")`);
  return Number(m[1]) * unitMs[m[2] as keyof typeof unitMs];
}

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
