// The rollback pull request shows the picture (the rejected version marked, the rollback drawn) and
// deep links: the Rollout node in Argo CD, the Rollouts dashboard and the Grafana canary panel over the
// failed deployment's window.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalLedger } from "../../pipeline/src/ledger/local.js";
import { runCli } from "../helpers/cli.js";
import { TEST_NOW } from "../helpers/clock.js";
import { flowchartGraph, mermaidBlocks, parseMermaid } from "../helpers/mermaid.js";
import { git, gitRepo } from "../promotion/fixture.js";
import { BAD, files, GOOD, imagesAt, OVERLAY, versionId } from "./fixture.js";

let root: string;
let failingCreatedAt: string;
let failingLastStatus: string;

function withUrls(f: Record<string, string>): Record<string, string> {
  f["environments/promotion.yaml"] = (f["environments/promotion.yaml"] as string).replace(
    "    argocdApplication: ngx-agents-staging\n",
    "    argocdApplication: ngx-agents-staging\n    urls:\n      grafana: https://grafana.example.com\n      rolloutsDashboard: https://rollouts.example.com\n",
  );
  return f;
}

beforeAll(async () => {
  root = gitRepo(withUrls(files(GOOD)));
  const c1 = git(root, "rev-parse", "HEAD");
  writeFileSync(join(root, OVERLAY("staging")), withUrls(files(BAD))[OVERLAY("staging")] as string);
  git(root, "commit", "-q", "-am", "staging 1.1.0");
  const c2 = git(root, "rev-parse", "HEAD");
  const ledger = await LocalLedger.open(root, () => new Date(TEST_NOW));
  const good = await ledger.recordDeployment({
    environment: "staging",
    sha: c1,
    images: imagesAt("staging", GOOD),
    version: versionId(GOOD),
  });
  await ledger.setStatus(good.id, { state: "success" });
  const failing = await ledger.recordDeployment({
    environment: "staging",
    sha: c2,
    images: imagesAt("staging", BAD),
    version: versionId(BAD),
  });
  await ledger.setStatus(failing.id, { state: "in_progress" });
  const stored = (await ledger.listDeployments("staging", { limit: 1 }))[0];
  failingCreatedAt = stored?.createdAt as string;
  failingLastStatus = stored?.statuses.at(-1)?.createdAt as string;
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("rollback pull request: picture and links", () => {
  it("marks the rejected version, draws the rollback, links the Rollout, dashboard and Grafana window", async () => {
    const r = await runCli(["rollback", "staging", "--reason", 'p95 "regression" #12'], {
      cwd: root,
      env: { NGX_NOW: TEST_NOW },
    });
    expect(r.code, r.stderr).toBe(0);
    const blocks = mermaidBlocks(r.stdout);
    expect(blocks).toHaveLength(1);
    const picture = blocks[0] as string;
    expect(await parseMermaid(picture)).toBe("flowchart-v2");
    expect(await flowchartGraph(picture)).toEqual({
      nodes: ["env_dev", "env_production", "env_staging", "rejected_0", "rollback_staging"],
      edges: 2,
    });
    expect(picture).toContain('env_staging["staging<br/>1.1.0<br/>⛔ rejected"]');
    expect(picture).toContain(
      `rejected_0["⛔ rejected ${versionId(BAD)}<br/>p95 #quot;regression#quot; #35;12"]`,
    );
    expect(picture).toContain('rollback_staging["↩ rollback of staging<br/>1.1.0 → 1.0.0"]');
    const from = Date.parse(failingCreatedAt);
    const to = Date.parse(failingLastStatus);
    for (const c of ["api-gateway", "orchestrator"]) {
      expect(r.stdout).toContain(
        `(<https://argocd.example.test/applications/argocd/ngx-agents-staging?resource=&node=argoproj.io%2FRollout%2Fngx-agents%2F${c}%2F0>)`,
      );
      expect(r.stdout).toContain(`(<https://rollouts.example.com/rollouts/rollout/ngx-agents/${c}>)`);
      expect(r.stdout).toContain(
        `(<https://grafana.example.com/d/ngx-canary/ngx-agents-canary?var-component=${c}&var-environment=staging&from=${from}&to=${to}>)`,
      );
    }
  });
});
