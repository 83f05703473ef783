// backup-fresh: the environment being promoted into has a successful database backup younger than its
// RPO (backup/freshness.ts, read through Argo CD).
import type { Gate } from "./types.js";

export const backupFresh: Gate = async (ctx) => {
  const name = "backup-fresh" as const;
  const check = ctx.inputs.backup;
  if (!check)
    return { name, open: false, reason: "backup status unknown (the backup check is not available)" };
  if (!ctx.inputs.argocd) {
    return { name, open: false, reason: "backup status unknown: Argo CD not configured (set ARGOCD_SERVER)" };
  }
  const f = await check(ctx.target);
  return {
    name,
    open: f.satisfiesRpo,
    reason: f.summary,
    details: {
      ...(f.lastSuccessAt ? { lastSuccessAt: f.lastSuccessAt } : {}),
      ...(f.age ? { age: f.age } : {}),
    },
  };
};
