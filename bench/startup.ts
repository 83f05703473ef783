// bench/startup: `ngx-release --help` beside `node -e 0` (paired runs, median ratio). Goal ≤ 2.5×.
// Run: npm run bench:startup   (BENCH_RUNS, default 15)
import { CLI, ensureBuilt, goalLine, median, paired, timed } from "./lib/paired.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
ensureBuilt();
await timed(process.execPath, [CLI, "--help"]); // warm the page cache
const r = await paired(
  RUNS,
  () => timed(process.execPath, ["-e", "0"]),
  () => timed(process.execPath, [CLI, "--help"]),
);
const node = median(r.a.map((x) => x.ms));
const help = median(r.b.map((x) => x.ms));
const ratios = r.a.map((x, i) => (r.b[i]?.ms ?? 0) / x.ms);
const ratio = median(ratios);
console.log(
  `node -e 0: ${node.toFixed(0)} ms · ngx-release --help: ${help.toFixed(0)} ms (medians of ${RUNS} paired runs)`,
);
console.log(goalLine("--help vs node -e 0", `${ratio.toFixed(2)}×`, "≤ 2.5×", ratio <= 2.5));
