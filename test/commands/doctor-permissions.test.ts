// `doctor` asks permissions instead of trying them: Argo CD can-i for each environment's application
// (get, Rollout abort, CronJob create-job — what rollouts/argocd/appproject.yaml grants) and the
// GitHub token's scopes / repository permissions for contents, pull-requests, deployments and statuses
// write. Every "no" says which policy line or permission to add; nothing is written anywhere.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingGitHubWrites } from "../../pipeline/src/adapters/github-permissions.js";
import { type GateRepo, gateRepo } from "../gates/fixture.js";
import { runCli } from "../helpers/cli.js";
import { FakeArgoCd } from "../helpers/fake-argocd.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { addGitHubRepository, type FakeRepositoryOptions } from "../helpers/fake-github-repository.js";

interface Check {
  name: string;
  state: string;
  detail: string;
  fix?: string;
}

let repo: GateRepo;
let home: string;
beforeAll(() => {
  repo = gateRepo();
  home = mkdtempSync(join(tmpdir(), "ngx-doctor-perm-home-"));
});
afterAll(() => {
  repo.cleanup();
  rmSync(home, { recursive: true, force: true });
});

async function doctor(
  token: Omit<FakeRepositoryOptions, "repository">,
  setup: (argo: FakeArgoCd) => void = () => {},
) {
  const gh = await FakeGitHub.start();
  gh.push("main", { "README.md": "x\n" });
  addGitHubRepository(gh.server, { repository: gh.repository, ...token });
  const argo = await FakeArgoCd.start();
  argo.withApp("ngx-agents-dev").withApp("ngx-agents-staging").withApp("ngx-agents-production");
  setup(argo);
  try {
    const r = await runCli(["doctor", "-o", "json"], {
      cwd: repo.root,
      env: { ...gh.env(), ...argo.env(), HOME: home },
    });
    const checks = (JSON.parse(r.stdout) as { checks: Check[] }).checks;
    const writes = ["POST", "PUT", "PATCH", "DELETE"].flatMap((m) => [
      ...gh.server.callsTo(m, /.*/),
      ...argo.server.callsTo(m, /.*/),
    ]);
    const canIPaths = argo.server.callsTo("GET", /^\/api\/v1\/account\/can-i\//).map((c) => c.path);
    return { r, checks, writes, canIPaths, get: (n: string) => checks.find((c) => c.name === n) };
  } finally {
    await gh.server.close();
    await argo.close();
  }
}

describe("doctor: Argo CD can-i", () => {
  it("get answered yes/no per environment with the policy line to add; actions asked, never run", async () => {
    const { r, get, writes, canIPaths } = await doctor({ scopes: ["repo"] }, (argo) => {
      argo.denied.add("applications get ngx-agents/ngx-agents-staging");
    });
    expect(r.code, r.stderr).toBe(1);
    expect(get("argocd dev can-i get")).toMatchObject({
      state: "ok",
      detail: "applications get ngx-agents/ngx-agents-dev: yes (gates, status, wait, doctor)",
    });
    expect(get("argocd production can-i get")?.state).toBe("ok");
    const staging = get("argocd staging can-i get");
    expect(staging?.state).toBe("fail");
    expect(staging?.detail).toBe(
      "applications get ngx-agents/ngx-agents-staging: no (gates, status, wait, doctor cannot work)",
    );
    expect(staging?.fix).toContain(
      "p, proj:ngx-agents:<the token's role>, applications, get, ngx-agents/ngx-agents-staging, allow",
    );
    // Argo CD's CanI refuses actions outside rbac.Actions (InvalidArgument): said so, with the line
    for (const env of ["dev", "staging", "production"]) {
      const abort = get(`argocd ${env} can-i abort`);
      expect(abort?.state).toBe("warn");
      expect(abort?.detail).toContain("can-i does not answer for a single resource action");
      expect(abort?.fix).toContain(
        `applications, action/argoproj.io/Rollout/abort, ngx-agents/ngx-agents-${env}, allow`,
      );
      expect(get(`argocd ${env} can-i create-job`)?.fix).toContain(
        `applications, action/batch/CronJob/create-job, ngx-agents/ngx-agents-${env}, allow`,
      );
    }
    expect(canIPaths).toHaveLength(9);
    // one path segment each: the slashes of the action and of <project>/<app> percent-encoded
    expect(canIPaths).toContain(
      "/api/v1/account/can-i/applications/action%2Fargoproj.io%2FRollout%2Fabort/ngx-agents%2Fngx-agents-dev",
    );
    expect(canIPaths).toContain("/api/v1/account/can-i/applications/get/ngx-agents%2Fngx-agents-staging");
    expect(writes).toEqual([]);
  });

  it("an application the token cannot read gets no can-i lines, only its failure", async () => {
    const { get, checks } = await doctor({ scopes: ["repo"] }, (argo) =>
      argo.forbidden.add("ngx-agents-production"),
    );
    expect(get("argocd production")?.state).toBe("fail");
    expect(checks.filter((c) => c.name.startsWith("argocd production can-i"))).toEqual([]);
  });
});

describe("doctor: GitHub token writes", () => {
  it("classic token with repo: ok", async () => {
    const { get, writes } = await doctor({ scopes: ["repo", "workflow"] });
    expect(get("github writes")).toMatchObject({ state: "ok" });
    expect(get("github writes")?.detail).toContain("classic token scopes repo, workflow cover");
    expect(writes).toEqual([]);
  });

  it("classic token without repo: the missing writes named, exit 1", async () => {
    const { r, get } = await doctor({ scopes: ["repo:status", "read:org"] });
    expect(r.code).toBe(1);
    expect(get("github writes")?.state).toBe("fail");
    expect(get("github writes")?.detail).toBe(
      "missing: contents:write, pull-requests:write, deployments:write (classic token scopes: repo:status, read:org)",
    );
    expect(get("github writes")?.fix).toContain("repo scope");
  });

  it("fine-grained token on a repository it cannot push to: all four missing", async () => {
    const { get } = await doctor({ push: false });
    expect(get("github writes")?.state).toBe("fail");
    expect(get("github writes")?.detail).toContain(
      "missing: contents:write, pull-requests:write, deployments:write, statuses:write",
    );
  });

  it("fine-grained token that can push: a warning naming what it must hold", async () => {
    const { get, writes } = await doctor({ push: true });
    expect(get("github writes")?.state).toBe("warn");
    expect(get("github writes")?.detail).toContain("this read needed metadata=read");
    expect(get("github writes")?.fix).toContain(
      "contents:write, pull-requests:write, deployments:write, statuses:write",
    );
    expect(writes).toEqual([]);
  });

  it("classic scopes mapping: public_repo only covers a public repository's contents and pull requests", () => {
    expect(missingGitHubWrites({ kind: "classic", scopes: ["public_repo"], private: false })).toEqual([
      "deployments",
      "statuses",
    ]);
    expect(missingGitHubWrites({ kind: "classic", scopes: ["public_repo"], private: true })).toEqual([
      "contents",
      "pull-requests",
      "deployments",
      "statuses",
    ]);
    expect(
      missingGitHubWrites({ kind: "classic", scopes: ["repo_deployment", "repo:status"], private: true }),
    ).toEqual(["contents", "pull-requests"]);
  });
});
