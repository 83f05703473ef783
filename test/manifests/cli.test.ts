// `ngx-release validate` as users run it: the built CLI as a process, real kustomize, fixture repos.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { BROKEN, CHAIN } from "./helpers.js";

const empty = mkdtempSync(join(tmpdir(), "ngx-validate-"));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

describe("ngx-release validate", () => {
  it("exits 0 on a clean repository and says what it checked", async () => {
    const r = await runCli(["validate", "--repo", CHAIN]);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "ok dev: 12 objects, 0 findings; staging: 12 objects, 0 findings; production: 12 objects, 0 findings",
    );
  });

  it("exits 1 with a table naming environment, object, field, rule and fix", async () => {
    const r = await runCli(["validate", "privileged", "latest-tag"], { cwd: BROKEN });
    expect(r.code).toBe(1);
    const row = r.stdout.split("\n").find((l) => l.includes("policy/image-tag"));
    expect(row).toMatch(
      /^latest-tag\s+Rollout\/api\s+spec\.template\.spec\.containers\[0\]\.image\s+policy\/image-tag\s+/,
    );
    expect(row).toContain("pin a version: set newTag (or digest)");
    expect(r.stdout).toContain('container "api" is privileged');
    expect(r.stdout).toContain("3 findings");
  });

  it("--json gives one parseable report with every finding", async () => {
    const r = await runCli(["--json", "validate", "unknown-field"], { cwd: BROKEN });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    expect(report.findings).toContainEqual({
      env: "unknown-field",
      object: "Service/api",
      path: "spec.portz",
      rule: "schema/unknown-field",
      message: 'unknown field "portz" (not in the v1 Service schema)',
      hint: "remove it or fix its spelling/indentation; unknown fields are silently dropped by the API server",
    });
  });

  it("--allow-kind accepts a kind without schema", async () => {
    expect((await runCli(["validate", "unknown-kind"], { cwd: BROKEN })).code).toBe(1);
    const r = await runCli(["validate", "unknown-kind", "--allow-kind", "example.com/v1/Widget"], {
      cwd: BROKEN,
    });
    expect(r.code).toBe(0);
  });

  it("a render failure exits 1 and says which overlay", async () => {
    const r = await runCli(["validate", "render-fails"], { cwd: BROKEN });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("render/failed");
    expect(r.stdout).toContain("does-not-exist.yaml");
  });

  it("an unknown environment exits 2 listing the valid ones", async () => {
    const r = await runCli(["validate", "qa", "--repo", CHAIN]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown environment "qa" (valid: dev, staging, production)');
  });

  it("outside a repository exits 2 naming the missing config", async () => {
    const r = await runCli(["validate"], { cwd: empty });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("environments/promotion.yaml not found");
  });

  it("a missing kustomize exits 2 with how to install it", async () => {
    const r = await runCli(["validate", "--repo", CHAIN], {
      env: { KUSTOMIZE_BIN: join(empty, "no-kustomize") },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("kustomize not found");
    expect(r.stderr).toContain("install kustomize");
  });
});

describe("validation.allowKinds in environments/promotion.yaml", () => {
  it("accepts the listed kinds in validate and plan; an unknown key under validation is a config error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ngx-allow-"));
    try {
      cpSync(CHAIN, dir, { recursive: true });
      writeFileSync(
        join(dir, "environments/base/widget.yaml"),
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: gadget}\nspec: {size: 3}\n",
      );
      const base = join(dir, "environments/base/kustomization.yaml");
      writeFileSync(
        base,
        readFileSync(base, "utf8").replace("resources:\n", "resources:\n  - widget.yaml\n"),
      );
      expect((await runCli(["validate", "dev", "--repo", dir])).code).toBe(1);
      const config = join(dir, "environments/promotion.yaml");
      const original = readFileSync(config, "utf8");
      writeFileSync(config, `${original}validation:\n  allowKinds: [example.com/v1/Widget]\n`);
      expect((await runCli(["validate", "dev", "--repo", dir])).code).toBe(0);
      writeFileSync(config, `${original}validation:\n  allowKind: [Widget]\n`);
      const bad = await runCli(["validate", "dev", "--repo", dir]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("environments/promotion.yaml: field validation");
      expect(bad.stderr).toContain("allowKind");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
