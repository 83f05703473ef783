// A small GitOps repository for gate, status and record tests: promotion.yaml, a base and three
// overlays with images: blocks, committed in a real git repository with a known history:
//   c1 dev at V1 → c2 dev at V2 (the version being promoted) → c3 an unrelated change (descendant).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImageEntry } from "../../pipeline/src/promotion/images.js";
import { commitFiles, git } from "../helpers/git.js";

const REG = "us-central1-docker.pkg.dev/ngx-agents/ngx";
export const digest = (c: string) => `sha256:${c.repeat(64).slice(0, 64)}`;
export const imagesOf = (d: string): ImageEntry[] =>
  ["api-gateway", "orchestrator"].map((c) => ({
    name: `ngx/${c}`,
    newName: `${REG}/${c}`,
    digest: digest(d),
  }));
export const V1 = imagesOf("1");
export const V2 = imagesOf("2");

export const PROMOTION_YAML = `argocdUrl: https://argocd.example.com
repository: ngx-agents/ngx-agents-delivery
baseBranch: main
environments:
  - name: dev
    argocdApplication: ngx-agents-dev
    namespace: ngx-agents
  - name: staging
    argocdApplication: ngx-agents-staging
    namespace: ngx-agents
    requireDigests: true
    gates: [synced-healthy, rollout-complete, soak, not-rejected]
    soak: 30m
  - name: production
    argocdApplication: ngx-agents-production
    namespace: ngx-agents
    requireDigests: true
    gates: [freeze, backup-fresh]
    soak: 4h
    freezeWindows:
      - start: "0 18 * * 5" # Friday 18:00 until Monday 08:00
        duration: 62h
        timezone: Europe/Madrid
        reason: weekend change freeze
    backup:
      cronJob: db-backup
      rpo: 24h
`;

function overlay(env: string, images: readonly ImageEntry[]): string {
  const list = images
    .map((i) => `  - name: ${i.name}\n    newName: ${i.newName}\n    digest: ${i.digest}\n`)
    .join("");
  return `# ${env}\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ngx-agents\nresources:\n  - ../base\nimages:\n${list}`;
}

export interface GateRepo {
  readonly root: string;
  /** commits, oldest first: c1 (dev V1), c2 (dev V2), c3 (unrelated) */
  readonly c1: string;
  readonly c2: string;
  readonly c3: string;
  commit(files: Record<string, string>, message: string): string;
  cleanup(): void;
}

export function gateRepo(promotionYaml = PROMOTION_YAML): GateRepo {
  const root = mkdtempSync(join(tmpdir(), "ngx-gates-"));
  const commit = (files: Record<string, string>, message: string) => commitFiles(root, files, message);
  git(root, "init", "-q", "-b", "main");
  const c1 = commit(
    {
      "environments/promotion.yaml": promotionYaml,
      "environments/base/kustomization.yaml": "resources:\n  - configmap.yaml\n",
      "environments/base/configmap.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ngx-settings\ndata:\n  LOG_LEVEL: info\n",
      "environments/dev/kustomization.yaml": overlay("dev", V1),
      "environments/staging/kustomization.yaml": overlay("staging", V1),
      "environments/production/kustomization.yaml": overlay("production", V1),
    },
    "c1: everything at V1",
  );
  const c2 = commit({ "environments/dev/kustomization.yaml": overlay("dev", V2) }, "c2: release V2 into dev");
  const c3 = commit({ "docs.md": "unrelated\n" }, "c3: docs");
  return { root, c1, c2, c3, commit, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export { overlay };
