import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { initRepo } from "../helpers/git.js";

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: ngx/web
`;

function overlay(tag: string): string {
  return `resources: [../base]\nnamespace: ngx\nimages:\n  - name: ngx/web\n    newName: registry.example/ngx/web\n    newTag: "${tag}"\n`;
}

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "ngx-diff-"));
  initRepo(
    root,
    {
      "environments/promotion.yaml":
        "argocdUrl: https://argocd.example.com\nenvironments:\n  - { name: dev, argocdApplication: app-dev, namespace: ngx }\n",
      "environments/base/kustomization.yaml": "resources: [deployment.yaml]\n",
      "environments/base/deployment.yaml": deployment,
      "environments/dev/kustomization.yaml": overlay("1.0.0"),
    },
    "init",
  );
  writeFileSync(join(root, "environments/dev/kustomization.yaml"), overlay("1.1.0"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("ngx-release diff", () => {
  it("shows the rendered change of the working tree against a revision, by resource, with the image change", async () => {
    const r = await runCli(["diff", "dev", "--base", "HEAD", "--json"], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.base.ref).toBe("HEAD");
    expect(out.resources).toHaveLength(1);
    expect(out.resources[0]).toMatchObject({
      ref: "Deployment/web",
      status: "changed",
      images: [
        { container: "web", from: "registry.example/ngx/web:1.0.0", to: "registry.example/ngx/web:1.1.0" },
      ],
    });
    expect(out.resources[0].patch).toContain("+        - image: registry.example/ngx/web:1.1.0");
  });

  it("reports no change between a revision and itself", async () => {
    const r = await runCli(["diff", "dev", "--base", "HEAD", "--head", "HEAD"], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("no rendered change");
  });

  it("rejects an unknown revision and an unknown environment with exit 2", async () => {
    const bad = await runCli(["diff", "dev", "--base", "no-such-ref"], { cwd: root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('git revision "no-such-ref" not found');
    const env = await runCli(["diff", "prod", "--base", "HEAD"], { cwd: root });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('unknown environment "prod" (valid: dev)');
  });
});
