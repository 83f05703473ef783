// The real repository (a clone of its committed state): a rollback of staging renders the real
// overlay, aborts the five contract Rollouts through the Argo CD fake, and restores the older digests
// on rollback/staging changing only the digest lines of environments/staging/kustomization.yaml.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalLedger } from "../../pipeline/src/ledger/local.js";
import { versionOf } from "../../pipeline/src/ledger/version.js";
import { type ImageEntry, readImages } from "../../pipeline/src/promotion/images.js";
import { runCli } from "../helpers/cli.js";
import { FakeArgoCd, rollout } from "../helpers/fake-argocd.js";
import { commitFiles } from "../helpers/git.js";
import { digestOf, git } from "../promotion/fixture.js";

const FILE = "environments/staging/kustomization.yaml";
const SERVICES = ["api-gateway", "orchestrator", "agent-services", "a2a-server", "vertex-ai-client"];
let root: string;
let argo: FakeArgoCd;
let current: ImageEntry[];
let older: ImageEntry[];

beforeAll(async () => {
  root = join(mkdtempSync(join(tmpdir(), "ngx-rollback-repo-")), "repo");
  execFileSync("git", ["clone", "-q", "--no-hardlinks", resolve(import.meta.dirname, "../.."), root]);
  git(root, "checkout", "-q", "-B", "main");
  const content = git(root, "show", `HEAD:${FILE}`);
  current = readImages(content, FILE);
  older = current.map((i) => ({ ...i, digest: digestOf(`older-${i.name}`) }));
  // history on main: the older digests (deployed, succeeded), then the current file again. A
  // rollback restores the overlay as Git holds it at the good record's commit.
  let olderContent = content;
  for (const [i, c] of current.entries()) {
    if (c.digest) olderContent = olderContent.replace(c.digest, older[i]?.digest ?? c.digest);
  }
  const goodSha = commitFiles(root, { [FILE]: olderContent }, "older digests");
  commitFiles(root, { [FILE]: `${content}\n` }, "current digests");
  const ledger = await LocalLedger.open(root);
  const good = await ledger.recordDeployment({
    environment: "staging",
    sha: goodSha,
    images: older,
    version: versionOf(older),
  });
  await ledger.setStatus(good.id, { state: "success" });
  argo = await FakeArgoCd.start();
  argo.withApp("ngx-agents-staging", { health: "Progressing" });
  for (const s of SERVICES) argo.withResource("ngx-agents-staging", rollout({ name: s, paused: true }));
}, 60_000);

afterAll(async () => {
  await argo?.close();
  rmSync(resolve(root, ".."), { recursive: true, force: true });
});

describe("rollback on the real repository", () => {
  it("aborts the five Rollouts and restores only the digest lines", async () => {
    const r = await runCli(["rollback", "staging", "--reason", "smoke", "--json"], {
      cwd: root,
      env: argo.env(),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      status: "rolled-back",
      failedVersion: versionOf(current),
      target: { version: versionOf(older) },
    });
    expect(argo.actions.map((a) => a.ref.name).sort()).toEqual([...SERVICES].sort());
    const before = git(root, "show", `main:${FILE}`).split("\n");
    const after = git(root, "show", `rollback/staging:${FILE}`);
    const changed = after.split("\n").filter((l, i) => l !== before[i]);
    expect(changed).toHaveLength(SERVICES.length);
    expect(changed.every((l) => /^ {4}digest: sha256:[0-9a-f]{64}$/.test(l))).toBe(true);
    expect(readImages(after, FILE)).toEqual(older);
  });
});
