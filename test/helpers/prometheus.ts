// Starts the real Prometheus (/usr/bin/prometheus, Debian package) on 127.0.0.1 with an ephemeral
// port and a temporary TSDB, and stops it by PID. First scrape comes a few seconds after start.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? "prometheus";

export interface RunningPrometheus {
  readonly url: string;
  readonly pid: number;
  /** instant query; returns the parsed `data` or throws */
  query(promql: string): Promise<{ resultType: string; result: unknown }>;
  /** the first sample value of an instant vector query, or undefined when empty */
  value(promql: string): Promise<number | undefined>;
  /** polls `promql` until `accept(value)` holds; throws after `timeoutMs` */
  waitFor(
    promql: string,
    accept: (v: number | undefined) => boolean,
    timeoutMs?: number,
  ): Promise<number | undefined>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StartOptions {
  /** fills the TSDB folder before Prometheus starts (e.g. `promtool tsdb create-blocks-from …`) */
  readonly prepare?: (dataDir: string) => Promise<void>;
  /** further command-line flags */
  readonly flags?: readonly string[];
}

export async function startPrometheus(
  scrapeConfigs: readonly Record<string, unknown>[],
  options: StartOptions = {},
): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "ngx-prom-"));
  const dataDir = join(dir, "data");
  if (options.prepare) {
    try {
      await options.prepare(dataDir);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    stringify({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      scrape_configs: scrapeConfigs,
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
      ...(options.flags ?? []),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  child.stderr?.on("data", (d) => {
    log = (log + d).slice(-4000);
  });
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });

  const stop = async () => {
    if (!exited && child.pid) {
      const done = new Promise<void>((r) => child.once("exit", () => r()));
      process.kill(child.pid, "SIGTERM");
      const timer = setTimeout(() => {
        if (!exited && child.pid) process.kill(child.pid, "SIGKILL");
      }, 5000);
      await done;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`prometheus exited at start: ${log}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within 30 s: ${log}`);
    }
    await sleep(200);
  }

  const query = async (promql: string) => {
    const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data: { resultType: string; result: unknown };
    };
    if (body.status !== "success") throw new Error(`query ${promql}: ${body.error}`);
    return body.data;
  };
  const value = async (promql: string) => {
    const data = await query(promql);
    if (data.resultType === "scalar") return Number((data.result as [number, string])[1]);
    const first = (data.result as { value: [number, string] }[])[0];
    return first ? Number(first.value[1]) : undefined;
  };
  return {
    url,
    pid: child.pid as number,
    query,
    value,
    async waitFor(promql, accept, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      let last: number | undefined;
      while (Date.now() < end) {
        last = await value(promql);
        if (accept(last)) return last;
        await sleep(500);
      }
      throw new Error(`waited ${timeoutMs} ms for ${promql}; last value ${last}`);
    },
    stop,
  };
}
