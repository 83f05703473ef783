// The controller-model layer through the built CLI: `validate` on the trees as they were before
// issue 15 (fixture) fails with the controller findings, each naming file and field; the repository
// passes; `analyze` refuses a conflicting analysis the way Argo Rollouts does, before any query.
import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.js";
import { ROOT, TODAY } from "./view.js";

interface Report {
  ok: boolean;
  findings: { env: string; object: string; file?: string; path: string; rule: string; message: string }[];
  notes: { env: string; object: string; file?: string; rule: string }[];
}

const CONTROLLER_RULE = /^(rollouts|external-secrets|argo-cd|notifications|network|config-connector)\//;

describe("validate with the controller model", () => {
  it("the trees before the fix: exit 1, controller findings with file and field", async () => {
    const r = await runCli(["validate", "--json", "--repo", TODAY]);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    const conflict = report.findings.find(
      (f) =>
        f.env === "production" && f.object === "Rollout/orchestrator" && f.rule === "rollouts/args-conflict",
    );
    expect(conflict).toMatchObject({
      file: "environments/base/orchestrator/rollout.yaml",
      path: "spec.strategy.canary.analysis.templates",
    });
    // the Argo CD cluster's bootstrap is checked once, when every environment is: its token's
    // store is on no cluster Git renders — said as a note, never passed silently
    expect(report.notes).toContainEqual(
      expect.objectContaining({
        env: "(root)",
        object: "ExternalSecret/argocd-notifications-secret",
        rule: "external-secrets/store-missing",
      }),
    );
    const table = await runCli(["validate", "staging", "--repo", TODAY]);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain("Rollout/orchestrator (environments/base/orchestrator/rollout.yaml)");
  });

  it("the repository: no controller finding in any environment", async () => {
    const r = await runCli(["validate", "--json", "--repo", ROOT]);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.findings.filter((f) => CONTROLLER_RULE.test(f.rule))).toEqual([]);
    // what Git cannot show is said, not passed silently: the Argo CD cluster's token grant
    expect(report.notes).toContainEqual(
      expect.objectContaining({
        env: "(root)",
        object: "SecretStore/argocd-dispatch-token",
        rule: "external-secrets/secret-access",
      }),
    );
    const table = await runCli(["validate", "--repo", ROOT]);
    expect(table.stdout).toMatch(/notes \(not judged from Git/);
  });

  it("analyze refuses the conflicting analysis (exit 2, both templates named, Prometheus never asked)", async () => {
    const r = await runCli(
      [
        "analyze",
        "staging",
        "--repo",
        TODAY,
        "--rollout",
        "orchestrator",
        "--canary-hash",
        "c1",
        "--stable-hash",
        "s1",
      ],
      { env: { PROMETHEUS_URL: "http://127.0.0.1:9" } },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("InvalidSpec");
    expect(r.stderr).toMatch(/argument "window" is 5m in ClusterAnalysisTemplate\/ngx-error-rate and 10m/);
  });
});
