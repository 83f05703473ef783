// `ngx-release plan` as users run it: the built CLI, real kustomize, fixture repositories.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const CHAIN = resolve(import.meta.dirname, "../fixtures/manifests/chain");
const work = mkdtempSync(join(tmpdir(), "ngx-plan-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** a copy of the clean chain fixture to change */
function copyChain(name: string): string {
  const dir = join(work, name);
  cpSync(CHAIN, dir, { recursive: true });
  return dir;
}

describe("ngx-release plan", () => {
  it("prints validation, images per environment and what each promotion would change", async () => {
    const r = await runCli(["plan", "--repo", CHAIN]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Release chain: dev → staging → production");
    expect(r.stdout).toMatch(/dev\s+api\s+1\.4\.0\s+registry\.example\.com\/shop\/api/);
    expect(r.stdout).toMatch(/production\s+api\s+@fedcba987654\s/);
    expect(r.stdout).toContain("dev → staging: 2 image(s) would change");
    expect(r.stdout).toContain("staging → production: 1 image(s) would change");
    expect(r.stdout).toContain("staging requires a digest; dev only has a tag");
  });

  it("--json: sections keyed by id with full digests", async () => {
    const r = await runCli(["--json", "plan", "--repo", CHAIN]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(Object.keys(plan.sections)).toEqual([
      "validation",
      "images",
      "promotions",
      "rendered-diff",
      "gates",
      "canary",
      "pull-requests",
    ]);
    expect(plan.sections.validation.data.ok).toBe(true);
    expect(plan.sections.promotions.data[1]).toEqual({
      from: "staging",
      to: "production",
      changes: [
        {
          component: "api",
          from: `sha256:${"fedcba9876543210".repeat(4)}`,
          to: `sha256:${"0123456789abcdef".repeat(4)}`,
        },
      ],
    });
  });

  it("still shows images but exits 1 when an environment has findings", async () => {
    const dir = copyChain("latest");
    writeFileSync(
      join(dir, "environments/dev/kustomization.yaml"),
      [
        "namespace: shop",
        "resources: [../base]",
        "images:",
        "  - {name: shop/api, newName: registry.example.com/shop/api, newTag: latest}",
        "  - {name: shop/cleanup, newName: registry.example.com/shop/cleanup, newTag: '2.0.1'}",
        "",
      ].join("\n"),
    );
    const r = await runCli(["plan", "--repo", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("== Validation FAILED");
    expect(r.stdout).toContain("policy/image-tag");
    expect(r.stdout).toMatch(/dev\s+api\s+latest/);
  });

  it("an empty repository: exit 2 and how to start", async () => {
    const dir = join(work, "empty");
    cpSync(CHAIN, dir, { recursive: true, filter: (src) => !src.includes("environments") });
    const r = await runCli(["plan", "--repo", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no release chain yet: environments/promotion.yaml not found");
    expect(r.stderr).toContain(
      "create environments/promotion.yaml listing the environments in promotion order",
    );
    expect(r.stdout).toBe("");
  });

  it("a partial repository: an environment without overlay is named (exit 2)", async () => {
    const dir = copyChain("partial");
    rmSync(join(dir, "environments/production"), { recursive: true });
    const r = await runCli(["plan", "--repo", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('environments[2].name "production" has no overlay');
  });

  it("a single environment: nothing to promote yet", async () => {
    const dir = copyChain("single");
    rmSync(join(dir, "environments/staging"), { recursive: true });
    rmSync(join(dir, "environments/production"), { recursive: true });
    writeFileSync(
      join(dir, "environments/promotion.yaml"),
      "argocdUrl: https://argocd.example.com\nenvironments:\n  - {name: dev, argocdApplication: shop-dev, namespace: shop}\n",
    );
    const r = await runCli(["plan", "--repo", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("only one environment (dev): nothing to promote");
  });

  it("an overlay without images: block is shown as such", async () => {
    const dir = copyChain("noimages");
    writeFileSync(
      join(dir, "environments/production/kustomization.yaml"),
      "namespace: shop\nresources: [../base]\n",
    );
    const r = await runCli(["--json", "plan", "--repo", dir]);
    const plan = JSON.parse(r.stdout);
    expect(plan.sections.images.data[2]).toEqual({
      env: "production",
      file: "environments/production/kustomization.yaml",
      images: [],
    });
    // base images are untagged there: validation says so
    expect(r.code).toBe(1);
    expect(plan.sections.validation.data.findings.map((f: { rule: string }) => f.rule)).toContain(
      "policy/image-tag",
    );
  });
});
