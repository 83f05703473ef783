// rollouts/analysis/settings.yaml: the comparative templates' critical z is the normal quantile of
// the confidence written next to it (kustomize copies strings; it cannot compute one from the other).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { normalQuantile } from "../../pipeline/src/analysis/statistics.js";
import { REPO_ROOT } from "../analysis/fixture-repo.js";

describe("comparison settings", () => {
  const spec = parse(readFileSync(join(REPO_ROOT, "rollouts/analysis/settings.yaml"), "utf8")).spec;

  it("criticalZ = Φ⁻¹(confidence) to 1e-3", () => {
    const confidence = Number(spec.comparison.confidence);
    expect(confidence).toBeGreaterThan(0.5);
    expect(confidence).toBeLessThan(1);
    expect(Math.abs(Number(spec.comparison.criticalZ) - normalQuantile(confidence))).toBeLessThan(1e-3);
  });

  it("asks for a sample on each side and a non-negative margin", () => {
    expect(Number(spec.comparison.minRequests)).toBeGreaterThanOrEqual(1);
    expect(Number(spec.comparison.errorRate.margin)).toBeGreaterThanOrEqual(0);
    expect(Number(spec.comparison.latency.margin)).toBeGreaterThanOrEqual(0);
    expect(Number(spec.comparison.latency.quantile)).toBeGreaterThan(0);
    expect(Number(spec.comparison.latency.quantile)).toBeLessThan(1);
  });
});
