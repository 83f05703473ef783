// `validate` as strict as the API server: every rendered tree including the root kustomization.yaml
// (the Argo CD bootstrap), the CRDs' CEL rules and ObjectMeta syntax, with real kustomize and the built
// CLI. The root-tree cases run on a temporary copy of this repository's own kustomization.yaml and
// rollouts/ next to the small chain fixture, so the real ApplicationSet is what gets broken.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { environmentByName, loadRepo } from "../../pipeline/src/config/load.js";
import { ROOT_TREE, validateEnvironments } from "../../pipeline/src/manifests/validate.js";
import { runCli } from "../helpers/cli.js";
import { CHAIN, FIXTURES } from "./helpers.js";

const REPO = resolve(import.meta.dirname, "../..");
const API_SERVER = join(FIXTURES, "api-server");

describe("the repository's own trees", () => {
  it("validate with no arguments checks every environment and the root kustomization.yaml, all clean", async () => {
    const r = await runCli(["--json", "validate"], { cwd: REPO });
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout);
    expect(report.findings).toEqual([]);
    expect(r.code).toBe(0);
    const trees = report.environments.map((e: { env: string; rendered: boolean }) => [e.env, e.rendered]);
    expect(trees).toEqual([
      ["dev", true],
      ["staging", true],
      ["production", true],
      [ROOT_TREE, true],
    ]);
    const root = report.environments.find((e: { env: string }) => e.env === ROOT_TREE);
    // ConfigMap, AppProject, ApplicationSet, ExternalSecret, SecretStore and ServiceAccount of its token
    expect(root.objects).toBe(6);
  });
});

describe("the root kustomization.yaml (Argo CD bootstrap)", () => {
  let tmp: string;
  const appset = () => join(tmp, "rollouts/argocd/applicationset.yaml");

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "ngx-root-tree-"));
    cpSync(join(CHAIN, "environments"), join(tmp, "environments"), { recursive: true });
    cpSync(join(REPO, "rollouts"), join(tmp, "rollouts"), { recursive: true });
    cpSync(join(REPO, "kustomization.yaml"), join(tmp, "kustomization.yaml"));
    // the chain fixture deploys into namespace shop: let the real AppProject admit it
    // (argo-cd/project-destination would otherwise refuse every object of it, rightly)
    const project = join(tmp, "rollouts/argocd/appproject.yaml");
    writeFileSync(
      project,
      readFileSync(project, "utf8").replace(/namespace: ngx-agents \}/g, "namespace: shop }"),
    );
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("is validated and named (root) when it is clean", async () => {
    const r = await runCli(["validate", "--repo", tmp]);
    expect(r.stdout).toContain(
      "ok dev: 12 objects, 0 findings; staging: 12 objects, 0 findings; production: 12 objects, 0 findings; (root): 6 objects, 0 findings",
    );
    expect(r.code).toBe(0);
  });

  it("an unknown field in the ApplicationSet's Application template is a finding of validate and plan", async () => {
    const clean = readFileSync(appset(), "utf8");
    expect(clean).toContain("          selfHeal: true\n");
    writeFileSync(
      appset(),
      clean.replace("          selfHeal: true\n", "          selfHeal: true\n          selfHael: true\n"),
    );
    try {
      const r = await runCli(["--json", "validate", "--repo", tmp]);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).findings).toEqual([
        {
          env: ROOT_TREE,
          object: "ApplicationSet/ngx-agents",
          path: "spec.template.spec.syncPolicy.automated.selfHael",
          rule: "schema/unknown-field",
          message: 'unknown field "selfHael" (not in the argoproj.io/v1alpha1 ApplicationSet schema)',
          hint: "remove it or fix its spelling/indentation; unknown fields are silently dropped by the API server",
        },
      ]);
      const table = await runCli(["validate", "--repo", tmp]);
      expect(table.stdout).toMatch(
        /^\(root\)\s+ApplicationSet\/ngx-agents\s+spec\.template\.spec\.syncPolicy\.automated\.selfHael\s+schema\/unknown-field/m,
      );
      expect(table.stdout).toContain("(root): 6 objects, 1 findings");

      const plan = await runCli(["plan", "--repo", tmp]);
      expect(plan.code).toBe(1);
      expect(plan.stdout).toContain("(root): 6 objects, 1 findings");
      expect(plan.stdout).toContain("selfHael");

      // naming environments checks just those
      expect((await runCli(["validate", "dev", "--repo", tmp])).code).toBe(0);
    } finally {
      writeFileSync(appset(), clean);
    }
  });

  it("a root tree that does not render is a render/failed finding naming kustomization.yaml", async () => {
    const root = readFileSync(join(tmp, "kustomization.yaml"), "utf8");
    writeFileSync(join(tmp, "kustomization.yaml"), `${root}\n  - does-not-exist.yaml\n`);
    try {
      const report = await validateEnvironments(loadRepo(tmp), []);
      expect(report.ok).toBe(false);
      const f = report.findings.filter((x) => x.env === ROOT_TREE);
      expect(f.map((x) => [x.object, x.path, x.rule])).toEqual([
        ["(render)", "kustomization.yaml", "render/failed"],
      ]);
      expect(f[0]?.message).toContain("does-not-exist.yaml");
      expect(f[0]?.message).not.toContain(tmp);
      expect(f[0]?.hint).toContain("kubectl kustomize .");
    } finally {
      writeFileSync(join(tmp, "kustomization.yaml"), root);
    }
  });

  it("a repository without a root kustomization.yaml validates its environments only", async () => {
    const report = await validateEnvironments(loadRepo(CHAIN), []);
    expect(report.environments.map((e) => e.env)).toEqual(["dev", "staging", "production"]);
  });
});

describe("rules only the API server enforces, on rendered fixture overlays", () => {
  const repo = loadRepo(API_SERVER);
  const findingsOf = async (env: string) =>
    (await validateEnvironments(repo, [environmentByName(repo, env)])).findings.map((f) => ({
      object: f.object,
      path: f.path,
      rule: f.rule,
      message: f.message,
    }));

  it("a KEDA ScaledObject with minReplicaCount 5 and maxReplicaCount 3 (KEDA's CRD CEL rule)", async () => {
    expect(await findingsOf("keda-bounds")).toContainEqual({
      object: "ScaledObject/api",
      path: "spec",
      rule: "crd/validation-rule",
      message: "minReplicaCount must be less than or equal to maxReplicaCount",
    });
  });

  it('a label value with a space (owner: "team a")', async () => {
    expect(await findingsOf("label-syntax")).toContainEqual({
      object: "Rollout/api",
      path: "metadata.labels.owner",
      rule: "meta/label-value",
      message:
        "label owner=\"team a\": must be empty or consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit (no spaces, no '/', no ':')",
    });
  });
});
