// The registry allowlist (allowedRegistries in environments/promotion.yaml): the matching rules, and
// `release` / `promote` refusing a foreign or look-alike registry with exit 2 and nothing written.
// The promotion PR's images table shows the full repository whenever it changes.
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../pipeline/src/errors.js";
import { pullRequestText } from "../../pipeline/src/promotion/pull-request-text.js";
import {
  allowedBy,
  assertAllowedRegistries,
  registryPathOf,
} from "../../pipeline/src/promotion/registries.js";
import { runCli } from "../helpers/cli.js";
import { DEFAULT_COMPONENTS, fixtureFiles, git, gitRepo, pinned, REGISTRY, uniform } from "./fixture.js";

const ALLOWED = ["us-central1-docker.pkg.dev/ngx-agents/ngx", "docker.io/library/redis", "gcr.io"];
const DIGEST = `sha256:${"c".repeat(64)}`;

describe("allowedBy: host exactly, repository path as a prefix ending at /", () => {
  it.each([
    [`us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator:1.3.0@${DIGEST}`, ALLOWED[0]],
    [`us-central1-docker.pkg.dev/ngx-agents/ngx/team/orchestrator@${DIGEST}`, ALLOWED[0]],
    ["docker.io/library/redis:7.4.2-alpine", "docker.io/library/redis"],
    [`docker.io/library/redis@${DIGEST}`, "docker.io/library/redis"],
    ["gcr.io/anything/at/all:1", "gcr.io"],
  ])("%s is allowed by %s", (image, entry) => {
    expect(allowedBy(image, ALLOWED)).toBe(entry);
  });

  it.each([
    ["a look-alike host", "us-central1-docker.pkg.dev.evil.example/ngx-agents/ngx/orchestrator:1.3.0"],
    [
      "a host with the allowed one as a prefix",
      "us-central1-docker.pkg.dev:443/ngx-agents/ngx/orchestrator:1",
    ],
    ["another project on the same host", "us-central1-docker.pkg.dev/attacker/ngx/orchestrator:1.0"],
    [
      "a path that only starts with the same letters",
      "us-central1-docker.pkg.dev/ngx-agents/ngxevil/orchestrator:1",
    ],
    ["a repository that only starts with the same letters", "docker.io/library/redis-miner:7"],
    ["Docker Hub outside the listed repositories", "docker.io/attacker/miner:1.0"],
    ["a short name (containerd would pull it from docker.io)", "redis:7.4.2-alpine"],
    ["a host written in another case (compared exactly, like the admission policy)", "GCR.io/x/y:1"],
  ])("%s is refused: %s", (_label, image) => {
    expect(allowedBy(image, ALLOWED)).toBeUndefined();
  });

  it("reads the host and repository path without tag or digest", () => {
    expect(registryPathOf(`localhost:5000/ngx/api:1.0@${DIGEST}`)).toEqual({
      host: "localhost:5000",
      path: "ngx/api",
    });
    expect(registryPathOf("otel/opentelemetry-collector-contrib:0.160.0")).toBeUndefined();
  });

  it("assertAllowedRegistries: an InputError naming the component, the registry and the allowlist; no allowlist allows all", () => {
    const images = [{ component: "orchestrator", image: "docker.io/attacker/miner:1.0" }];
    expect(() => assertAllowedRegistries(undefined, images, "the release")).not.toThrow();
    let error: unknown;
    try {
      assertAllowedRegistries(ALLOWED, images, "the release");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(
      `refusing the release: orchestrator: registry docker.io/attacker/miner of image "docker.io/attacker/miner:1.0" is not in allowedRegistries (${ALLOWED.join(", ")})`,
    );
    expect((error as InputError).hint).toMatch(/allowedRegistries of environments\/promotion\.yaml/);
  });
});

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
function repo(files: Record<string, string>): string {
  const dir = gitRepo(files);
  made.push(dir);
  return dir;
}

function refs(dir: string): string {
  return git(dir, "for-each-ref", "--format=%(refname) %(objectname)");
}

describe("release and promote refuse registries outside the allowlist (exit 2, nothing written)", () => {
  const files = () => fixtureFiles({ dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")) });

  it.each([
    ["docker.io/attacker/miner:1.0", "docker.io/attacker/miner"],
    [
      `us-central1-docker.pkg.dev.evil.example/ngx-agents/ngx/orchestrator:1.3.0@${DIGEST}`,
      "us-central1-docker.pkg.dev.evil.example/ngx-agents/ngx/orchestrator",
    ],
  ])("release --image orchestrator=%s", async (image, registry) => {
    const dir = repo(files());
    const before = refs(dir);
    const head = git(dir, "rev-parse", "HEAD");
    const r = await runCli(["release", "--image", `orchestrator=${image}`], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`registry ${registry} of image`);
    expect(r.stderr).toContain(`not in allowedRegistries (${REGISTRY})`);
    expect(refs(dir)).toBe(before);
    expect(git(dir, "rev-parse", "HEAD")).toBe(head);
    expect(git(dir, "status", "--porcelain")).toBe("");
  });

  it("release of an allowed image still works", async () => {
    const dir = repo(files());
    const r = await runCli(["release", "--image", `orchestrator=${REGISTRY}/orchestrator:1.3.0@${DIGEST}`], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
  });

  it("promote dev staging with a foreign image in dev's overlay → exit 2, no branch", async () => {
    const f = files();
    f["environments/dev/kustomization.yaml"] = (f["environments/dev/kustomization.yaml"] as string).replace(
      `newName: ${REGISTRY}/orchestrator`,
      "newName: docker.io/attacker/miner",
    );
    const dir = repo(f);
    const before = refs(dir);
    const r = await runCli(["promote", "dev", "staging"], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /refusing to promote dev → staging \(images of environments\/dev\/kustomization\.yaml\): orchestrator: registry docker\.io\/attacker\/miner of image "docker\.io\/attacker\/miner:1\.1\.0@sha256:[0-9a-f]{64}" is not in allowedRegistries/,
    );
    expect(refs(dir)).toBe(before);
  });
});

describe("the images table shows the full repository whenever it changes", () => {
  const entry = (newName: string) => ({ name: "ngx/orchestrator", newName, newTag: "1.3.0", digest: DIGEST });
  const text = (fromName: string | undefined, toName: string) =>
    pullRequestText({
      kind: "promote",
      from: "dev",
      to: "staging",
      changes: [
        {
          component: "orchestrator",
          name: "ngx/orchestrator",
          ...(fromName ? { from: { ...entry(fromName), newTag: "1.2.0" } } : {}),
          to: entry(toName),
        },
      ],
      diff: [],
      argocdUrl: "https://argocd.example.test",
      applications: {},
    }).body;

  it("same repository: the row says unchanged", () => {
    const body = text(`${REGISTRY}/orchestrator`, `${REGISTRY}/orchestrator`);
    expect(body).toContain("| component | from | to | digest | source | repository |");
    expect(body).toMatch(/\| orchestrator \| 1\.2\.0 \| \*\*1\.3\.0\*\* \| .* \| unchanged \|$/m);
  });

  it("another repository: both, in full", () => {
    const body = text(`${REGISTRY}/orchestrator`, "us-central1-docker.pkg.dev/ngx-agents/other/orchestrator");
    expect(body).toContain(
      `| \`${REGISTRY}/orchestrator\` → **\`us-central1-docker.pkg.dev/ngx-agents/other/orchestrator\`** |`,
    );
  });

  it("a new entry: the repository in full", () => {
    expect(text(undefined, `${REGISTRY}/orchestrator`)).toContain(`| **\`${REGISTRY}/orchestrator\`** |`);
  });
});
