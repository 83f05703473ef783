// bench/rollback: remote requests (GitHub and Argo CD, reads and writes) from a failed-canary
// repository_dispatch payload to a merged rollback PR, for 2 and 5 Rollouts, plus the duplicate
// delivery of the same payload (stale after the merge), and the wall time against the local fakes.
// The library is called in-process with the real adapters (Octokit with retry + throttling, the
// Argo CD REST client), so the counts are what a workflow run sends.
// Run: npx tsx bench/rollback.ts
import { performance } from "node:perf_hooks";
import { RestArgoCd } from "../pipeline/src/adapters/argocd.js";
import { createForge } from "../pipeline/src/adapters/forge-factory.js";
import { GitHubLedger } from "../pipeline/src/adapters/github/ledger.js";
import { githubSettingsFromEnv } from "../pipeline/src/adapters/github/octokit.js";
import { loadRepo } from "../pipeline/src/config/load.js";
import { table } from "../pipeline/src/output/format.js";
import { parseDispatchPayload } from "../pipeline/src/rollback/payload.js";
import { rollback } from "../pipeline/src/rollback/rollback.js";
import { FakeArgoCd, rollout } from "../test/helpers/fake-argocd.js";
import { FakeGitHub } from "../test/helpers/fake-github.js";
import { addGitHubDeployments } from "../test/helpers/fake-github-deployments.js";
import { checkout } from "../test/promotion/fixture.js";
import { BAD, dispatchBody, files, seedGitHub, withFailedCanary } from "../test/rollback/fixture.js";

const NAMES = ["api-gateway", "orchestrator", "agent-services", "a2a-server", "vertex-ai-client"];

interface Run {
  rollouts: number;
  github: { reads: number; writes: number };
  argocd: { reads: number; writes: number };
  ms: number;
  githubMs: number;
  staleGithub: number;
  staleArgocd: number;
  status: string;
}

const isWrite = (m: string) => m !== "GET" && m !== "HEAD";

async function measure(n: number, spacing: "0" | "github"): Promise<Run> {
  const cs = NAMES.slice(0, n);
  const gh = await FakeGitHub.start("acme/delivery");
  const argo = await FakeArgoCd.start();
  try {
    const deployments = addGitHubDeployments(gh.server, { repository: "acme/delivery" });
    seedGitHub(gh, deployments, { components: cs });
    argo.withApp("ngx-agents-production", { health: "Progressing" });
    for (const c of cs) argo.withResource("ngx-agents-production", rollout({ name: c, paused: true }));
    withFailedCanary(argo, "ngx-agents-production");
    const repo = loadRepo(checkout(files(BAD, cs)));
    const env: NodeJS.ProcessEnv = gh.env();
    // the fake's env spaces writes 0 ms apart; "github" keeps Octokit's default (≥ 1 s, GitHub's guidance)
    if (spacing === "github") delete env.NGX_GITHUB_WRITE_SPACING_MS;
    const payload = parseDispatchPayload(dispatchBody("production", BAD), "payload.json");
    const once = async () => {
      const forge = await createForge(env, repo);
      const settings = githubSettingsFromEnv(env, repo.config.repository);
      if (!settings) throw new Error("bench: no GitHub settings");
      const ledger = GitHubLedger.create(settings, repo.config.baseBranch);
      const argocd = new RestArgoCd({ server: argo.url, token: argo.token, uiUrl: repo.config.argocdUrl });
      return rollback({
        repo,
        forge,
        ledger,
        argocd,
        env: "production",
        reason: payload.message ?? "",
        payload,
      });
    };
    const t0 = performance.now();
    const outcome = await once();
    const ms = performance.now() - t0;
    const gReq = [...gh.server.requests];
    const aReq = [...argo.server.requests];
    const again = await once();
    if (outcome.status !== "rolled-back" || !outcome.autoMerge.merged)
      throw new Error(`bench: ${outcome.message}`);
    if (again.status !== "stale") throw new Error(`bench: duplicate was ${again.status}`);
    return {
      rollouts: n,
      github: {
        reads: gReq.filter((r) => !isWrite(r.method)).length,
        writes: gReq.filter((r) => isWrite(r.method)).length,
      },
      argocd: {
        reads: aReq.filter((r) => !isWrite(r.method)).length,
        writes: aReq.filter((r) => isWrite(r.method)).length,
      },
      ms,
      githubMs: ms,
      staleGithub: gh.server.requests.length - gReq.length,
      staleArgocd: argo.server.requests.length - aReq.length,
      status: outcome.status,
    };
  } finally {
    await gh.server.close();
    await argo.close();
  }
}

const runs: Run[] = [];
for (const n of [2, 5]) {
  const fast = await measure(n, "0");
  const spaced = await measure(n, "github");
  runs.push({ ...fast, githubMs: spaced.ms });
}
console.log(
  "Failed canary payload → merged rollback PR (production, autoMerge on-analysis-failure), local fakes\n",
);
console.log(
  table(
    [
      "Rollouts",
      "GitHub reads",
      "GitHub writes",
      "Argo CD reads",
      "Argo CD writes",
      "total",
      "wall time (fakes)",
      "with 1 s write spacing",
      "duplicate payload",
    ],
    runs.map((r) => [
      String(r.rollouts),
      String(r.github.reads),
      String(r.github.writes),
      String(r.argocd.reads),
      String(r.argocd.writes),
      String(r.github.reads + r.github.writes + r.argocd.reads + r.argocd.writes),
      `${(r.ms / 1000).toFixed(1)} s`,
      `${(r.githubMs / 1000).toFixed(1)} s`,
      `${r.staleGithub + r.staleArgocd} requests (stale, ignored)`,
    ]),
  ),
);
for (const r of runs) {
  const github = r.github.reads + r.github.writes;
  console.log(
    `GitHub requests, rollout-aborted dispatch → merged rollback PR (${r.rollouts} Rollouts): ${github} (${r.github.writes} writes; + ${r.argocd.reads + r.argocd.writes} Argo CD) · goal ≤ 10 GitHub · ${github <= 10 ? "met" : "NOT met"}`,
  );
}
console.log(
  "\nArgo CD writes = one abort per moving Rollout (no explicit sync). Against GitHub, Octokit's throttling spaces mutating\n" +
    "requests ≥ 1 s apart (GitHub's guidance for secondary rate limits): that column, ≈ GitHub writes × 1 s, is what a\n" +
    "workflow run waits; the fakes answer in about a millisecond.",
);
