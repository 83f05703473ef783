// soak: the previous environment has run the versions being promoted, healthy, for the configured
// time since its deployment reached success (recorded by `ngx-release record`).
import { formatDuration, parseHumanDuration } from "../time/duration.js";
import type { Gate } from "./types.js";

export const soak: Gate = async (ctx) => {
  const name = "soak" as const;
  const required = parseHumanDuration(ctx.target.soak);
  const src = ctx.source.name;
  const version = await ctx.sourceVersion();
  if (required === 0) return { name, open: true, reason: `no soak time configured for ${ctx.target.name}` };
  const d = await ctx.sourceDeployment();
  if (!d) {
    return {
      name,
      open: false,
      reason: `no deployment of version ${version} recorded in ${src} (run: ngx-release record ${src})`,
    };
  }
  if (!d.succeededAt) {
    return {
      name,
      open: false,
      reason: `the deployment of ${version} in ${src} has not succeeded yet (${d.state})`,
    };
  }
  if (d.state === "failure" || d.state === "error") {
    return { name, open: false, reason: `the deployment of ${version} in ${src} is marked ${d.state}` };
  }
  const elapsed = ctx.now.getTime() - Date.parse(d.succeededAt);
  const remaining = required - elapsed;
  const details = { since: d.succeededAt, requiredMs: required, elapsedMs: elapsed, deployment: d.id };
  if (remaining > 0) {
    return {
      name,
      open: false,
      reason: `${src} has soaked ${formatDuration(elapsed)} of ${ctx.target.soak}: ${formatDuration(remaining)} remaining`,
      details: { ...details, remainingMs: remaining },
    };
  }
  return {
    name,
    open: true,
    reason: `${src} healthy for ${formatDuration(elapsed)} (≥ ${ctx.target.soak})`,
    details,
  };
};
