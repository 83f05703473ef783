// freeze: no change-freeze window of the target environment is active now. Each window starts at the
// times of a cron expression (in its timezone) and lasts its duration.
import { CronExpressionParser } from "cron-parser";
import { parseCron } from "../config/cron.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { parseHumanDuration } from "../time/duration.js";
import type { Gate } from "./types.js";

export interface ActiveFreeze {
  readonly reason: string;
  readonly start: string;
  readonly end: string;
  readonly timezone: string;
}

/** the freeze windows of `env` active at `now` */
export function activeFreezes(env: EnvironmentConfig, now: Date): ActiveFreeze[] {
  const active: ActiveFreeze[] = [];
  for (const w of env.freezeWindows) {
    // the config was checked at load (config/cron.ts); evaluate it as the CronJob controller would
    const parsed = parseCron(w.start);
    const it = CronExpressionParser.parse(typeof parsed === "string" ? w.start : parsed.evaluable, {
      currentDate: new Date(now.getTime() + 1000),
      tz: w.timezone,
    });
    const start = it.prev().toDate();
    const end = new Date(start.getTime() + parseHumanDuration(w.duration));
    if (start.getTime() <= now.getTime() && now.getTime() < end.getTime()) {
      active.push({
        reason: w.reason,
        start: start.toISOString(),
        end: end.toISOString(),
        timezone: w.timezone,
      });
    }
  }
  return active;
}

export const freeze: Gate = async (ctx) => {
  const name = "freeze" as const;
  const windows = ctx.target.freezeWindows;
  if (windows.length === 0)
    return { name, open: true, reason: `no freeze windows configured for ${ctx.target.name}` };
  const active = activeFreezes(ctx.target, ctx.now);
  if (active.length > 0) {
    return {
      name,
      open: false,
      reason: active
        .map((a) => `${a.reason} until ${a.end.replace("T", " ").replace(/:00\.000Z$/, " UTC")}`)
        .join("; "),
      details: { active },
    };
  }
  return { name, open: true, reason: `no freeze window active (${windows.length} configured)` };
};
