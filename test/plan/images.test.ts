import { describe, expect, it } from "vitest";
import { type EnvironmentImages, promotionChanges, version } from "../../pipeline/src/plan/images.js";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;
const env = (name: string, images: EnvironmentImages["images"]): EnvironmentImages => ({
  env: name,
  file: `environments/${name}/kustomization.yaml`,
  images,
});
const img = (component: string, v: { tag?: string; digest?: string }) => ({
  component,
  name: `ngx/${component}`,
  image: `r.example.com/ngx/${component}`,
  ...v,
});

describe("promotionChanges", () => {
  it("lists only components whose version differs", () => {
    const staging = env("staging", [img("api", { digest: D1 }), img("worker", { digest: D1 })]);
    const production = env("production", [img("api", { digest: D2 }), img("worker", { digest: D1 })]);
    expect(promotionChanges(staging, production, true)).toEqual({
      from: "staging",
      to: "production",
      changes: [{ component: "api", from: D2, to: D1 }],
    });
  });

  it("says when the target needs a digest the source does not have, and when the source lacks a component", () => {
    const dev = env("dev", [img("api", { tag: "1.2.0" })]);
    const staging = env("staging", [img("api", { digest: D1 }), img("redis", { digest: D2 })]);
    expect(promotionChanges(dev, staging, true).changes).toEqual([
      { component: "api", from: D1, to: "1.2.0", note: "staging requires a digest; dev only has a tag" },
      { component: "redis", from: D2, note: "not set in dev: promotion leaves it" },
    ]);
  });

  it("nothing to change when both sides agree", () => {
    const a = env("a", [img("api", { tag: "1.0.0", digest: D1 })]);
    expect(promotionChanges(a, { ...a, env: "b" }, false).changes).toEqual([]);
    expect(version(a.images[0])).toBe(`1.0.0@${D1}`);
  });
});
