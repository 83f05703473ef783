// Remote requests from a rollout-aborted repository_dispatch payload to the merged rollback PR, as
// upper bounds (issue 19's goal: ≤ 10 GitHub requests): the real adapters (Octokit with retry and
// throttling, the Argo CD REST client) against the fakes. Counts are deterministic, so a change that
// adds a request fails here; lower the bound when a change removes one. `npm run bench:rollback`
// prints the same figures beside their goal.
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { RestArgoCd } from "../../pipeline/src/adapters/argocd.js";
import { createForge } from "../../pipeline/src/adapters/forge-factory.js";
import { GitHubLedger } from "../../pipeline/src/adapters/github/ledger.js";
import { githubSettingsFromEnv } from "../../pipeline/src/adapters/github/octokit.js";
import { loadRepo } from "../../pipeline/src/config/load.js";
import { parseDispatchPayload } from "../../pipeline/src/rollback/payload.js";
import { rollback } from "../../pipeline/src/rollback/rollback.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { addGitHubDeployments } from "../helpers/fake-github-deployments.js";
import { checkout } from "../promotion/fixture.js";
import { BAD, dispatchBody, files, seedGitHub, withFailedCanary } from "./fixture.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const isWrite = (m: string) => m !== "GET" && m !== "HEAD";

describe("remote requests of a rollback from a dispatch (upper bounds)", () => {
  it("failed canary payload → merged rollback PR: GitHub ≤ 26, Argo CD ≤ 11", async () => {
    const cs = ["api-gateway", "orchestrator"];
    const gh = await FakeGitHub.start("acme/delivery");
    cleanups.push(() => gh.server.close());
    const argo = await FakeArgoCd.start();
    cleanups.push(() => argo.close());
    const deployments = addGitHubDeployments(gh.server, { repository: "acme/delivery" });
    seedGitHub(gh, deployments, { components: cs });
    argo.withApp("ngx-agents-production", { health: "Progressing" });
    for (const c of cs) argo.withResource("ngx-agents-production", rollout({ name: c, paused: true }));
    withFailedCanary(argo, "ngx-agents-production");
    const repo = loadRepo(checkout(files(BAD, cs)));
    cleanups.push(() => rmSync(repo.root, { recursive: true, force: true }));
    const env = gh.env();
    const payload = parseDispatchPayload(dispatchBody("production", BAD), "payload.json");
    const settings = githubSettingsFromEnv(env, repo.config.repository);
    if (!settings) throw new Error("no GitHub settings from the fake's environment");
    const outcome = await rollback({
      repo,
      forge: await createForge(env, repo),
      ledger: GitHubLedger.create(settings, repo.config.baseBranch),
      argocd: new RestArgoCd({ server: argo.url, token: argo.token, uiUrl: repo.config.argocdUrl }),
      env: "production",
      reason: payload.message ?? "",
      payload,
    });
    expect(outcome.status, outcome.message).toBe("rolled-back");
    expect(outcome.autoMerge.merged).toBe(true);
    const log = (rs: readonly { method: string; path: string }[]) =>
      rs.map((r) => `${r.method} ${r.path}`).join("\n");
    const github = gh.server.requests;
    const argocd = argo.server.requests;
    expect(github.length, log(github)).toBeLessThanOrEqual(26);
    expect(github.filter((r) => isWrite(r.method)).length, log(github)).toBeLessThanOrEqual(11);
    expect(argocd.length, log(argocd)).toBeLessThanOrEqual(11);
  });
});
