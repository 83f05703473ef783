// The extension point later features use: a PlanSection sees what the plan gathered and can say no.
import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlan, loadForPlan } from "../../pipeline/src/plan/plan.js";
import { defaultSections, type PlanSection } from "../../pipeline/src/plan/sections.js";
import { FakeGitHub } from "../helpers/fake-github.js";

const CHAIN = resolve(import.meta.dirname, "../fixtures/manifests/chain");
const REPO = resolve(import.meta.dirname, "../..");

describe("plan sections", () => {
  it("runs added sections after the default ones with the gathered context; a failing one fails the plan", async () => {
    const seen: string[] = [];
    const gates: PlanSection = {
      id: "soak-check",
      title: "Soak check",
      build(ctx) {
        seen.push(...ctx.promotions.map((p) => `${p.from}->${p.to}:${p.changes.length}`));
        return {
          id: "soak-check",
          title: "Soak check",
          ok: false,
          text: "soak: 10m left",
          data: { soakLeft: "10m" },
        };
      },
    };
    // env {}: a GITHUB_TOKEN in the developer's or CI's environment must not send the
    // pull-request section to api.github.com
    const plan = await buildPlan(loadForPlan(CHAIN), { env: {}, sections: [...defaultSections, gates] });
    expect(seen).toEqual(["dev->staging:2", "staging->production:1"]);
    expect(plan.sections.map((s) => [s.id, s.ok])).toEqual([
      ["validation", true],
      ["images", true],
      ["promotions", true],
      ["rendered-diff", true],
      ["gates", true],
      ["canary", true],
      ["pull-requests", true],
      ["soak-check", false],
    ]);
    expect(plan.ok).toBe(false);
    expect(plan.environments).toEqual(["dev", "staging", "production"]);
  });
});

describe("plan on the repository's own environments", () => {
  let gh: FakeGitHub | undefined;
  afterAll(() => gh?.server.close());

  it("shows each environment's canary steps from the rendered Rollouts", async () => {
    const plan = await buildPlan(loadForPlan(REPO), { env: {} });
    const canary = plan.sections.find((s) => s.id === "canary");
    const data = canary?.data as { env: string; strategies: { steps: string; rollouts: string[] }[] }[];
    const production = data.find((d) => d.env === "production");
    expect(production?.strategies).toEqual([
      {
        steps: "20% → pause 30m → 50% → pause 1h → 100%",
        rollouts: ["a2a-server", "agent-services", "api-gateway", "orchestrator", "vertex-ai-client"],
      },
    ]);
    expect(canary?.text).toContain("production  20% → pause 30m → 50% → pause 1h → 100%");
  });

  it("shows, per promotion, the rendered resources it would change and the gates with their reasons", async () => {
    const plan = await buildPlan(loadForPlan(REPO), { env: {} });
    const diff = plan.sections.find((s) => s.id === "rendered-diff")?.data as {
      from: string;
      to: string;
      resources: { ref: string; status: string }[];
      refused?: string;
    }[];
    // dev carries tags only: staging requires digests, so that promotion would be refused, and says why
    expect(diff[0]).toMatchObject({ from: "dev", to: "staging" });
    expect(diff[0]?.refused).toContain("staging requires images pinned by digest");
    // staging → production changes exactly the five Rollouts
    expect(diff[1]?.resources).toEqual(
      ["a2a-server", "agent-services", "api-gateway", "orchestrator", "vertex-ai-client"].map((n) => ({
        ref: `Rollout/${n}`,
        status: "changed",
      })),
    );
    const gates = plan.sections.find((s) => s.id === "gates");
    const reports = gates?.data as {
      environment: string;
      gates: { name: string; open: boolean; reason: string }[];
    }[];
    expect(reports.map((r) => r.environment)).toEqual(["staging", "production"]);
    const production = reports[1]?.gates ?? [];
    expect(production.map((g) => g.name)).toContain("google-signals");
    // without Argo CD nothing about the running environment can be proven: closed, never open
    expect(production.find((g) => g.name === "synced-healthy")).toMatchObject({ open: false });
    expect(gates?.ok).toBe(true); // a report: closed gates do not fail plan
    expect(gates?.text).toMatch(/production\s+synced-healthy\s+CLOSED/);
  });

  it("lists open promotion pull requests from GitHub and ignores unrelated ones", async () => {
    gh = await FakeGitHub.start("ngx-agents/ngx-agents-delivery");
    gh.push("main", { "README.md": "x" });
    const pull = {
      title: "",
      body: "",
      base: "main",
      state: "open" as const,
      merged_at: null,
      labels: [],
      comments: [],
    };
    gh.pulls.push({
      ...pull,
      number: 7,
      title: "Promote production: orchestrator 1.5.0",
      head: "promote/production",
    });
    gh.pulls.push({ ...pull, number: 8, title: "docs: typo", head: "fix-typo" });
    const plan = await buildPlan(loadForPlan(REPO), { env: gh.env() });
    const prs = plan.sections.find((s) => s.id === "pull-requests");
    expect(prs?.data).toEqual([
      expect.objectContaining({
        branch: "promote/production",
        number: 7,
        title: "Promote production: orchestrator 1.5.0",
      }),
    ]);
    expect(prs?.text).toContain("(GitHub)");
  });
});
