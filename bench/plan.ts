// bench/plan: `ngx-release plan` (warm) beside the bare kustomize renders of the trees it renders
// (found by running plan once with a logging KUSTOMIZE_BIN; the promoted overlay's render in a
// temporary copy counts as a render of the same overlay), run concurrently. Paired runs, median
// ratio. Goal: plan ≤ 2.5× its renders.
// Run: npm run bench:plan   (BENCH_RUNS, default 5)
import {
  bareRenders,
  CLI,
  ensureBuilt,
  goalLine,
  median,
  paired,
  ROOT,
  rendersOf,
  timed,
} from "./lib/paired.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
ensureBuilt();
const trees = await rendersOf(["plan"], ROOT); // also the warm-up run
const r = await paired(
  RUNS,
  () => bareRenders(trees),
  () => timed(process.execPath, [CLI, "plan", "--repo", ROOT]),
);
const bare = median(r.a.map((x) => x.ms));
const plan = median(r.b.map((x) => x.ms));
const ratio = median(r.a.map((x, i) => (r.b[i]?.ms ?? 0) / x.ms));
console.log(
  `kustomize renders per plan run: ${trees.length} (${trees.map((t) => t.replace(`${ROOT}/`, "").replace(ROOT, ".")).join(", ")})`,
);
console.log(
  `bare renders: ${bare.toFixed(0)} ms · plan: ${plan.toFixed(0)} ms (medians of ${RUNS} paired runs; exit codes ${r.b.map((x) => x.code).join(",")})`,
);
console.log(goalLine("plan vs its renders", `${ratio.toFixed(2)}×`, "≤ 2.5×", ratio <= 2.5));
