// synced-healthy: the previous environment is Synced at the revision that carries the versions being
// promoted (that commit, or a descendant whose overlay still has the same version) and Healthy.
import { versionOf } from "../ledger/version.js";
import { type Gate, short } from "./types.js";

export const syncedHealthy: Gate = async (ctx) => {
  const name = "synced-healthy" as const;
  const src = ctx.source.name;
  const version = await ctx.sourceVersion();
  const carrying = await ctx.carryingCommit();
  if (!carrying) {
    return {
      name,
      open: false,
      reason: `no commit of ${src}'s overlay found to compare Argo CD's revision with`,
    };
  }
  const app = await ctx.sourceApplication();
  const details = {
    application: app.name,
    url: app.url,
    sync: app.syncStatus,
    revision: app.syncRevision,
    health: app.health,
    version,
    carryingCommit: carrying.sha,
    carryingCommitFrom: carrying.from,
  };
  if (app.syncStatus !== "Synced") {
    return {
      name,
      open: false,
      reason: `${app.name} is ${app.syncStatus} (at ${short(app.syncRevision)})`,
      details,
    };
  }
  const revision = app.syncRevision;
  let atRevision = revision === carrying.sha;
  if (!atRevision && revision) {
    const { git } = ctx.inputs;
    if (await git.isAncestor(carrying.sha, revision)) {
      const there = await git.imagesAt(revision, src);
      atRevision = there !== undefined && versionOf(there) === version;
    }
  }
  if (!atRevision) {
    return {
      name,
      open: false,
      reason: `${app.name} is synced at ${short(revision)}, which does not carry version ${version} (commit ${short(carrying.sha)})`,
      details,
    };
  }
  if (app.health !== "Healthy") {
    return {
      name,
      open: false,
      reason: `${app.name} is ${app.health}${app.healthMessage ? `: ${app.healthMessage}` : ""} at ${short(revision)}`,
      details,
    };
  }
  return {
    name,
    open: true,
    reason: `${app.name} Synced and Healthy at ${short(revision)} (version ${version})`,
    details,
  };
};
