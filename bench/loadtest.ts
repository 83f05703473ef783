// bench/loadtest: the load generator's own ceiling on this machine — the highest constant arrival
// rate at which it still sends what it is asked and its measured p99 is still the server's. A server
// in a separate process on 127.0.0.1 answers every request after exactly SERVICE_MS; the generator
// (pipeline/src/loadtest/generator.ts, the `loadtest` package) runs 2 s per rate, side by side in one
// run, and the table gives per rate: the share of the asked arrivals sent, p99 latency from the
// intended send time, p99 service time, and their ratio to the slowest rate's p99 (1.00 = no error
// added by the generator). The ceiling is the highest rate before the first one without ≥ 98 % sent
// and p99 within 1.5× the baseline. Traffic goes only to 127.0.0.1 and stops by itself (bounded in time).
// Run: npm run bench:loadtest   (RATES=100,200,… to choose the rates); after a 1 s warm-up
import { type ChildProcess, spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { runAgent, runStage, type Sample } from "../pipeline/src/loadtest/generator.js";
import { figuresOf } from "../pipeline/src/loadtest/stats.js";
import { table } from "../pipeline/src/output/format.js";

const SERVICE_MS = 5;
const SECONDS = 2;
const RATES = (process.env.RATES ?? "100,200,400,800,1600,3200")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);

const SERVER = `
const http = require("node:http");
const s = http.createServer((req, res) => setTimeout(() => { res.writeHead(200); res.end("ok"); }, ${SERVICE_MS}));
s.keepAliveTimeout = 30000;
s.listen(0, "127.0.0.1", () => process.stdout.write(String(s.address().port) + "\\n"));
`;

async function startServer(): Promise<{ child: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (d) => resolve(String(d).trim()));
    child.once("exit", (c) => reject(new Error(`server exited ${c}`)));
  });
  return { child, url: new URL(`http://127.0.0.1:${port}/`) };
}

const { child, url } = await startServer();
try {
  const agent = runAgent(url, 512);
  // warm-up: connections opened, code compiled; not measured
  await runStage({
    url,
    stage: 0,
    rate: 100,
    seconds: 1,
    pick: () => ({ index: 0, request: { method: "GET", path: "/" } }),
    timeoutMs: 5000,
    agent,
    monotonic: () => performance.now(),
    onSample: () => {},
  });
  const rows: string[][] = [];
  let baseline = 0;
  let ceiling: number | undefined;
  let failed = false;
  for (const rate of RATES) {
    const samples: Sample[] = [];
    const { sent } = await runStage({
      url,
      stage: 0,
      rate,
      seconds: SECONDS,
      pick: () => ({ index: 0, request: { method: "GET", path: "/" } }),
      timeoutMs: 5000,
      agent,
      monotonic: () => performance.now(),
      onSample: (s) => samples.push(s),
    });
    const f = figuresOf(samples);
    const sentShare = sent / (rate * SECONDS);
    if (!baseline) baseline = f.latency.p99Ms;
    const ratio = f.latency.p99Ms / baseline;
    const ok = sentShare >= 0.98 && ratio <= 1.5 && f.errors === 0;
    // the ceiling is where accuracy first fails: a lucky higher rate after a failure does not count
    if (ok && !failed) ceiling = rate;
    if (!ok) failed = true;
    rows.push([
      `${rate}/s`,
      `${(sentShare * 100).toFixed(1)} %`,
      `${f.latency.p99Ms.toFixed(1)} ms`,
      `${f.serviceTime.p99Ms.toFixed(1)} ms`,
      `${ratio.toFixed(2)}×`,
      `${f.maxSendDelayMs} ms`,
      ok ? "yes" : "no",
    ]);
  }
  agent.destroy();
  console.log(
    `load generator (loadtest package, open model) against a ${SERVICE_MS} ms server on 127.0.0.1, ${SECONDS} s per rate, Node ${process.version}\n`,
  );
  console.log(
    table(
      ["RATE", "SENT", "P99 (INTENDED)", "P99 (SERVICE)", "P99 / BASELINE", "MAX SEND DELAY", "ACCURATE"],
      rows,
    ),
  );
  console.log(
    `\nceiling: ${ceiling !== undefined ? `${ceiling} req/s` : "below the lowest rate"} (≥ 98 % sent, p99 within 1.5× of the ${RATES[0]}/s baseline)`,
  );
} finally {
  child.kill();
}
