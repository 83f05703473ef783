// Builds dist/cli.js once so integration tests run the real CLI as a process, and gives the run one
// scratch folder: TMPDIR points into it for every worker (and, through runCli, every CLI process),
// so whatever a test puts under os.tmpdir() is removed when the run ends, even after a failure.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  const scratch = mkdtempSync(join(tmpdir(), "ngx-test-run-"));
  // traversable by the unprivileged user the PostgreSQL tests run the server as (test/backup/postgres.ts)
  chmodSync(scratch, 0o755);
  process.env.TMPDIR = scratch;
  return () => rmSync(scratch, { recursive: true, force: true });
}
