import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { environmentByName, loadRepo } from "../../pipeline/src/config/load.js";
import { ConfigError, InputError } from "../../pipeline/src/errors.js";

function repoWith(config: string, overlays: string[]): string {
  const root = mkdtempSync(join(tmpdir(), "ngx-config-"));
  mkdirSync(join(root, "environments"), { recursive: true });
  writeFileSync(join(root, "environments/promotion.yaml"), config);
  for (const o of overlays) {
    mkdirSync(join(root, "environments", o), { recursive: true });
    writeFileSync(join(root, "environments", o, "kustomization.yaml"), "resources: []\n");
  }
  return root;
}

const valid = `argocdUrl: https://argocd.example.com
environments:
  - { name: dev, argocdApplication: app-dev, namespace: ngx }
  - { name: prod, argocdApplication: app-prod, namespace: ngx, requireDigests: true, gates: [soak], soak: 1h }
`;

describe("loadRepo", () => {
  it("reads environments in promotion order with defaults", () => {
    const repo = loadRepo(repoWith(valid, ["prod", "dev", "base", "components"]));
    expect(repo.environments.map((e) => e.name)).toEqual(["dev", "prod"]);
    expect(repo.environments[0]?.write).toBe("pull-request");
    expect(repo.environments[1]?.gates).toEqual(["soak"]);
  });

  it("names the field of an unknown key", () => {
    const root = repoWith(valid.replace("soak: 1h", "soak: 1h, soaak: 2h"), ["dev", "prod"]);
    expect(() => loadRepo(root)).toThrow(ConfigError);
    expect(() => loadRepo(root)).toThrow(/environments\.1.*soaak/);
  });

  it("names the field and the valid form of a bad duration", () => {
    const root = repoWith(valid.replace("soak: 1h", "soak: 1 hour"), ["dev", "prod"]);
    expect(() => loadRepo(root)).toThrow(/field environments\.1\.soak: .*"30m"/);
  });

  it("rejects a listed environment without overlay and an overlay not listed", () => {
    expect(() => loadRepo(repoWith(valid, ["dev"]))).toThrow(/environments\[1\]\.name "prod" has no overlay/);
    expect(() => loadRepo(repoWith(valid, ["dev", "prod", "qa"]))).toThrow(/environments\/qa is not listed/);
  });

  it("reports an unknown environment as bad input listing the valid ones", () => {
    const repo = loadRepo(repoWith(valid, ["dev", "prod"]));
    expect(() => environmentByName(repo, "stage")).toThrow(InputError);
    expect(() => environmentByName(repo, "stage")).toThrow('unknown environment "stage" (valid: dev, prod)');
  });
});
