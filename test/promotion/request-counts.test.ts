// GitHub requests per promotion, as upper bounds (issue 19's figures; the goal is ≤ 8 / ≤ 4 with no
// write / ≤ 8): the real GitHub forge (Octokit with retry and throttling) against the GitHub fake.
// Request counts are deterministic, so a change that adds a request fails here; lower the bound when
// a change removes one. `npm run bench:promote` prints the same figures beside their goal.
import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createForge } from "../../pipeline/src/adapters/forge-factory.js";
import { loadRepo, type Repo } from "../../pipeline/src/config/load.js";
import { promote } from "../../pipeline/src/promotion/promote.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { checkout, DEFAULT_COMPONENTS, fixtureFiles, overlay, pinned, uniform } from "./fixture.js";

const DEV = "environments/dev/kustomization.yaml";

let gh: FakeGitHub;
let repo: Repo;

beforeEach(async () => {
  const files = fixtureFiles({ dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")) });
  gh = await FakeGitHub.start();
  gh.push("main", files, "fixture");
  repo = loadRepo(checkout(files));
});
afterEach(async () => {
  gh.server.verify();
  await gh.server.close();
  rmSync(repo.root, { recursive: true, force: true });
});

/** one promotion dev → staging: its requests as "METHOD path" lines */
async function promotion(status: string): Promise<{ total: number; writes: number; log: string }> {
  const before = gh.server.requests.length;
  const result = await promote({
    repo,
    forge: await createForge(gh.env(), repo),
    from: "dev",
    to: "staging",
  });
  expect(result.status).toBe(status);
  const requests = gh.server.requests.slice(before);
  return {
    total: requests.length,
    writes: requests.filter((r) => r.method !== "GET" && r.method !== "HEAD").length,
    log: requests.map((r) => `${r.method} ${r.path}`).join("\n"),
  };
}

describe("GitHub requests per promotion (upper bounds)", () => {
  it("first promotion ≤ 10 (5 writes), no-op rerun ≤ 7 with no write, superseding release ≤ 12 (4 writes)", async () => {
    const first = await promotion("written");
    expect(first.total, first.log).toBeLessThanOrEqual(10);
    expect(first.writes, first.log).toBeLessThanOrEqual(5);

    const rerun = await promotion("written"); // the open PR already has it: no write;
    expect(rerun.total, rerun.log).toBeLessThanOrEqual(7);
    expect(rerun.writes, rerun.log).toBe(0);

    gh.push("main", { [DEV]: overlay("dev", uniform(DEFAULT_COMPONENTS, pinned("1.2.0"))) }, "dev 1.2.0");
    const supersede = await promotion("written");
    expect(supersede.total, supersede.log).toBeLessThanOrEqual(12);
    expect(supersede.writes, supersede.log).toBeLessThanOrEqual(4);
  });
});
