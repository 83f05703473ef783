// `ngx-release doctor`: read-only checks with what to fix. With nothing configured every service is a
// warning (exit 0); with the GitHub and Argo CD fakes and a Prometheus fake, reachable services are ok
// and an application the token may not read fails (exit 1) — and nothing is written anywhere.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GateRepo, gateRepo } from "../gates/fixture.js";
import { runCli } from "../helpers/cli.js";
import { FakeArgoCd } from "../helpers/fake-argocd.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { addGitHubDeployments } from "../helpers/fake-github-deployments.js";
import { FakeServer } from "../helpers/fake-server.js";

let repo: GateRepo;
let home: string;
beforeAll(() => {
  repo = gateRepo();
  home = mkdtempSync(join(tmpdir(), "ngx-doctor-home-"));
});
afterAll(() => {
  repo.cleanup();
  rmSync(home, { recursive: true, force: true });
});

describe("doctor", () => {
  it("nothing configured: every service a warning with what to set, exit 0", async () => {
    const r = await runCli(["doctor", "-o", "json"], {
      cwd: repo.root,
      env: { HOME: home, NGX_NO_GH_AUTH: "1" },
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      checks: { name: string; state: string; fix?: string }[];
    };
    expect(out.ok).toBe(true);
    expect(out.checks.map((c) => [c.name, c.state])).toEqual([
      ["config", "ok"],
      ["github", "warn"],
      ["argocd dev", "warn"],
      ["argocd staging", "warn"],
      ["argocd production", "warn"],
      ["prometheus", "warn"],
      ["google", "warn"],
    ]);
    expect(out.checks.find((c) => c.name === "github")?.fix).toContain(
      "set GITHUB_TOKEN (or GH_TOKEN, or run gh auth login)",
    );
    expect(out.checks.find((c) => c.name === "prometheus")?.fix).toContain("set PROMETHEUS_URL");
  });

  it("with the services: reachable ones ok, an unreadable application fails with the fix (exit 1); nothing written", async () => {
    const gh = await FakeGitHub.start();
    addGitHubDeployments(gh.server, { repository: gh.repository });
    gh.push("main", { "README.md": "x\n" });
    const argo = await FakeArgoCd.start();
    argo.withApp("ngx-agents-dev").withApp("ngx-agents-staging"); // production: not readable
    const prom = await FakeServer.start();
    prom.allow("POST", "/api/v1/query", {
      body: { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [0, "1"] }] } },
    });
    const adc = join(home, "adc.json");
    writeFileSync(adc, "{}");
    try {
      const r = await runCli(["doctor"], {
        cwd: repo.root,
        env: {
          ...gh.env(),
          ...argo.env(),
          PROMETHEUS_URL: prom.url,
          GOOGLE_APPLICATION_CREDENTIALS: adc,
          HOME: home,
        },
      });
      expect(r.code, r.stderr).toBe(1);
      const row = (name: string) => r.stdout.split("\n").find((l) => l.startsWith(`${name} `)) ?? "";
      expect(row("github")).toMatch(
        / OK +acme\/delivery readable with the token from GITHUB_TOKEN: main at [0-9a-f]{7}/,
      );
      expect(row("argocd dev")).toMatch(/ OK +ngx-agents-dev: Synced, Healthy; 0 Rollout\(s\)/);
      expect(row("argocd production")).toMatch(/ FAIL +ngx-agents-production: .*permission denied/);
      expect(row("argocd production")).toContain("the token must be allowed to get ngx-agents-production");
      expect(row("prometheus")).toMatch(
        new RegExp(` OK +${prom.url.replace(/[.]/g, "\\.")} answers queries`),
      );
      expect(row("google")).toContain(`credentials from GOOGLE_APPLICATION_CREDENTIALS (${adc})`);
      // read-only: no write reached GitHub or Argo CD
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        expect(gh.server.callsTo(method, /.*/)).toEqual([]);
        expect(argo.server.callsTo(method, /.*/)).toEqual([]);
      }
    } finally {
      await gh.server.close();
      await argo.close();
      await prom.close();
    }
  });

  it("a broken promotion.yaml exits 2 (the configuration itself)", async () => {
    const bad = gateRepo("argocdUrl: not-a-url\nenvironments: []\n");
    try {
      const r = await runCli(["doctor"], { cwd: bad.root, env: { HOME: home } });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("environments/promotion.yaml: field argocdUrl");
    } finally {
      bad.cleanup();
    }
  });
});
