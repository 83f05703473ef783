// The promotion pull request shows the picture (valid Mermaid: every environment with its version and
// this promotion with its gates) and deep links to the Rollouts and the Grafana canary panel.
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { flowchartGraph, mermaidBlocks, parseMermaid } from "../helpers/mermaid.js";
import { DEFAULT_COMPONENTS, fixtureFiles, gitRepo, pinned, uniform } from "./fixture.js";

function files(): Record<string, string> {
  const f = fixtureFiles({ dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")) });
  // dev gets its own Argo CD and a Grafana: the links are built from these
  f["environments/promotion.yaml"] = (f["environments/promotion.yaml"] as string).replace(
    "    argocdApplication: ngx-agents-dev\n",
    "    argocdApplication: ngx-agents-dev\n    urls:\n      argocd: https://argocd.dev.example.com\n      grafana: https://grafana.example.com\n",
  );
  return f;
}

describe("promotion pull request: picture and links", () => {
  it("--dry-run body carries a parseable picture and the exact Rollout and Grafana links", async () => {
    const dir = gitRepo(files());
    const r = await runCli(["promote", "dev", "staging", "--dry-run"], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const blocks = mermaidBlocks(r.stdout);
    expect(blocks).toHaveLength(1);
    const picture = blocks[0] as string;
    expect(await parseMermaid(picture)).toBe("flowchart-v2");
    expect(await flowchartGraph(picture)).toEqual({
      nodes: ["env_dev", "env_production", "env_staging", "promote_staging"],
      edges: 2,
    });
    expect(picture).toContain('env_dev["dev<br/>1.1.0"]');
    expect(picture).toContain('env_staging["staging<br/>1.0.0"]');
    expect(picture).toContain("promote dev → staging<br/>carries 1.1.0");
    expect(picture).toContain("no gates configured<br/>this pull request");
    expect(picture).toContain('click env_dev href "https://argocd.dev.example.com/applications/argocd/');
    // labels are inert Markdown text (output/inert.ts mdText), rendering as "dev: Argo CD: Rollout orchestrator"
    expect(r.stdout).toContain("### Links");
    expect(r.stdout).toContain(
      "- [dev\\: Argo CD\\: Rollout orchestrator](<https://argocd.dev.example.com/applications/argocd/ngx-agents-dev?resource=&node=argoproj.io%2FRollout%2Fngx-agents%2Forchestrator%2F0>)",
    );
    expect(r.stdout).toContain(
      "- [dev\\: Grafana\\: canary vs stable, orchestrator in dev](<https://grafana.example.com/d/ngx-canary/ngx-agents-canary?var-component=orchestrator&var-environment=dev>)",
    );
  });
});
