// The suite passes on any date: the time-sensitive suites run again with the system clock moved a
// year and five years ahead (libfaketime, Debian package `faketime`, which `npm test` installs). A
// test that mixes the suite's fixed clock (test/helpers/clock.ts, NGX_NOW) with the real one fails
// here. Suites that start a real Prometheus are not in the list: Prometheus is a Go program, which
// libfaketime does not reach, so it keeps the real clock while the test's clock moves; those suites
// only compare Prometheus' samples with its own clock and hold on any date anyway.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

/** suites whose outcome depends on "now" without setting the CLI's clock themselves */
const ALSO_TIME_SENSITIVE = [
  "test/backup/freshness.test.ts",
  "test/ledger/ledger.test.ts",
  "test/ledger/record.test.ts",
  "test/metrics/cli.test.ts",
  "test/metrics/dora.test.ts",
  "test/status/status.test.ts",
];

const SHIFTS = ["+365d", "+1826d"];

/** every suite that sets the CLI's clock (NGX_NOW, TEST_NOW) is time-sensitive, and those above */
const TIME_SENSITIVE = [
  ...new Set([
    ...testFiles(join(ROOT, "test")).filter(
      (f) =>
        f !== "test/time/any-date.test.ts" && /NGX_NOW|TEST_NOW/.test(readFileSync(join(ROOT, f), "utf8")),
    ),
    ...ALSO_TIME_SENSITIVE,
  ]),
].sort();

const scratch = mkdtempSync(join(tmpdir(), "ngx-any-date-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return testFiles(path);
    return e.name.endsWith(".test.ts") ? [relative(ROOT, path)] : [];
  });
}

describe("the suite on any date", () => {
  it("covers the suites that depend on the time", () => {
    for (const f of ALSO_TIME_SENSITIVE) expect(existsSync(join(ROOT, f)), f).toBe(true);
    expect(TIME_SENSITIVE).toContain("test/backup/run-status.test.ts");
  });

  it.each(SHIFTS)(
    "the time-sensitive suites pass with the system clock moved %s",
    (shift) => {
      const report = join(scratch, `report${shift}.json`);
      const r = spawnSync(
        "faketime",
        [
          "-f",
          shift,
          "npx",
          "vitest",
          "run",
          "--reporter=json",
          `--outputFile.json=${report}`,
          ...TIME_SENSITIVE,
        ],
        // DONT_FAKE_MONOTONIC: timers keep the real monotonic clock, only the calendar moves
        { cwd: ROOT, encoding: "utf8", env: { ...process.env, DONT_FAKE_MONOTONIC: "1" }, timeout: 540_000 },
      );
      expect(r.error, "faketime (Debian package faketime) must be installed").toBeUndefined();
      const json = JSON.parse(readFileSync(report, "utf8")) as {
        numTotalTests: number;
        numFailedTests: number;
        testResults: { name: string; assertionResults: { status: string; fullName: string }[] }[];
      };
      const failed = json.testResults.flatMap((f) =>
        f.assertionResults
          .filter((t) => t.status === "failed")
          .map((t) => `${relative(ROOT, f.name)} › ${t.fullName}`),
      );
      expect(failed).toEqual([]);
      expect(json.numTotalTests).toBeGreaterThan(100);
      expect(r.status).toBe(0);
    },
    600_000,
  );
});
