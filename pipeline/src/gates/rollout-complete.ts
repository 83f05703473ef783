// rollout-complete: every Rollout of the previous environment finished its canary: not paused, not
// aborted, all steps done, the canary became the stable.
import { rolloutProgress } from "./rollout-state.js";
import type { Gate } from "./types.js";

export const rolloutComplete: Gate = async (ctx) => {
  const name = "rollout-complete" as const;
  const app = await ctx.sourceApplication();
  const rollouts = (await ctx.sourceRollouts()).map((r) => rolloutProgress(r.manifest, r.name));
  const details = { application: app.name, rollouts };
  if (rollouts.length === 0) return { name, open: true, reason: `${app.name} manages no Rollouts`, details };
  const unfinished = rollouts.filter((r) => !r.complete);
  if (unfinished.length > 0) {
    return {
      name,
      open: false,
      reason: unfinished.map((r) => `${r.name} ${r.summary}`).join("; "),
      details,
    };
  }
  return { name, open: true, reason: `${rollouts.length} Rollouts of ${app.name} completed`, details };
};
