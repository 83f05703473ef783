// A throw-away PostgreSQL server for the restore rehearsal (test and bench): initdb into a temp dir,
// `postgres` on 127.0.0.1 with an ephemeral port and its unix socket inside the temp dir, trust
// authentication for the local superuser. PostgreSQL refuses to run as root, so under root the
// server runs as the `postgres` (or `nobody`) user. Stopped by PID (SIGINT = fast shutdown).
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Postgres {
  readonly port: number;
  readonly dir: string;
  /** libpq variables for clients (psql, pg_dump, pg_restore, the rehearsal script) */
  readonly env: Record<string, string>;
  readonly version: string;
  /** runs SQL with psql on a database; returns unaligned output */
  psql(database: string, sql: string): string;
  stop(): Promise<void>;
}

function binDir(): string {
  // Debian keeps server binaries in /usr/lib/postgresql/<major>/bin; the newest first
  const debian = existsSync("/usr/lib/postgresql")
    ? readdirSync("/usr/lib/postgresql")
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  const candidates = [process.env.PG_BIN, "/usr/local/bin", ...debian].filter(Boolean) as string[];
  for (const dir of candidates)
    if (existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres"))) return dir;
  throw new Error(
    "PostgreSQL server binaries (initdb, postgres) not found: apt-get install postgresql (server and clients), or set PG_BIN to their directory",
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** uid/gid to run the server as when we are root */
function serverUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    const r = spawnSync("id", ["-u", name], { encoding: "utf8" });
    if (r.status === 0) {
      const uid = Number(r.stdout.trim());
      const gid = Number(spawnSync("id", ["-g", name], { encoding: "utf8" }).stdout.trim());
      return { uid, gid };
    }
  }
  throw new Error("running as root and no postgres/nobody user to run PostgreSQL as");
}

/** `durable: false` (tests) turns fsync and full-page writes off; the bench keeps them on. */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<Postgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "ngx-pg-"));
  const data = join(dir, "data");
  const socket = join(dir, "socket");
  mkdirSync(socket);
  const user = serverUser();
  if (user) {
    for (const p of [dir, socket]) chownSync(p, user.uid, user.gid);
  }
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  execFileSync(
    join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
    { ...as, stdio: "pipe", env: { PATH: process.env.PATH ?? "", LANG: "C" } },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(bin, "postgres"),
    [
      "-D",
      data,
      "-p",
      String(port),
      "-k",
      socket,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_wal_size=1GB",
      ...(options.durable
        ? []
        : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
    ],
    { ...as, stdio: ["ignore", "ignore", "pipe"], env: { PATH: process.env.PATH ?? "", LANG: "C" } },
  );
  let log = "";
  child.stderr?.on("data", (d) => {
    log += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const env = { PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: "postgres", PGDATABASE: "postgres" };
  const clientEnv = { ...process.env, ...env };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = spawnSync("pg_isready", ["-q"], { env: clientEnv });
    if (r.status === 0) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const psql = (database: string, sql: string) =>
    execFileSync(
      "psql",
      ["--no-psqlrc", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", database, "-c", sql],
      {
        env: clientEnv,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
      },
    ).trim();
  return {
    port,
    dir,
    env,
    version: psql("postgres", "SHOW server_version"),
    psql,
    async stop() {
      if (child.exitCode === null && child.pid) {
        process.kill(child.pid, "SIGINT");
        const timer = setTimeout(
          () => child.pid && child.exitCode === null && process.kill(child.pid, "SIGKILL"),
          15_000,
        );
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A generated ngx_agents dataset: agents, conversations, messages (text), a2a_events (jsonb, numeric,
 * timestamps, bytea), with keys, foreign keys, indexes, a sequence and a view. `scale` = messages / 1000.
 */
export function datasetSql(scale: number): string {
  const messages = scale * 1000;
  return `
CREATE TABLE agents (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  kind text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE conversations (
  id bigserial PRIMARY KEY,
  agent_id int NOT NULL REFERENCES agents(id),
  title text,
  started_at timestamptz NOT NULL
);
CREATE TABLE messages (
  id bigserial PRIMARY KEY,
  conversation_id bigint NOT NULL REFERENCES conversations(id),
  role text NOT NULL CHECK (role IN ('user', 'agent', 'tool')),
  body text NOT NULL,
  tokens int NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at);
CREATE TABLE a2a_events (
  id bigserial PRIMARY KEY,
  source_agent int NOT NULL REFERENCES agents(id),
  target_agent int NOT NULL REFERENCES agents(id),
  payload jsonb NOT NULL,
  cost_usd numeric(12, 6) NOT NULL,
  latency_ms double precision NOT NULL,
  signature bytea,
  at timestamptz NOT NULL
);
CREATE SEQUENCE invoice_numbers START 1000;
CREATE VIEW agent_usage AS
  SELECT a.name, count(m.*) AS messages FROM agents a
  JOIN conversations c ON c.agent_id = a.id JOIN messages m ON m.conversation_id = c.id GROUP BY a.name;

INSERT INTO agents (name, kind, created_at)
  SELECT 'agent-' || i, (ARRAY['orchestrator', 'researcher', 'coder', 'reviewer'])[1 + i % 4],
         timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour'
  FROM generate_series(1, 200) i;
INSERT INTO conversations (agent_id, title, started_at)
  SELECT 1 + i % 200, 'conversation ' || i || ' about ' || md5(i::text),
         timestamptz '2026-02-01 00:00:00+00' + i * interval '37 seconds'
  FROM generate_series(1, ${Math.max(1, messages / 10)}) i;
INSERT INTO messages (conversation_id, role, body, tokens, created_at)
  SELECT 1 + i % ${Math.max(1, messages / 10)}, (ARRAY['user', 'agent', 'tool'])[1 + i % 3],
         repeat(md5(i::text) || ' ', 1 + i % 8) || 'ñ✓', 10 + i % 900,
         timestamptz '2026-03-01 00:00:00+00' + i * interval '1.5 seconds'
  FROM generate_series(1, ${messages}) i;
INSERT INTO a2a_events (source_agent, target_agent, payload, cost_usd, latency_ms, signature, at)
  SELECT 1 + i % 200, 1 + (i * 7) % 200,
         jsonb_build_object('task', 'task-' || i, 'ok', i % 17 <> 0, 'scores', jsonb_build_array(i % 10, i % 7)),
         (i % 1000) / 1000.0 + 0.000123, i * 0.1 + 1.0 / 3, decode(md5(i::text), 'hex'),
         timestamptz '2026-03-01 00:00:00+00' + i * interval '3 seconds'
  FROM generate_series(1, ${messages / 2}) i;
SELECT setval('invoice_numbers', 4242);
ANALYZE;
`;
}

/** the flags CronJob db-backup (environments/components/database-backup) gives pg_dump */
export const CRONJOB_PG_DUMP_FLAGS = [
  "--format=custom",
  "--compress=6",
  "--no-owner",
  "--no-privileges",
] as const;
