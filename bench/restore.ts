// Restore time of the ngx_agents export, measured on a real (durable: fsync on) PostgreSQL.
//   npx tsx bench/restore.ts [scale ...]      scale = thousands of messages (default: 100 500)
// For each scale: generates the dataset, exports it with the CronJob's pg_dump flags, and restores it
// with scripts/restore-rehearsal.sh (verified against the source manifest) with --jobs 1 and --jobs 4
// side by side; prints sizes, times, throughput and the ratio of the two restores.
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CRONJOB_PG_DUMP_FLAGS, datasetSql, startPostgres } from "../test/backup/postgres.js";

const SCRIPT = resolve(import.meta.dirname, "../scripts/restore-rehearsal.sh");
const scales = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
if (scales.length === 0) scales.push(100, 500);

const pg = await startPostgres({ durable: true });
const env = { ...process.env, ...pg.env };
const run = (cmd: string, args: string[]) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  return { ...r, seconds };
};

try {
  console.log(`PostgreSQL ${pg.version}, fsync on; restores verified by row counts and checksums`);
  console.log("scale  database  export  pg_dump  restore -j1  restore -j4  j1/j4  MB/s (j1)");
  for (const scale of scales) {
    const db = `ngx_agents_${scale}`;
    pg.psql("postgres", `CREATE DATABASE ${db}`);
    pg.psql(db, datasetSql(scale));
    const dbMb = Number(pg.psql(db, "SELECT pg_database_size(current_database())")) / 1048576;
    const dump = join(pg.dir, `${db}.dump`);
    const dumped = run("pg_dump", [...CRONJOB_PG_DUMP_FLAGS, `--file=${dump}`, `--dbname=${db}`]);
    const manifest = join(pg.dir, `${db}.tsv`);
    writeFileSync(manifest, run(SCRIPT, ["manifest", db]).stdout);
    const restore = (jobs: number) => {
      const r = run(SCRIPT, [
        "restore",
        dump,
        "--db",
        `${db}_r${jobs}`,
        "--jobs",
        String(jobs),
        "--expect",
        manifest,
      ]);
      return Number(/restore_seconds=([\d.]+)/.exec(r.stderr)?.[1]);
    };
    const j1 = restore(1);
    const j4 = restore(4);
    console.log(
      [
        `${scale}k`.padEnd(5),
        `${dbMb.toFixed(1)} MB`.padStart(8),
        `${(statSync(dump).size / 1048576).toFixed(1)} MB`.padStart(7),
        `${dumped.seconds.toFixed(2)} s`.padStart(7),
        `${j1.toFixed(2)} s`.padStart(11),
        `${j4.toFixed(2)} s`.padStart(11),
        (j1 / j4).toFixed(2).padStart(5),
        (dbMb / j1).toFixed(1).padStart(9),
      ].join("  "),
    );
    pg.psql("postgres", `DROP DATABASE ${db}`);
  }
} finally {
  await pg.stop();
}
