// Pure pieces: the comment-preserving images updater, image references, branch names, the PR text.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../pipeline/src/errors.js";
import { BranchName } from "../../pipeline/src/promotion/branch.js";
import { parseImageReference, readImages, setImages } from "../../pipeline/src/promotion/images.js";
import {
  BODY_LIMIT,
  pullRequestText,
  supersededFrom,
} from "../../pipeline/src/promotion/pull-request-text.js";
import type { ResourceDiff } from "../../pipeline/src/promotion/rendered-diff.js";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;

const OVERLAY = `# production overlay — reviewed by the platform team
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ngx-agents # one namespace per cluster
resources:
- ../base   # unusual indentation on purpose
images:
# the five services
- name: ngx/orchestrator
  newName: 'us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator'
  newTag: "1.4.1"  # human version
  digest: ${D1} # pinned
- {name: ngx/redis-like, newName: example.test/redis, digest: ${D1}}
patches:
  - path: resources.patch.yaml
`;

describe("setImages", () => {
  it("changes only the value lines, keeping comments, quoting, order and indentation", () => {
    const out = setImages(OVERLAY, [
      {
        name: "ngx/orchestrator",
        newName: "us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator",
        newTag: "1.10",
        digest: D2,
      },
    ]);
    const a = OVERLAY.split("\n");
    const b = out.split("\n");
    expect(b).toHaveLength(a.length);
    const changed = b.map((l, i) => [a[i], l]).filter(([x, y]) => x !== y);
    expect(changed).toEqual([
      ['  newTag: "1.4.1"  # human version', '  newTag: "1.10"  # human version'],
      [`  digest: ${D1} # pinned`, `  digest: ${D2} # pinned`],
    ]);
    expect(readImages(out, "k.yaml")[0]?.newTag).toBe("1.10");
  });

  it("quotes a plain value that would otherwise read back as a number", () => {
    const out = setImages("images:\n  - name: ngx/a\n    newTag: v1\n", [{ name: "ngx/a", newTag: "1.10" }]);
    expect(out).toBe('images:\n  - name: ngx/a\n    newTag: "1.10"\n');
  });

  it("removes a field the new image does not have and adds a missing entry, comments kept", () => {
    const out = setImages(OVERLAY, [
      {
        name: "ngx/orchestrator",
        newName: "us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator",
        digest: D2,
      },
      { name: "ngx/new-one", newName: "example.test/new-one", digest: D2 },
    ]);
    expect(out).toContain("# production overlay — reviewed by the platform team");
    expect(out).toContain("# the five services");
    expect(out).toContain(`digest: ${D2} # pinned`);
    expect(out).not.toContain("newTag");
    const a = OVERLAY.split("\n");
    const b = out.split("\n");
    // exactly: the newTag line removed, the digest value changed, three lines for the new entry
    expect(b.filter((l) => !a.includes(l))).toEqual([
      `  digest: ${D2} # pinned`,
      "- name: ngx/new-one",
      "  newName: example.test/new-one",
      `  digest: ${D2}`,
    ]);
    expect(a.filter((l) => !b.includes(l))).toEqual([
      '  newTag: "1.4.1"  # human version',
      `  digest: ${D1} # pinned`,
    ]);
    expect(readImages(out, "k.yaml").map((i) => i.name)).toEqual([
      "ngx/orchestrator",
      "ngx/redis-like",
      "ngx/new-one",
    ]);
  });

  it("returns the text unchanged when nothing differs", () => {
    const same = readImages(OVERLAY, "k.yaml");
    expect(setImages(OVERLAY, same)).toBe(OVERLAY);
  });

  it("malformed YAML and a missing images: block are ConfigErrors naming the file", () => {
    expect(() => setImages("images: [\n", [], "environments/dev/kustomization.yaml")).toThrow(ConfigError);
    expect(() => setImages("images: [\n", [], "environments/dev/kustomization.yaml")).toThrow(
      /environments\/dev\/kustomization.yaml: invalid YAML/,
    );
    expect(() => setImages("resources: []\n", [{ name: "ngx/a", newTag: "1" }], "x.yaml")).toThrow(
      /x.yaml: has no images: block/,
    );
  });
});

describe("parseImageReference", () => {
  it("accepts registry/name with a tag and/or a digest", () => {
    expect(parseImageReference(`us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator:1.4.2@${D1}`)).toEqual(
      {
        name: "us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator",
        tag: "1.4.2",
        digest: D1,
      },
    );
    expect(parseImageReference(`localhost:5000/ngx/api@${D2}`)).toEqual({
      name: "localhost:5000/ngx/api",
      digest: D2,
    });
  });
  it.each([
    ["orchestrator:1.0", /does not name a registry/],
    ["ghcr.io/acme/app", /a tag or a sha256 digest is required/],
    ["ghcr.io/acme/app@sha256:abc", /digest "sha256:abc" is not sha256:<64/],
    ["ghcr.io/acme/App:1", /path component "App"/],
    ["ghcr.io/acme/app:bad tag", /tag "bad tag" is not valid/],
  ])("rejects %s", (ref, message) => {
    expect(parseImageReference(ref)).toMatch(message);
  });
});

describe("BranchName", () => {
  it("round-trips and refuses other branches", () => {
    expect(BranchName.of("promote", "production").toString()).toBe("promote/production");
    expect(
      BranchName.parse("refs/heads/rollback/staging")?.equals(BranchName.of("rollback", "staging")),
    ).toBe(true);
    expect(BranchName.parse("feature/x")).toBeUndefined();
    expect(BranchName.parse("promote/Prod")).toBeUndefined();
    expect(() => BranchName.of("promote", "a/b")).toThrow(RangeError);
  });
});

describe("pullRequestText", () => {
  const change = {
    component: "orchestrator",
    name: "ngx/orchestrator",
    from: { name: "ngx/orchestrator", newTag: "1.4.1-3f2a9c1", digest: D1 },
    to: { name: "ngx/orchestrator", newTag: "1.4.2-9b8c7d6", digest: D2 },
  };
  const base = {
    kind: "promote" as const,
    from: "staging",
    to: "production",
    changes: [change],
    argocdUrl: "https://argocd.example.test/",
    applications: { staging: "ngx-agents-staging", production: "ngx-agents-production" },
    sourceRepository: "acme/ngx-agents",
  };

  it("has the title, images table with source link, gates, Argo CD links, labels", () => {
    const t = pullRequestText({
      ...base,
      diff: [],
      gates: [
        { name: "soak", open: true, reason: "staging healthy for 5h (needs 4h)" },
        { name: "freeze", open: false, reason: "weekend change freeze until Mon 08:00" },
      ],
    });
    expect(t.title).toBe("Promote production: orchestrator 1.4.2-9b8c7d6");
    expect(t.labels).toEqual(["promotion", "env:production"]);
    expect(t.body).toContain(
      "| orchestrator | 1.4.1-3f2a9c1 | **1.4.2-9b8c7d6** | `sha256:222222222222…` | [9b8c7d6](https://github.com/acme/ngx-agents/commit/9b8c7d6) |",
    );
    expect(t.body).toContain("- ❌ **freeze** — weekend change freeze until Mon 08:00");
    expect(t.body).toContain(
      "- production: [ngx-agents-production](https://argocd.example.test/applications/argocd/ngx-agents-production)",
    );
    expect(pullRequestText({ ...base, diff: [] }).body).toContain(
      "_Not evaluated here; run `ngx-release gate production`._",
    );
  });

  it("stays under 65,536 characters with a truncation note when the diff is large", () => {
    const diff: ResourceDiff[] = Array.from({ length: 40 }, (_, i) => ({
      ref: `ConfigMap/big-${i}`,
      status: "changed",
      patch: `--- a\n+++ b\n${"+ line of a large rendered change\n".repeat(200)}`,
      images: [],
    }));
    const t = pullRequestText({ ...base, diff });
    expect(t.body.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(t.body).toMatch(/Rendered diff truncated: \d+ of 40 resources shown/);
    expect(t.body).toContain("ngx-release diff production");
    expect(t.body).toContain("40 resources change.");
  });

  it("records what it superseded in the body and reads it back", () => {
    const t = pullRequestText({
      ...base,
      diff: [],
      superseded: [{ sha: "a".repeat(40), summary: "orchestrator 1.4.0" }],
    });
    expect(t.body).toContain("- orchestrator 1.4.0 (`aaaaaaa`)");
    expect(supersededFrom(t.body)).toEqual([{ sha: "a".repeat(40), summary: "orchestrator 1.4.0" }]);
    expect(supersededFrom("written by hand")).toEqual([]);
  });
});
