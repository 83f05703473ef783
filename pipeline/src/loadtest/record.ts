// Records a finished run in the ledger against the version and revision it ran on (the load-test gate
// reads these). A run stopped by Ctrl-C is not a result and is not recorded (the command decides).
import type { Ledger, LoadTestRecord } from "../ledger/types.js";
import { summaryLine } from "./report.js";
import type { LoadTestResult } from "./run.js";

export function recordLoadTest(ledger: Ledger, result: LoadTestResult): Promise<LoadTestRecord> {
  return ledger.recordLoadTest({
    environment: result.environment,
    version: result.version,
    revision: result.revision,
    revisionFrom: result.revisionFrom,
    mode: result.mode,
    passed: result.passed,
    at: result.finishedAt,
    summary: `load test ${result.environment} ${result.version}: ${summaryLine(result)}`,
    result,
  });
}
