// GitHub Actions-native output (GITHUB_ACTIONS=true): validate findings become `::error file=…,line=…`
// annotations at the source line, status writes a job summary with the picture and a table, any error
// becomes an `::error` annotation; foreign text cannot end a command, start another or break a table.
// Outside Actions nothing of this is written.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { versionOf } from "../../pipeline/src/ledger/version.js";
import { SourceLocator } from "../../pipeline/src/manifests/source-location.js";
import { type GateRepo, gateRepo, V1 } from "../gates/fixture.js";
import { runCli } from "../helpers/cli.js";
import { TEST_NOW } from "../helpers/clock.js";
import { mermaidBlocks, parseMermaid } from "../helpers/mermaid.js";
import { BROKEN } from "../manifests/helpers.js";
import { DEFAULT_COMPONENTS, fixtureFiles, gitRepo, pinned, uniform } from "../promotion/fixture.js";

const ROOT = resolve(import.meta.dirname, "../..");
let scratch: string;
let repo: GateRepo;
let n = 0;
const summaryFile = () => join(scratch, `summary-${++n}.md`);
const actionsEnv = (file: string) => ({
  GITHUB_ACTIONS: "true",
  GITHUB_STEP_SUMMARY: file,
  NGX_NOW: TEST_NOW,
});

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "ngx-actions-"));
  repo = gateRepo();
  const { LocalLedger } = await import("../../pipeline/src/ledger/local.js");
  const ledger = await LocalLedger.open(repo.root);
  await ledger.reject({
    version: versionOf(V1),
    reason: "p95 | 7s <script>x</script>\n::warning::forged ##[error]forged",
    environment: "production",
  });
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  repo.cleanup();
});

const commands = (stderr: string) => stderr.split("\n").filter((l) => /^\s*::|##\[/.test(l));

describe("GitHub Actions output", () => {
  it("validate: one ::error per finding at the overlay line that causes it; a summary table; stdout stays JSON", async () => {
    const file = summaryFile();
    const r = await runCli(["validate", "unknown-field", "latest-tag", "--json"], {
      cwd: BROKEN,
      env: actionsEnv(file),
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings).toHaveLength(3);
    const lines = commands(r.stderr);
    expect(lines.filter((l) => !l.startsWith("::notice "))).toEqual([
      '::error file=environments/unknown-field/kustomization.yaml,line=7,title=schema/unknown-field (unknown-field)::Rollout/api spec.template.spec.containers[0].resource: unknown field "resource" (not in the core PodTemplateSpec schema) — fix: remove it or fix its spelling/indentation; unknown fields are silently dropped by the API server',
      '::error file=environments/unknown-field/kustomization.yaml,line=12,title=schema/unknown-field (unknown-field)::Service/api spec.portz: unknown field "portz" (not in the v1 Service schema) — fix: remove it or fix its spelling/indentation; unknown fields are silently dropped by the API server',
      `::error file=environments/latest-tag/kustomization.yaml,line=8,title=policy/image-tag (latest-tag)::Rollout/api spec.template.spec.containers[0].image: container "api" image "registry.example.com/shop/api:latest" uses the :latest tag — fix: pin a version: set newTag (or digest) for it in the overlay's images: block`,
    ]);
    // notes (what validate cannot judge without the cluster) are notices, never errors
    const notices = lines.filter((l) => l.startsWith("::notice "));
    expect(notices).toHaveLength(2);
    for (const n of notices) expect(n).toContain("title=external-secrets/store-missing");
    const summary = readFileSync(file, "utf8");
    expect(summary).toContain("## ngx-release validate: ❌ 3 findings");
    expect(summary).toContain("| unknown\\-field | 12 | 2 |");
    expect(summary).toContain("environments\\/unknown\\-field\\/kustomization\\.yaml\\:12 |");
  });

  it("finds the line of a field in the object's own source file", () => {
    const file = "environments/base/orchestrator/rollout.yaml";
    const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
    const expected = lines.findIndex((l) => /^\s+image: /.test(l)) + 1;
    expect(expected).toBeGreaterThan(0);
    expect(
      new SourceLocator(ROOT).locate({
        env: "production",
        object: "Rollout/orchestrator",
        path: "spec.template.spec.containers[0].image",
      }),
    ).toEqual({ file, line: expected });
  });

  it("status: a job summary with the picture (valid Mermaid) and a table; foreign reasons stay inert", async () => {
    const file = summaryFile();
    const r = await runCli(["status", "--gates"], { cwd: repo.root, env: actionsEnv(file) });
    expect(r.code, r.stderr).toBe(0);
    // the runner reads commands from stdout too: the reason printed in the table is no command either
    expect(commands(r.stderr)).toEqual([]);
    expect(commands(r.stdout)).toEqual([]);
    const summary = readFileSync(file, "utf8");
    expect(summary.startsWith("## ngx-release status\n")).toBe(true);
    const blocks = mermaidBlocks(summary);
    expect(blocks).toHaveLength(1);
    expect(await parseMermaid(blocks[0] as string)).toBe("flowchart-v2");
    expect(blocks[0]).toContain(
      "p95 | 7s #lt;script#gt;x#lt;/script#gt; ::warning::forged #35;#35;[error]forged",
    );
    expect(summary).toMatch(/\| production \| 111111111111 \| [0-9a-f]{12} \| not configured \|/);
    expect(summary).toContain(
      "- [production\\: Argo CD application ngx\\-agents\\-production](<https://argocd.example.com/applications/argocd/ngx-agents-production>)",
    );
    // nothing in the summary starts a workflow command or opens raw HTML
    expect(summary.split("\n").filter((l) => /^\s*::/.test(l))).toEqual([]);
    expect(summary).not.toContain("<script>");
  });

  it("an error becomes an ::error annotation (its text encoded) and a summary line", async () => {
    const file = summaryFile();
    const r = await runCli(["status", "qa\n::warning::forged"], { cwd: repo.root, env: actionsEnv(file) });
    expect(r.code).toBe(2);
    expect(commands(r.stderr)).toEqual([
      '::error title=ngx-release%3A InputError (exit 2)::unknown environment "qa%0A::warning::forged" (valid: dev, staging, production)',
    ]);
    expect(readFileSync(file, "utf8")).toContain("### ❌ ngx-release failed (exit 2)");
  });

  it("promote: the job summary carries the pull request text with the picture and the links", async () => {
    const file = summaryFile();
    const dir = gitRepo(fixtureFiles({ dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")) }));
    const r = await runCli(["promote", "dev", "staging", "--dry-run"], { cwd: dir, env: actionsEnv(file) });
    expect(r.code, r.stderr).toBe(0);
    const summary = readFileSync(file, "utf8");
    expect(summary.startsWith("## ngx\\-release\\: staging planned\n")).toBe(true);
    expect(summary).toContain("**Promote staging\\: api\\-gateway 1\\.1\\.0, orchestrator 1\\.1\\.0**");
    const blocks = mermaidBlocks(summary);
    expect(blocks).toHaveLength(1);
    expect(await parseMermaid(blocks[0] as string)).toBe("flowchart-v2");
    expect(summary).toContain(
      "(<https://argocd.example.test/applications/argocd/ngx-agents-dev?resource=&node=argoproj.io%2FRollout%2Fngx-agents%2Forchestrator%2F0>)",
    );
    expect(summary).not.toContain("<!-- ngx-release:");
  });

  it("gate: the job summary is a table of the gates with their reasons", async () => {
    const file = summaryFile();
    const r = await runCli(["gate", "staging"], { cwd: repo.root, env: actionsEnv(file) });
    expect(r.code).toBe(1);
    const summary = readFileSync(file, "utf8");
    expect(summary).toContain("## ngx-release gate staging: ❌ closed (from dev)");
    expect(summary).toContain(
      "| synced\\-healthy | CLOSED | Argo CD not configured \\(set ARGOCD\\_SERVER and ARGOCD\\_AUTH\\_TOKEN\\) |",
    );
  });

  it("outside Actions: no annotations, no summary", async () => {
    const file = summaryFile();
    const r = await runCli(["validate", "latest-tag"], { cwd: BROKEN, env: { GITHUB_STEP_SUMMARY: file } });
    expect(r.code).toBe(1);
    expect(commands(r.stderr)).toEqual([]);
    expect(existsSync(file)).toBe(false);
  });
});
