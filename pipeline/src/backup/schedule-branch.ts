// The backup-schedule branch name, apart from the schedule code so `backup schedule --help` can
// show it without loading the cron and YAML libraries.
export const SCHEDULE_BRANCH_PREFIX = "backup-schedule/";

/** Deterministic branch name: a rerun for the same environment finds and updates its own PR. */
export const scheduleBranch = {
  toString: (env: string) => `${SCHEDULE_BRANCH_PREFIX}${env}`,
  parse: (branch: string) =>
    branch.startsWith(SCHEDULE_BRANCH_PREFIX) ? branch.slice(SCHEDULE_BRANCH_PREFIX.length) : undefined,
};
