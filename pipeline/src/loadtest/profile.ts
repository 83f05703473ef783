// The load profile of a run, planned from an environment's `loadTest:` block (environments/
// promotion.yaml) and the command line: the stages (ramp steps, hold, or capacity steps), the request
// mix, the SLOs. Pure: every bad value is found here, before any traffic.
import { CONFIG_PATH, type Repo } from "../config/load.js";
import type { EnvironmentConfig, LoadTestConfig } from "../config/schema.js";
import { ConfigError, InputError } from "../errors.js";
import { FINE_UNITS, parseHumanDuration } from "../time/duration.js";
import type { GeneratedRequest } from "./generator.js";

export interface Stage {
  /** ramp: on the way to the target rate; hold: the target rate; capacity: a --find-capacity step */
  readonly phase: "ramp" | "hold" | "capacity";
  /** requests per second */
  readonly rate: number;
  readonly seconds: number;
}

export interface Route extends GeneratedRequest {
  readonly weight: number;
  /** "GET /readyz" */
  readonly label: string;
}

export interface LoadProfile {
  readonly environment: string;
  /** the configured entry URL, the only destination */
  readonly url: string;
  readonly mode: "profile" | "capacity";
  /** the rate the profile holds (profile mode) or starts the capacity search at */
  readonly targetRate: number;
  readonly stages: readonly Stage[];
  readonly totalSeconds: number;
  readonly routes: readonly Route[];
  readonly timeoutMs: number;
  readonly maxConnections: number;
  readonly slo: { readonly p95Ms: number; readonly errorRate: number };
  readonly validForMs: number;
  readonly maxDurationMs: number;
}

/** "500ms", "30s", "5m", "1h", "1d" → milliseconds: the human grammar of time/duration.ts */
export function parseFineDuration(text: string): number {
  return parseHumanDuration(text.trim(), FINE_UNITS);
}

export interface ProfileOverrides {
  /** --rate: requests per second instead of loadTest.rate */
  readonly rate?: string;
  /** --duration: hold time instead of loadTest.duration */
  readonly duration?: string;
  readonly findCapacity?: boolean;
}

/** The environment's loadTest block, or ConfigError naming the file, the field and where one exists. */
export function loadTestConfigOf(repo: Repo, env: EnvironmentConfig): LoadTestConfig {
  if (env.loadTest) return env.loadTest;
  const i = repo.environments.indexOf(env);
  const others = repo.environments.filter((e) => e.loadTest).map((e) => e.name);
  throw new ConfigError(
    `${CONFIG_PATH}: environment "${env.name}" has no loadTest: block (environments[${i}].loadTest), so there is nothing to aim at${
      others.length ? ` (configured for: ${others.join(", ")})` : ""
    }`,
    {
      file: CONFIG_PATH,
      field: `environments.${i}.loadTest`,
      hint: "add loadTest: { url, rate, mix } to the environment (docs/load-testing.md)",
    },
  );
}

export function planProfile(
  env: EnvironmentConfig,
  lt: LoadTestConfig,
  o: ProfileOverrides = {},
): LoadProfile {
  const field = (name: string) => `environments[${env.name}].loadTest.${name}`;
  const ms = (value: string, name: string) => {
    try {
      return parseFineDuration(value);
    } catch (e) {
      throw new ConfigError(
        `${CONFIG_PATH}: ${field(name)} ${JSON.stringify(value)}: ${(e as Error).message}`,
        {
          file: CONFIG_PATH,
          field: field(name),
        },
      );
    }
  };
  let url: URL;
  try {
    url = new URL(lt.url);
  } catch (e) {
    throw new ConfigError(`${CONFIG_PATH}: ${field("url")} ${JSON.stringify(lt.url)} is not a URL`, {
      file: CONFIG_PATH,
      field: field("url"),
      cause: e,
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(
      `${CONFIG_PATH}: ${field("url")} ${JSON.stringify(lt.url)} is not http:// or https:// (the load goes to the public entry point only)`,
      { file: CONFIG_PATH, field: field("url") },
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(
      `${CONFIG_PATH}: ${field("url")} must not carry credentials, a query or a fragment (paths go in mix:)`,
      { file: CONFIG_PATH, field: field("url") },
    );
  }

  let rate = lt.rate;
  if (o.rate !== undefined) {
    const r = Number(o.rate);
    if (!/^\s*\d*\.?\d+\s*$/.test(o.rate) || !Number.isFinite(r) || r <= 0) {
      throw new InputError(
        `--rate ${JSON.stringify(o.rate)}: expected requests per second greater than 0, e.g. 20`,
      );
    }
    rate = r;
  }
  let holdMs = ms(lt.duration, "duration");
  if (o.duration !== undefined) {
    try {
      holdMs = parseFineDuration(o.duration);
    } catch {
      throw new InputError(
        `--duration ${JSON.stringify(o.duration)}: expected a duration such as "90s" or "5m"`,
      );
    }
    if (holdMs <= 0) throw new InputError(`--duration ${JSON.stringify(o.duration)}: must be longer than 0`);
  }
  const rampMs = ms(lt.ramp, "ramp");
  const maxDurationMs = ms(lt.maxDuration, "maxDuration");
  const stepMs = ms(lt.capacity.stepDuration, "capacity.stepDuration");

  const stages: Stage[] = [];
  const steps = rampMs > 0 ? lt.rampSteps : 0;
  for (let k = 1; k <= steps; k++) {
    stages.push({ phase: "ramp", rate: round2((rate * k) / (steps + 1)), seconds: rampMs / steps / 1000 });
  }
  if (o.findCapacity) {
    const step = lt.capacity.step ?? Math.max(1, round2(rate / 4));
    const maxRate = lt.capacity.maxRate ?? rate * 4;
    if (maxRate < rate) {
      throw new ConfigError(
        `${CONFIG_PATH}: ${field("capacity.maxRate")} ${maxRate} is below the starting rate ${rate}`,
        { file: CONFIG_PATH, field: field("capacity.maxRate") },
      );
    }
    for (let r = rate; r <= maxRate + 1e-9; r = round2(r + step)) {
      stages.push({ phase: "capacity", rate: r, seconds: stepMs / 1000 });
    }
  } else {
    stages.push({ phase: "hold", rate, seconds: holdMs / 1000 });
  }
  const totalSeconds = stages.reduce((t, s) => t + s.seconds, 0);
  if (totalSeconds * 1000 > maxDurationMs) {
    const what = o.findCapacity
      ? `ramp ${lt.ramp} + ${stages.filter((s) => s.phase === "capacity").length} capacity steps of ${lt.capacity.stepDuration}`
      : `ramp ${lt.ramp} + ${o.duration !== undefined ? `--duration ${o.duration}` : `duration ${lt.duration}`}`;
    throw new InputError(
      `${what} = ${totalSeconds}s is over the cap ${field("maxDuration")} = ${lt.maxDuration}`,
      {
        hint: "shorten the run, or raise maxDuration in environments/promotion.yaml if the cost is intended",
      },
    );
  }
  const routes: Route[] = lt.mix.map((m) => ({
    method: m.method,
    path: m.path,
    weight: m.weight,
    ...(m.body !== undefined ? { body: m.body } : {}),
    label: `${m.method} ${m.path}`,
  }));
  return {
    environment: env.name,
    url: url.href,
    mode: o.findCapacity ? "capacity" : "profile",
    targetRate: rate,
    stages,
    totalSeconds,
    routes,
    timeoutMs: ms(lt.timeout, "timeout"),
    maxConnections: lt.maxConnections,
    slo: { p95Ms: ms(lt.slo.p95, "slo.p95"), errorRate: lt.slo.errorRate },
    validForMs: ms(lt.validFor, "validFor"),
    maxDurationMs,
  };
}

/**
 * The request mix as a deterministic sequence: arrival n gets the route whose share of the first n
 * arrivals lags its weight the most (smooth weighted round robin), so every second carries the mix.
 */
export function mixPicker(routes: readonly Route[]): (seq: number) => { index: number; request: Route } {
  const total = routes.reduce((t, r) => t + r.weight, 0);
  const current = routes.map(() => 0);
  return () => {
    let best = 0;
    for (let i = 0; i < routes.length; i++) {
      current[i] = (current[i] ?? 0) + (routes[i]?.weight ?? 0);
      if ((current[i] ?? 0) > (current[best] ?? 0)) best = i;
    }
    current[best] = (current[best] ?? 0) - total;
    return { index: best, request: routes[best] as Route };
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
