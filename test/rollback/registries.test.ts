// rollback and the registry allowlist: the last known good is restored only when its images come from
// allowedRegistries of environments/promotion.yaml; otherwise exit 2 before anything is aborted,
// rejected or written.
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { addGitHubDeployments } from "../helpers/fake-github-deployments.js";
import { gitRepo, REGISTRY } from "../promotion/fixture.js";
import { BAD, files, PROMOTION_YAML, seedGitHub, versionId } from "./fixture.js";

let gh: FakeGitHub | undefined;
let argo: FakeArgoCd | undefined;
let root: string | undefined;
afterEach(async () => {
  await gh?.server.close();
  await argo?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function start(allowed: string) {
  gh = await FakeGitHub.start("acme/delivery");
  const deployments = addGitHubDeployments(gh.server, { repository: "acme/delivery" });
  const seeded = seedGitHub(gh, deployments);
  const local = files(BAD);
  local["environments/promotion.yaml"] = PROMOTION_YAML.replace(
    "baseBranch: main\n",
    `baseBranch: main\nallowedRegistries:\n  - ${allowed}\n`,
  );
  root = gitRepo(local);
  argo = await FakeArgoCd.start();
  argo
    .withApp("ngx-agents-production", { health: "Progressing", revision: seeded.c2 })
    .withResource(
      "ngx-agents-production",
      rollout({ name: "orchestrator", paused: true, canaryHash: "7c9d" }),
    );
  return { env: { ...gh.env(), ...argo.env() }, deployments };
}

describe("rollback refuses a last known good from a registry outside the allowlist", () => {
  it("exit 2 naming the registry and the list; nothing aborted, rejected or written", async () => {
    const { env, deployments } = await start("us-central1-docker.pkg.dev/ngx-agents/other");
    const before = deployments.deployments.length;
    const r = await runCli(["rollback", "production", "--reason", "canary failing"], { cwd: root, env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("refusing to roll production back to");
    expect(r.stderr).toContain(
      `registry ${REGISTRY}/api-gateway of image "${REGISTRY}/api-gateway:1.0.0@sha256:`,
    );
    expect(r.stderr).toContain("is not in allowedRegistries (us-central1-docker.pkg.dev/ngx-agents/other)");
    expect(gh?.writes()).toEqual([]);
    expect(argo?.actions).toEqual([]);
    expect(deployments.deployments).toHaveLength(before);
  });

  it("an allowed registry rolls back as before", async () => {
    const { env } = await start(REGISTRY);
    const r = await runCli(["rollback", "production", "--reason", "canary failing", "--dry-run", "--json"], {
      cwd: root,
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(versionId("1.0.0"));
  });
});
