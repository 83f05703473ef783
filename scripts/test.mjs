// The test command (`npm test`): brings what the suites need when it can, or stops at once naming
// what to install; then runs vitest and prints one line "N passed, N failed" from its JSON report.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const REPORT = ".vitest-report.json";

function has(cmd, args = ["--version"]) {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return !r.error && r.status === 0;
}

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function aptInstall(pkgs) {
  if (!has("apt-get", ["--version"])) return false;
  const sudo = isRoot() ? [] : has("sudo", ["-n", "true"]) ? ["sudo", "-n"] : null;
  if (!sudo) return false;
  const run = (args) =>
    spawnSync(sudo[0] ?? args[0], sudo.length ? [...sudo.slice(1), ...args] : args.slice(1), {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  console.error(`test: installing ${pkgs.join(" ")} with apt-get`);
  let r = run(["apt-get", "install", "-y", "--no-install-recommends", ...pkgs]);
  if (r.status !== 0) {
    run(["apt-get", "update"]);
    r = run(["apt-get", "install", "-y", "--no-install-recommends", ...pkgs]);
  }
  return r.status === 0;
}

/** Each requirement: how to detect it, and the Debian packages that bring it. */
const requirements = [
  {
    what: "kustomize ≥ 5 (or kubectl ≥ 1.27)",
    ok: () =>
      process.env.KUSTOMIZE_BIN
        ? has(process.env.KUSTOMIZE_BIN, ["version"])
        : has("kustomize", ["version"]) || has("kubectl", ["version", "--client"]),
    apt: [],
    install:
      "install kubectl ≥ 1.27 (https://kubernetes.io/docs/tasks/tools/) or kustomize ≥ 5, or set KUSTOMIZE_BIN",
  },
  { what: "git", ok: () => has("git"), apt: ["git"], install: "apt-get install git" },
  { what: "jq (workflow step tests)", ok: () => has("jq"), apt: ["jq"], install: "apt-get install jq" },
  {
    what: "shellcheck (workflow run: scripts)",
    ok: () => has("shellcheck"),
    apt: ["shellcheck"],
    install: "apt-get install shellcheck",
  },
  {
    what: "Prometheus and promtool",
    ok: () => has("prometheus") && has("promtool"),
    apt: ["prometheus"],
    install: "apt-get install --no-install-recommends prometheus (Prometheus ≥ 2.42 with promtool on PATH)",
  },
  {
    what: "faketime (the suite runs its time-sensitive tests with the clock moved years ahead)",
    ok: () => has("faketime", ["-f", "+0d", "true"]),
    apt: ["faketime"],
    install: "apt-get install faketime",
  },
  {
    what: "PostgreSQL server (initdb, pg_ctl, postgres, pg_dump, pg_restore, psql)",
    ok: () =>
      ["initdb", "pg_ctl", "pg_dump", "pg_restore", "psql"].every(
        (c) => has(c) || existsSync(`/usr/lib/postgresql/15/bin/${c}`),
      ),
    apt: ["postgresql", "postgresql-client"],
    install: "apt-get install postgresql postgresql-client",
  },
];

const missing = requirements.filter((r) => !r.ok());
const wanted = [...new Set(missing.flatMap((r) => r.apt))];
if (wanted.length > 0) aptInstall(wanted);
const still = requirements.filter((r) => !r.ok());
if (still.length > 0) {
  for (const r of still) console.error(`test: missing ${r.what} — ${r.install}`);
  process.exit(2);
}

rmSync(REPORT, { force: true });
const args = [
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${REPORT}`,
  ...process.argv.slice(2),
];
const result = spawnSync("npx", args, { stdio: "inherit" });

let summary = "0 passed, 0 failed";
if (existsSync(REPORT)) {
  const report = JSON.parse(readFileSync(REPORT, "utf8"));
  summary = `${report.numPassedTests} passed, ${report.numFailedTests} failed`;
  if (report.numPendingTests || report.numTodoTests)
    summary += `, ${report.numPendingTests + report.numTodoTests} skipped`;
  if (report.numTotalTests === 0) {
    console.log(summary);
    console.error("test: no test was executed");
    process.exit(1);
  }
}
console.log(summary);
process.exit(result.status ?? 1);
