// analysis: the previous environment's analysis templates pass now (the same queries and conditions
// Argo Rollouts runs during a canary), for each Rollout with its live pod-template hashes.
import { rolloutProgress } from "./rollout-state.js";
import type { Gate } from "./types.js";

export const analysis: Gate = async (ctx) => {
  const name = "analysis" as const;
  const run = ctx.inputs.analysis;
  if (!run) return { name, open: false, reason: "analysis not available" };
  const hashes = (await ctx.sourceRollouts()).map((r) => {
    const p = rolloutProgress(r.manifest, r.name);
    return {
      rollout: r.name,
      ...(p.canaryHash ? { canaryHash: p.canaryHash } : {}),
      ...(p.stableHash ? { stableHash: p.stableHash } : {}),
    };
  });
  const result = await run(ctx.source, hashes);
  return {
    name,
    open: result.verdict === "Successful",
    reason: `${ctx.source.name}: ${result.summary}`,
    ...(result.details ? { details: result.details } : {}),
  };
};
