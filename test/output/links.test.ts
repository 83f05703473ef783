// Deep links from promotion.yaml: exact Argo CD node, Rollouts dashboard and Grafana URLs, per-environment
// overrides, and names that would end a Markdown link encoded.
import { describe, expect, it } from "vitest";
import { promotionConfigSchema } from "../../pipeline/src/config/schema.js";
import {
  analysisRunNodeUrl,
  applicationUrl,
  environmentLinks,
  grafanaCanaryUrl,
  markdownLink,
  promotionLinks,
  rollbackLinks,
  rolloutNodeUrl,
  rolloutsDashboardUrl,
} from "../../pipeline/src/output/links.js";
import { hoursBefore, TEST_NOW } from "../helpers/clock.js";

const config = promotionConfigSchema.parse({
  argocdUrl: "https://argocd.example.com/",
  environments: [
    { name: "dev", argocdApplication: "ngx-agents-dev", namespace: "ngx-dev" },
    {
      name: "production",
      argocdApplication: "ngx-agents-production",
      namespace: "ngx-agents",
      urls: {
        argocd: "https://argocd.prod.example.com",
        grafana: "https://grafana.example.com/",
        rolloutsDashboard: "https://rollouts.prod.example.com",
      },
    },
  ],
});
const [dev, production] = config.environments as [
  (typeof config.environments)[0],
  (typeof config.environments)[0],
];

describe("deep links", () => {
  it("Argo CD: the application, a Rollout node and an AnalysisRun node (group/kind/namespace/name/0)", () => {
    const l = environmentLinks(config, production);
    expect(applicationUrl(l)).toBe(
      "https://argocd.prod.example.com/applications/argocd/ngx-agents-production",
    );
    expect(rolloutNodeUrl(l, "orchestrator")).toBe(
      "https://argocd.prod.example.com/applications/argocd/ngx-agents-production?resource=&node=argoproj.io%2FRollout%2Fngx-agents%2Forchestrator%2F0",
    );
    expect(analysisRunNodeUrl(l, "orchestrator-7c9d-2")).toBe(
      "https://argocd.prod.example.com/applications/argocd/ngx-agents-production?resource=&node=argoproj.io%2FAnalysisRun%2Fngx-agents%2Forchestrator-7c9d-2%2F0",
    );
    // without an override the top-level argocdUrl is used (trailing slash dropped)
    expect(rolloutNodeUrl(environmentLinks(config, dev), "api-gateway")).toBe(
      "https://argocd.example.com/applications/argocd/ngx-agents-dev?resource=&node=argoproj.io%2FRollout%2Fngx-dev%2Fapi-gateway%2F0",
    );
  });

  it("the Rollouts dashboard and Grafana with var-component, var-environment and the canary's time range", () => {
    const l = environmentLinks(config, production);
    expect(rolloutsDashboardUrl(l, "orchestrator")).toBe(
      "https://rollouts.prod.example.com/rollouts/rollout/ngx-agents/orchestrator",
    );
    const from = new Date(hoursBefore(2));
    const to = new Date(TEST_NOW);
    expect(grafanaCanaryUrl(l, "orchestrator", { from, to })).toBe(
      `https://grafana.example.com/d/ngx-canary/ngx-agents-canary?var-component=orchestrator&var-environment=production&from=${from.getTime()}&to=${to.getTime()}`,
    );
    expect(grafanaCanaryUrl(l, "orchestrator", { from })).toBe(
      `https://grafana.example.com/d/ngx-canary/ngx-agents-canary?var-component=orchestrator&var-environment=production&from=${from.getTime()}&to=now`,
    );
    // no Grafana or dashboard configured: no link rather than a guess
    expect(grafanaCanaryUrl(environmentLinks(config, dev), "orchestrator")).toBeUndefined();
    expect(rolloutsDashboardUrl(environmentLinks(config, dev), "orchestrator")).toBeUndefined();
  });

  it("promotion and rollback link sets", () => {
    expect(promotionLinks(config, dev, production, ["orchestrator"])).toEqual([
      {
        label: "dev: Argo CD: Rollout orchestrator",
        url: "https://argocd.example.com/applications/argocd/ngx-agents-dev?resource=&node=argoproj.io%2FRollout%2Fngx-dev%2Forchestrator%2F0",
      },
      {
        label: "production: Argo CD: Rollout orchestrator",
        url: "https://argocd.prod.example.com/applications/argocd/ngx-agents-production?resource=&node=argoproj.io%2FRollout%2Fngx-agents%2Forchestrator%2F0",
      },
    ]);
    const from = new Date(hoursBefore(1));
    expect(
      rollbackLinks(config, production, {
        rollouts: ["orchestrator", "orchestrator"],
        analysisRun: "orchestrator-7c9d-2",
        range: { from, to: new Date(TEST_NOW) },
      }).map((l) => l.label),
    ).toEqual([
      "Argo CD: Rollout orchestrator",
      "Argo CD: AnalysisRun orchestrator-7c9d-2",
      "Argo Rollouts dashboard: orchestrator",
      "Grafana: canary vs stable, orchestrator in production",
    ]);
  });

  it("names that would end a Markdown link or inject one are encoded; labels are inert", () => {
    const l = environmentLinks(config, production);
    const url = rolloutNodeUrl(l, "x)](https://evil.example) <b>");
    expect(url).toBe(
      "https://argocd.prod.example.com/applications/argocd/ngx-agents-production?resource=&node=argoproj.io%2FRollout%2Fngx-agents%2Fx%29%5D%28https%3A%2F%2Fevil.example%29%20%3Cb%3E%2F0",
    );
    expect(markdownLink({ label: "Rollout [x](https://evil.example)", url })).toBe(
      `[Rollout \\[x\\]\\(https\\:\\/\\/evil\\.example\\)](<${url}>)`,
    );
  });

  it("promotion.yaml refuses an unknown urls field and a URL that is not one", () => {
    const env = { name: "dev", argocdApplication: "a", namespace: "n" };
    const bad = (urls: unknown) =>
      promotionConfigSchema.safeParse({ argocdUrl: "https://a.example", environments: [{ ...env, urls }] });
    expect(bad({ grafana: "grafana.example.com" }).success).toBe(false);
    expect(bad({ kibana: "https://k.example" }).success).toBe(false);
    expect(bad({ grafana: "https://g.example" }).success).toBe(true);
  });
});
