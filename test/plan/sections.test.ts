// The extension point later features use: a PlanSection sees what the plan gathered and can say no.
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPlan, loadForPlan } from "../../pipeline/src/plan/plan.js";
import { defaultSections, type PlanSection } from "../../pipeline/src/plan/sections.js";

const CHAIN = resolve(import.meta.dirname, "../fixtures/manifests/chain");

describe("plan sections", () => {
  it("runs added sections after the default ones with the gathered context; a failing one fails the plan", async () => {
    const seen: string[] = [];
    const gates: PlanSection = {
      id: "gates",
      title: "Gates",
      build(ctx) {
        seen.push(...ctx.promotions.map((p) => `${p.from}->${p.to}:${p.changes.length}`));
        return { id: "gates", title: "Gates", ok: false, text: "soak: 10m left", data: { soakLeft: "10m" } };
      },
    };
    const plan = await buildPlan(loadForPlan(CHAIN), { sections: [...defaultSections, gates] });
    expect(seen).toEqual(["dev->staging:2", "staging->production:1"]);
    expect(plan.sections.map((s) => [s.id, s.ok])).toEqual([
      ["validation", true],
      ["images", true],
      ["promotions", true],
      ["gates", false],
    ]);
    expect(plan.ok).toBe(false);
    expect(plan.environments).toEqual(["dev", "staging", "production"]);
  });
});
