// not-rejected: the versions being promoted have not been rejected (by a rollback) anywhere — the
// same rule promote applies (ledger/rejected.ts).
import { matchRejection } from "../ledger/rejected.js";
import { listRejected } from "../ledger/types.js";
import type { Gate } from "./types.js";

export const notRejected: Gate = async (ctx) => {
  const name = "not-rejected" as const;
  const version = await ctx.sourceVersion();
  const r = matchRejection(await listRejected(ctx.inputs.ledger), await ctx.sourceImages());
  if (r) {
    const which =
      r.version === version ? `version ${version}` : `version ${version} (images of rejected ${r.version})`;
    return {
      name,
      open: false,
      reason: `${which} was rejected${r.environment ? ` in ${r.environment}` : ""} at ${r.at}: ${r.reason}`,
      details: { ...r },
    };
  }
  return { name, open: true, reason: `version ${version} is not rejected` };
};
