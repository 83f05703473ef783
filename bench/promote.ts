// bench/promote: GitHub requests per promotion (first, no-op rerun, superseding update) for 1 and 12
// changed components — the count must not grow with components — and the wall time of a promotion
// against the local GitHub fake beside a bare `git commit` of the same edit, measured in one run.
// Run: npx tsx bench/promote.ts
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createForge } from "../pipeline/src/adapters/forge-factory.js";
import { LocalGitForge } from "../pipeline/src/adapters/local-git.js";
import { loadRepo } from "../pipeline/src/config/load.js";
import { table } from "../pipeline/src/output/format.js";
import { promote } from "../pipeline/src/promotion/promote.js";
import { FakeGitHub } from "../test/helpers/fake-github.js";
import { checkout, fixtureFiles, git, gitRepo, overlay, pinned, uniform } from "../test/promotion/fixture.js";

const DEV = "environments/dev/kustomization.yaml";
const STAGING = "environments/staging/kustomization.yaml";

function components(n: number): string[] {
  const names = ["api-gateway", "orchestrator", "agent-services", "a2a-server", "vertex-ai-client"];
  return Array.from({ length: n }, (_, i) => names[i] ?? `component-${i + 1}`);
}

interface Counts {
  total: number;
  writes: number;
}

async function measure(n: number): Promise<{ first: Counts; rerun: Counts; supersede: Counts; ms: number }> {
  const cs = components(n);
  const files = fixtureFiles({ components: cs, dev: uniform(cs, pinned("1.1.0")) });
  const gh = await FakeGitHub.start();
  try {
    gh.push("main", files);
    const repo = loadRepo(checkout(files));
    const run = async (): Promise<Counts> => {
      const before = gh.server.requests.length;
      const writesBefore = gh.writes().length;
      await promote({ repo, forge: await createForge(gh.env(), repo), from: "dev", to: "staging" });
      return { total: gh.server.requests.length - before, writes: gh.writes().length - writesBefore };
    };
    const t0 = performance.now();
    const first = await run();
    const ms = performance.now() - t0;
    const rerun = await run();
    gh.push("main", { [DEV]: overlay("dev", uniform(cs, pinned("1.2.0"))) });
    const supersede = await run();
    return { first, rerun, supersede, ms };
  } finally {
    await gh.server.close();
  }
}

async function localPromotionMs(): Promise<number> {
  const files = fixtureFiles({ dev: uniform(components(1), pinned("1.1.0")), components: components(1) });
  const dir = gitRepo(files);
  const repo = loadRepo(dir);
  const t0 = performance.now();
  await promote({ repo, forge: new LocalGitForge(dir), from: "dev", to: "staging" });
  return performance.now() - t0;
}

function bareGitCommitMs(): number {
  const cs = components(1);
  const dir = gitRepo(fixtureFiles({ components: cs, dev: uniform(cs, pinned("1.1.0")) }));
  const t0 = performance.now();
  writeFileSync(join(dir, STAGING), overlay("staging", uniform(cs, pinned("1.1.0"))));
  git(dir, "commit", "-q", "-m", "promote staging", "--", STAGING);
  return performance.now() - t0;
}

const one = await measure(1);
const twelve = await measure(12);
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}
// medians of several runs: the machine may be busy
const locals: number[] = [];
for (let i = 0; i < 3; i++) locals.push(await localPromotionMs());
const local = median(locals);
const bare = median(Array.from({ length: 7 }, bareGitCommitMs));

const fmt = (c: Counts) => `${c.total} (${c.writes} writes)`;
console.log("GitHub requests per promotion (against the local fake):\n");
console.log(
  table(
    ["changed components", "first promotion", "no-op rerun", "superseding update"],
    [
      ["1", fmt(one.first), fmt(one.rerun), fmt(one.supersede)],
      ["12", fmt(twelve.first), fmt(twelve.rerun), fmt(twelve.supersede)],
    ],
  ),
);
const flat =
  one.first.total === twelve.first.total &&
  one.rerun.total === twelve.rerun.total &&
  one.supersede.total === twelve.supersede.total;
console.log(`\nrequest count independent of the number of components: ${flat ? "yes" : "NO"}`);
console.log(
  "\nWall time of one first promotion beside a bare `git commit` of the same edit (git and local: medians):\n",
);
console.log(
  table(
    ["what", "ms", "× git commit"],
    [
      ["git commit (bare)", bare.toFixed(0), "1.0"],
      ["promote, local-git forge", local.toFixed(0), (local / bare).toFixed(1)],
      ["promote, GitHub fake, 1 component", one.ms.toFixed(0), (one.ms / bare).toFixed(1)],
      ["promote, GitHub fake, 12 components", twelve.ms.toFixed(0), (twelve.ms / bare).toFixed(1)],
    ],
  ),
);
console.log(
  "\nBoth promotions include two kustomize renders for the PR's rendered diff. Against the fake the\n" +
    "write spacing of @octokit/plugin-throttling is off (NGX_GITHUB_WRITE_SPACING_MS=0); against real GitHub\n" +
    "it adds 1 s between writes and 3 s before a PR is opened, as GitHub asks of clients creating content.",
);
const goal = (what: string, c: Counts, max: number, maxWrites?: number) =>
  `${what}: ${fmt(c)} · goal ≤ ${max}${maxWrites === undefined ? "" : ` with ${maxWrites} writes`} · ${c.total <= max && (maxWrites === undefined || c.writes <= maxWrites) ? "met" : "NOT met"}`;
console.log(`\n${goal("GitHub requests, first promotion", one.first, 8)}`);
console.log(goal("GitHub requests, no-op rerun", one.rerun, 4, 0));
console.log(goal("GitHub requests, superseding release", one.supersede, 8));
if (!flat) process.exitCode = 1;
