// The restore rehearsal against a real PostgreSQL: a generated ngx_agents database is exported with
// the CronJob's pg_dump flags (custom format), restored by scripts/restore-rehearsal.sh into a scratch
// database, and verified table by table (row counts and checksums). The restore time is printed, not
// asserted.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRONJOB_PG_DUMP_FLAGS, datasetSql, type Postgres, startPostgres } from "./postgres.js";

const SCRIPT = resolve(import.meta.dirname, "../../scripts/restore-rehearsal.sh");
const SCALE = 100; // 100k messages, 50k a2a events, 10k conversations, 200 agents
let pg: Postgres;
let dump: string;
let manifestFile: string;

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, {
    env: { ...process.env, ...pg.env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  pg = await startPostgres();
  pg.psql("postgres", "CREATE DATABASE ngx_agents");
  pg.psql("ngx_agents", datasetSql(SCALE));
  dump = join(pg.dir, "ngx_agents.dump");
  const d = run("pg_dump", [...CRONJOB_PG_DUMP_FLAGS, `--file=${dump}`, "--dbname=ngx_agents"]);
  expect(d.stderr).toBe("");
  expect(d.code).toBe(0);
  const m = run(SCRIPT, ["manifest", "ngx_agents"]);
  expect(m.code).toBe(0);
  manifestFile = join(pg.dir, "source.tsv");
  writeFileSync(manifestFile, m.stdout);
});

afterAll(async () => {
  await pg?.stop();
});

describe("restore rehearsal (real PostgreSQL)", () => {
  it("client and server versions match (pg_restore reads what pg_dump wrote)", () => {
    const major = (s: string) => /(\d+)\.\d+/.exec(s)?.[1];
    expect(major(run("pg_dump", ["--version"]).stdout)).toBe(major(pg.version));
    expect(major(run("pg_restore", ["--version"]).stdout)).toBe(major(pg.version));
  });

  it("the source manifest covers every table with its row count and a checksum", () => {
    const lines = readFileSync(manifestFile, "utf8").trim().split("\n");
    const rows = Object.fromEntries(
      lines.filter((l) => l.startsWith("table ")).map((l) => [l.split("\t")[0], Number(l.split("\t")[1])]),
    );
    expect(rows).toEqual({
      "table public.a2a_events": SCALE * 500,
      "table public.agents": 200,
      "table public.conversations": SCALE * 100,
      "table public.messages": SCALE * 1000,
    });
    for (const l of lines.filter((x) => x.startsWith("table "))) expect(l).toMatch(/\t[0-9a-f]{32}$/);
    expect(lines).toContain("sequence public.invoice_numbers\t4242");
  });

  it("restores the CronJob's export into a scratch database with equal row counts and checksums", () => {
    const sizeMb = Number(pg.psql("ngx_agents", "SELECT pg_database_size('ngx_agents')")) / 1024 / 1024;
    const dumpMb = statSync(dump).size / 1024 / 1024;
    const r = run(SCRIPT, ["restore", dump, "--db", "ngx_agents_rehearsal", "--expect", manifestFile]);
    expect(r.stderr).toMatch(/archive: Dumped from database version: 15\./);
    expect(r.stderr).toMatch(/verified: 4 tables and their checksums equal/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(manifestFile, "utf8"));
    const seconds = /restore_seconds=([\d.]+)/.exec(r.stderr)?.[1];
    expect(seconds).toMatch(/^\d+(\.\d+)?$/);
    // measured, not asserted
    console.log(
      `restore rehearsal: ${SCALE * 1000} messages + ${SCALE * 500} events (database ${sizeMb.toFixed(1)} MB, ` +
        `export ${dumpMb.toFixed(1)} MB, pg_dump -Fc -Z6) restored in ${seconds} s`,
    );
    // the scratch database is dropped afterwards
    expect(
      pg.psql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'ngx_agents_rehearsal'"),
    ).toBe("0");
  });

  it("reports a difference (exit 1) when the restored data does not match the source manifest", () => {
    const tampered = join(pg.dir, "tampered.tsv");
    writeFileSync(
      tampered,
      readFileSync(manifestFile, "utf8").replace(/^(table public\.messages\t)\d+/m, `$1${SCALE * 1000 - 1}`),
    );
    const r = run(SCRIPT, ["restore", dump, "--db", "ngx_agents_tampered", "--expect", tampered]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("MISMATCH");
    expect(r.stderr).toMatch(new RegExp(`< table public\\.messages\\t${SCALE * 1000 - 1}\\t`));
    expect(r.stderr).toMatch(new RegExp(`> table public\\.messages\\t${SCALE * 1000}\\t`));
  });

  it("changing one row changes that table's checksum", () => {
    pg.psql("ngx_agents", "UPDATE agents SET kind = 'coder' WHERE id = 1 AND kind <> 'coder'");
    const after = run(SCRIPT, ["manifest", "ngx_agents"]).stdout;
    const line = (text: string, t: string) =>
      text.split("\n").find((l) => l.startsWith(`table public.${t}\t`));
    const before = readFileSync(manifestFile, "utf8");
    expect(line(after, "agents")).not.toBe(line(before, "agents"));
    expect(line(after, "messages")).toBe(line(before, "messages"));
  });

  it("refuses a file that is not a custom-format archive, and an existing database", () => {
    const notDump = join(pg.dir, "plain.sql");
    writeFileSync(notDump, "SELECT 1;\n");
    const r = run(SCRIPT, ["restore", notDump, "--db", "ngx_agents_bad"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is not a pg_dump custom-format archive");
    const exists = run(SCRIPT, ["restore", dump, "--db", "ngx_agents"]);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain("database ngx_agents already exists");
    expect(run(SCRIPT, ["restore"]).code).toBe(2);
  });
});
