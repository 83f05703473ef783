// Cron validation and next-run text, the schedule patch updater (comments kept, only schedule and
// timeZone change), and `backup schedule` end to end on a real git repository.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { validateSchedule, validateTimeZone } from "../../pipeline/src/backup/schedule.js";
import { planScheduleChange, schedulePullRequestText } from "../../pipeline/src/backup/schedule-change.js";
import { readSchedulePatch, updateSchedulePatch } from "../../pipeline/src/backup/schedule-patch.js";
import { ConfigError, InputError } from "../../pipeline/src/errors.js";
import { runCli } from "../helpers/cli.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { backupRepo, files, git, PRODUCTION_PATCH, STAGING_PATCH } from "./fixture.js";

const NOW = new Date("2026-11-26T10:00:00Z");

describe("validateSchedule", () => {
  it("describes a daily schedule and its next runs in the given zone", () => {
    const s = validateSchedule("0 2 * * *", "Europe/Madrid", { now: NOW });
    expect(s.description).toBe("At 02:00, every day (Europe/Madrid)");
    // 02:00 in Madrid is 01:00 UTC in winter
    expect(s.nextRuns.map((r) => r.at)).toEqual([
      "2026-11-27T01:00:00.000Z",
      "2026-11-28T01:00:00.000Z",
      "2026-11-29T01:00:00.000Z",
    ]);
    expect(s.nextRuns[0]?.words).toBe("Fri 27 Nov 2026 02:00 Europe/Madrid");
  });

  it("describes a weekly schedule, and macros as Kubernetes reads them", () => {
    const weekly = validateSchedule("0 3 * * 0", "Etc/UTC", { now: NOW, count: 2 });
    expect(weekly.description).toBe("At 03:00, only on Sunday (Etc/UTC)");
    expect(weekly.nextRuns.map((r) => r.at)).toEqual([
      "2026-11-29T03:00:00.000Z",
      "2026-12-06T03:00:00.000Z",
    ]);
    expect(validateSchedule("@daily", "Etc/UTC", { now: NOW, count: 1 }).nextRuns[0]?.at).toBe(
      "2026-11-27T00:00:00.000Z",
    );
    expect(validateSchedule("@midnight", "Etc/UTC", { now: NOW, count: 1 }).description).toMatch(/00:00/);
  });

  it("keeps the wall-clock hour across a daylight-saving change", () => {
    const s = validateSchedule("0 2 * * *", "Europe/Madrid", {
      now: new Date("2027-03-26T12:00:00Z"),
      count: 3,
    });
    // 27 Mar CET (UTC+1), 28 Mar is the switch (02:00 does not exist), 29 Mar CEST (UTC+2)
    expect(s.nextRuns[0]?.at).toBe("2027-03-27T01:00:00.000Z");
    expect(s.nextRuns.at(-1)?.at).toBe("2027-03-29T00:00:00.000Z");
  });

  const bad: [string, RegExp][] = [
    ["61 2 * * *", /invalid cron expression "61 2 \* \* \*": minute "61": 61 is above the maximum 59/],
    ["0 25 * * *", /invalid cron expression "0 25 \* \* \*": hour "25"/],
    ["0 2 * *", /4 fields where five are expected/],
    ["0 0 2 * * *", /6 fields where five are expected/],
    ["every day", /2 fields where five are expected/],
    ["@fortnightly", /unknown descriptor "@fortnightly" \(valid: @yearly/],
    ["CRON_TZ=Europe/Madrid 0 2 * * *", /time zone inside the schedule/],
    ["0 2 30 2 *", /cron expression "0 2 30 2 \*" never runs/],
    ["", /empty schedule/],
  ];
  for (const [expr, message] of bad) {
    it(`rejects ${JSON.stringify(expr)}`, () => {
      expect(() => validateSchedule(expr, "Etc/UTC", { now: NOW })).toThrow(InputError);
      expect(() => validateSchedule(expr, "Etc/UTC", { now: NOW })).toThrow(message);
    });
  }

  it("validates IANA time zones case-sensitively", () => {
    expect(validateTimeZone("Europe/Madrid")).toBe("Europe/Madrid");
    expect(validateTimeZone("Etc/UTC")).toBe("Etc/UTC");
    expect(() => validateTimeZone("Mars/Olympus")).toThrow(/unknown time zone "Mars\/Olympus"/);
    // the error keeps what Intl said (a RangeError), as typed errors carry their cause
    expect(() => validateTimeZone("Mars/Olympus")).toThrow(
      expect.objectContaining({ name: "InputError", cause: expect.any(RangeError) }),
    );
    expect(() => validateTimeZone("europe/madrid")).toThrow(/did you mean "Europe\/Madrid"/);
    expect(() => validateTimeZone("+02:00")).toThrow(/invalid time zone "\+02:00"/);
  });
});

describe("updateSchedulePatch", () => {
  it("changes only schedule and timeZone in a strategic-merge patch and keeps every comment", () => {
    const out = updateSchedulePatch(PRODUCTION_PATCH, { schedule: "30 1 * * *", timeZone: "Europe/Madrid" });
    expect(out).toBe(
      PRODUCTION_PATCH.replace('schedule: "0 2 * * *"', 'schedule: "30 1 * * *"').replace(
        "timeZone: Etc/UTC",
        "timeZone: Europe/Madrid",
      ),
    );
    expect(readSchedulePatch(out)).toEqual({ schedule: "30 1 * * *", timeZone: "Europe/Madrid" });
  });

  it("adds timeZone right after schedule when the patch has none, and leaves it alone when not asked", () => {
    const noTz = PRODUCTION_PATCH.replace("  timeZone: Etc/UTC\n", "");
    const out = updateSchedulePatch(noTz, { schedule: "0 2 * * *", timeZone: "Europe/Madrid" });
    expect(out).toContain('  schedule: "0 2 * * *" # every day\n  timeZone: "Europe/Madrid"\n');
    expect(updateSchedulePatch(noTz, { schedule: "0 4 * * *" })).not.toContain("timeZone");
  });

  it("quotes a plain schedule that YAML would otherwise misread", () => {
    const plain = PRODUCTION_PATCH.replace('"0 2 * * *"', "0 2 * * *");
    const out = updateSchedulePatch(plain, { schedule: "*/30 * * * *" });
    expect(readSchedulePatch(out).schedule).toBe("*/30 * * * *");
  });

  it("updates a JSON6902 patch in place and appends a timeZone operation", () => {
    const out = updateSchedulePatch(STAGING_PATCH, { schedule: "0 4 * * 6", timeZone: "Etc/UTC" });
    expect(out).toBe(
      `${STAGING_PATCH.replace('"0 3 * * 0"', '"0 4 * * 6"')}- op: add\n  path: /spec/timeZone\n  value: Etc/UTC\n`,
    );
    expect(readSchedulePatch(out)).toEqual({ schedule: "0 4 * * 6", timeZone: "Etc/UTC" });
  });

  it("refuses a file that is not a CronJob patch, naming the file", () => {
    expect(() =>
      updateSchedulePatch("kind: Deployment\nspec: {}\n", { schedule: "0 2 * * *" }, "x.patch.yaml"),
    ).toThrow(ConfigError);
    expect(() => updateSchedulePatch("a: [\n", { schedule: "0 2 * * *" }, "x.patch.yaml")).toThrow(
      /x.patch.yaml: invalid YAML/,
    );
  });
});

describe("backup schedule (CLI)", () => {
  let root: string;
  beforeEach(() => {
    root = backupRepo();
  });
  const cli = (args: string[]) => runCli(["--repo", root, ...args]);
  const branches = () => git(root, "branch", "--format=%(refname:short)").split("\n").sort();

  it("commits only the schedule change on backup-schedule/<env>, leaving main and the checkout alone", async () => {
    const mainBefore = git(root, "rev-parse", "main");
    const r = await cli([
      "backup",
      "schedule",
      "production",
      "--cron",
      "30 1 * * *",
      "--timezone",
      "Europe/Madrid",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("At 01:30, every day (Europe/Madrid)");
    expect(r.stderr).toMatch(/next runs:\n {2}\w{3} \d\d \w{3} \d{4} 01:30 Europe\/Madrid/);
    expect(r.stdout).toMatch(
      /^branch backup-schedule\/production: created at [0-9a-f]{12}\npull request #1 created/,
    );
    expect(r.stdout).toContain("backup(production): run database backups at 01:30, every day");
    expect(git(root, "rev-parse", "main")).toBe(mainBefore);
    expect(git(root, "status", "--porcelain")).toBe("");
    expect(git(root, "diff", "--name-only", "main", "backup-schedule/production")).toBe(
      "environments/production/backup-schedule.patch.yaml",
    );
    const diff = git(root, "diff", "-U0", "main", "backup-schedule/production");
    expect(diff.split("\n").filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      '-  schedule: "0 2 * * *" # every day',
      "-  timeZone: Etc/UTC",
      '+  schedule: "30 1 * * *" # every day',
      "+  timeZone: Europe/Madrid",
    ]);
    // a rerun with the same request finds its own branch unchanged
    const again = await cli([
      "backup",
      "schedule",
      "production",
      "--cron",
      "30 1 * * *",
      "--timezone",
      "Europe/Madrid",
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /^branch backup-schedule\/production: unchanged .*\npull request #1 unchanged/,
    );
    // a different request updates the same branch and pull request
    const other = await cli(["backup", "schedule", "production", "--cron", "15 1 * * *", "--json"]);
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({
      status: "updated",
      timeZone: "Etc/UTC",
      pullRequest: { number: 1, status: "updated" },
    });
  });

  it("--dry-run shows the new file and writes nothing", async () => {
    const r = await cli(["backup", "schedule", "staging", "--cron", "0 4 * * 6", "--dry-run", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ env: "staging", cron: "0 4 * * 6", timeZone: "Etc/UTC", status: "dry-run" });
    expect(out.content).toContain('value: "0 4 * * 6" # weekly');
    expect(out.nextRuns).toHaveLength(5);
    expect(branches()).toEqual(["main"]);
  });

  const bad: [string, string[], RegExp][] = [
    ["invalid cron", ["production", "--cron", "0 2 * *"], /4 fields where five are expected/],
    ["out-of-range cron", ["production", "--cron", "0 24 * * *"], /invalid cron expression "0 24 \* \* \*"/],
    [
      "unknown time zone",
      ["production", "--cron", "0 2 * * *", "--timezone", "Europe/Atlantis"],
      /unknown time zone/,
    ],
    ["unknown environment", ["prod", "--cron", "0 2 * * *"], /unknown environment "prod"/],
    [
      "environment without backups",
      ["dev", "--cron", "0 2 * * *"],
      /environment "dev" has no backup configuration/,
    ],
    [
      "CronJob not rendered",
      ["qa", "--cron", "0 2 * * *"],
      /CronJob db-backup .* not in the rendered qa environment/,
    ],
  ];
  for (const [what, args, message] of bad) {
    it(`${what}: exit 2, nothing written`, async () => {
      const r = await cli(["backup", "schedule", ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(branches()).toEqual(["main"]);
      expect(git(root, "status", "--porcelain")).toBe("");
      expect(readFileSync(join(root, "environments/production/backup-schedule.patch.yaml"), "utf8")).toBe(
        PRODUCTION_PATCH,
      );
    });
  }
});

describe("backup schedule on GitHub (protocol fake)", () => {
  let gh: FakeGitHub;
  let root: string;
  beforeEach(async () => {
    root = backupRepo();
    gh = await FakeGitHub.start();
    gh.push("main", files, "fixture");
  });
  afterEach(async () => {
    gh.server.verify();
    await gh.server.close();
  });
  const cli = (args: string[]) =>
    runCli(["--repo", root, "backup", "schedule", ...args], {
      env: gh.env({ NGX_GITHUB_RETRY_DELAY_MS: "1" }),
    });

  it("opens one pull request whose commit changes only the schedule lines", async () => {
    const r = await cli(["production", "--cron", "0 1 * * *", "--timezone", "Europe/Madrid", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      forge: "github",
      status: "created",
      pullRequest: { number: 1 },
    });
    const head = gh.branch("backup-schedule/production") as string;
    const after = gh.fileAt(head, "environments/production/backup-schedule.patch.yaml");
    expect(after).toBe(
      PRODUCTION_PATCH.replace('"0 2 * * *"', '"0 1 * * *"').replace(
        "timeZone: Etc/UTC",
        "timeZone: Europe/Madrid",
      ),
    );
    const pulls = gh.openPulls();
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: "backup-schedule/production", base: "main" });
    expect(pulls[0]?.title).toBe(
      "backup(production): run database backups at 01:00, every day (Europe/Madrid)",
    );
    expect(pulls[0]?.body).toContain("| after | `0 1 * * *` | Europe/Madrid |");
    // a rerun finds its own PR: no second one
    const again = await cli(["production", "--cron", "0 1 * * *", "--timezone", "Europe/Madrid", "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({
      status: "unchanged",
      pullRequest: { number: 1, status: "unchanged" },
    });
    expect(gh.openPulls()).toHaveLength(1);
  });

  it("invalid cron: exit 2 before any request to GitHub", async () => {
    const r = await cli(["production", "--cron", "0 2 * * 8"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid cron expression "0 2 \* \* 8"/);
    expect(gh.server.requests).toEqual([]);
  });
});

// What the Kubernetes CronJob controller accepts: robfig/cron v3 ParseStandard (the grammar and its
// upstream sources are cited in pipeline/src/config/cron.ts).
describe("the CronJob controller's cron grammar", () => {
  const accepted: [string, string][] = [
    ["0 2 * * 0", "2026-11-29T02:00:00.000Z"],
    ["0 2 * * sun", "2026-11-29T02:00:00.000Z"],
    ["0 2 ? * MON-FRI", "2026-11-27T02:00:00.000Z"],
    ["0 2 * jan-dec fri", "2026-11-27T02:00:00.000Z"],
    ["30/15 * * * *", "2026-11-26T10:30:00.000Z"],
    ["*/20 11 * * *", "2026-11-26T11:00:00.000Z"],
    ["@weekly", "2026-11-29T00:00:00.000Z"],
    ["@hourly", "2026-11-26T11:00:00.000Z"],
    // day-of-month and day-of-week both restricted: either matches (27 Nov 2026 is a Friday)
    ["0 2 27 * 1", "2026-11-27T02:00:00.000Z"],
  ];
  for (const [expr, first] of accepted) {
    it(`accepts ${JSON.stringify(expr)} (first run ${first})`, () => {
      expect(validateSchedule(expr, "Etc/UTC", { now: NOW, count: 1 }).nextRuns[0]?.at).toBe(first);
    });
  }

  const refused: [string, RegExp][] = [
    ["0 2 * * 7", /day-of-week "7": 7 is above the maximum 6/],
    ["0 2 L * *", /day-of-month "L": "L" is not a number/],
    ["0 2 * * 5#3", /day-of-week "5#3": "5#3" is not a number/],
    ["0 2 15W * *", /"15W" is not a number/],
    ["0 2 * * 1-7", /7 is above the maximum 6/],
    ["0 2 0 * *", /day-of-month "0": 0 is below the minimum 1/],
    ["0 2 * * 5-1", /5 is after 1/],
    ["*/0 * * * *", /the step must be a positive number/],
    ["0 2 * * * *", /6 fields/],
    ["@Daily", /unknown descriptor "@Daily"/],
    ["@every 1h", /@every counts from the CronJob's creation/],
    ["TZ=UTC 0 2 * * *", /time zone inside the schedule/],
  ];
  for (const [expr, message] of refused) {
    it(`refuses ${JSON.stringify(expr)}`, () => {
      expect(() => validateSchedule(expr, "Etc/UTC", { now: NOW })).toThrow(InputError);
      expect(() => validateSchedule(expr, "Etc/UTC", { now: NOW })).toThrow(message);
    });
  }

  it('`backup schedule --cron "0 2 * * 7"`: exit 2 naming the field, nothing written', async () => {
    const root = backupRepo();
    try {
      const before = git(root, "for-each-ref", "--format=%(refname) %(objectname)");
      const r = await runCli(["--repo", root, "backup", "schedule", "production", "--cron", "0 2 * * 7"], {
        env: { NGX_NOW: NOW.toISOString() },
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /invalid cron expression "0 2 \* \* 7": day-of-week "7": 7 is above the maximum 6/,
      );
      expect(git(root, "for-each-ref", "--format=%(refname) %(objectname)")).toBe(before);
      expect(git(root, "status", "--porcelain")).toBe("");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("the schedule pull request text", () => {
  it("is a pure function of the change: the same request a day later gives the same title and body", () => {
    const request = { cron: "30 1 * * *", timeZone: "Europe/Madrid" };
    const at = (now: Date) =>
      schedulePullRequestText(planScheduleChange("production", PRODUCTION_PATCH, request, now));
    const first = at(NOW);
    const later = at(new Date(NOW.getTime() + 25 * 3_600_000 + 60_000));
    expect(later).toEqual(first);
    expect(first.body).not.toMatch(/\bin \d+h/);
    expect(first.body).toContain("**In words:** At 01:30, every day (Europe/Madrid)");
  });
});
