// load-test: the version being promoted passed a load test (`ngx-release loadtest <source>`) in the
// previous environment, at the revision Argo CD reports synced there now, within the source's
// loadTest.validFor. The newest recorded run at that revision decides: a failed run closes the gate
// even when an older one passed. Runs recorded without Argo CD (revision = HEAD, not verified) and
// --find-capacity runs do not count.

import { parseFineDuration } from "../loadtest/profile.js";
import { pullRequestMarkdown, summaryLine } from "../loadtest/report.js";
import { formatDuration } from "../time/duration.js";
import { type Gate, NotConfigured, short } from "./types.js";

export const loadTest: Gate = async (ctx) => {
  const name = "load-test" as const;
  const src = ctx.source;
  if (!src.loadTest) {
    throw new NotConfigured(
      `${src.name} has no loadTest: block in environments/promotion.yaml, so no load test can run there`,
    );
  }
  const version = await ctx.sourceVersion();
  const app = await ctx.sourceApplication();
  const revision = app.syncRevision;
  const run = `run: ngx-release loadtest ${src.name}`;
  if (!revision) {
    return { name, open: false, reason: `Argo CD reports no synced revision for ${app.name}` };
  }
  const all = await ctx.inputs.ledger.listLoadTests(src.name, { limit: 50 });
  const ofVersion = all.filter((r) => r.version === version && r.mode === "profile");
  const verified = ofVersion.filter((r) => r.revisionFrom === "argocd");
  const atRevision = verified.filter((r) => r.revision === revision);
  const newest = atRevision[0];
  const details = {
    version,
    revision,
    validFor: src.loadTest.validFor,
    ...(newest ? { record: newest.id } : {}),
  };
  if (!newest) {
    const elsewhere = verified[0];
    const reason = elsewhere
      ? `version ${version} was load-tested at ${short(elsewhere.revision)}, but Argo CD reports ${src.name} synced at ${short(revision)} (${run})`
      : ofVersion.length > 0
        ? `the load tests of version ${version} in ${src.name} were run without Argo CD (revision not verified) (${run} with ARGOCD_SERVER set)`
        : `no load test of version ${version} recorded in ${src.name} (${run})`;
    return { name, open: false, reason, details };
  }
  const ageMs = ctx.now.getTime() - Date.parse(newest.at);
  const age = formatDuration(Math.max(0, ageMs));
  if (!newest.passed) {
    return {
      name,
      open: false,
      reason: `the newest load test of ${version} in ${src.name} at ${short(revision)} (${age} ago) did not pass: ${summaryLine(newest.result)}`,
      details,
    };
  }
  const validForMs = parseFineDuration(src.loadTest.validFor);
  if (!(ageMs <= validForMs)) {
    return {
      name,
      open: false,
      reason: `the load test of ${version} in ${src.name} passed ${age} ago, older than loadTest.validFor ${src.loadTest.validFor} (${run})`,
      details: { ...details, ageMs },
    };
  }
  return {
    name,
    open: true,
    reason: `${version} ${summaryLine(newest.result)} in ${src.name} at ${short(revision)}, ${age} ago`,
    details: { ...details, ageMs },
    markdown: pullRequestMarkdown(newest.result, `${age} ago`),
  };
};
