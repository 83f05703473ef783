// not-rejected: the version being promoted has not been rejected (by a rollback) anywhere.
import { findRejection } from "../ledger/types.js";
import type { Gate } from "./types.js";

export const notRejected: Gate = async (ctx) => {
  const name = "not-rejected" as const;
  const version = await ctx.sourceVersion();
  const r = await findRejection(ctx.inputs.ledger, version);
  if (r) {
    return {
      name,
      open: false,
      reason: `version ${version} was rejected${r.environment ? ` in ${r.environment}` : ""} at ${r.at}: ${r.reason}`,
      details: { ...r },
    };
  }
  return { name, open: true, reason: `version ${version} is not rejected` };
};
