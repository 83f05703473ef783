// A repository for `ngx-release metrics` tests: promotion.yaml, three overlays, and commits with known
// author times, plus a local ledger (.git/ngx-ledger.json) whose deployments point at those commits.
//
//   c1  direct commit, authored 2026-11-01T11:00Z
//   M   merge of a promotion branch whose first commit p1 was authored 2026-11-08T12:00Z
//       (p2 at 13:00, the merge at 13:30)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeploymentState } from "../../pipeline/src/ledger/types.js";
import { commitFiles, git, gitAt } from "../helpers/git.js";

const PROMOTION_YAML = `argocdUrl: https://argocd.example.com
repository: ngx-agents/ngx-agents-delivery
baseBranch: main
environments:
  - name: dev
    argocdApplication: ngx-agents-dev
    namespace: ngx-agents
  - name: staging
    argocdApplication: ngx-agents-staging
    namespace: ngx-agents
  - name: production
    argocdApplication: ngx-agents-production
    namespace: ngx-agents
`;

const OVERLAY = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\n";

export interface MetricsRepo {
  readonly root: string;
  readonly c1: string;
  readonly p1: string;
  readonly merge: string;
  writeLedger(deployments: StoredDeployment[]): void;
  cleanup(): void;
}

export interface StoredDeployment {
  id: string;
  environment: string;
  sha: string;
  version: string;
  images: { name: string; newName?: string; newTag?: string; digest?: string }[];
  createdAt: string;
  statuses: { state: DeploymentState; createdAt: string }[];
}

export function metricsRepo(): MetricsRepo {
  const root = mkdtempSync(join(tmpdir(), "ngx-metrics-"));
  const commit = (files: Record<string, string>, message: string, date: string) =>
    commitFiles(root, files, message, date);
  git(root, "init", "-q", "-b", "main");
  const c1 = commit(
    {
      "environments/promotion.yaml": PROMOTION_YAML,
      "environments/base/kustomization.yaml": "resources: []\n",
      "environments/dev/kustomization.yaml": OVERLAY,
      "environments/staging/kustomization.yaml": OVERLAY,
      "environments/production/kustomization.yaml": OVERLAY,
    },
    "c1",
    "2026-11-01T11:00:00Z",
  );
  git(root, "checkout", "-q", "-b", "promote/production");
  const p1 = commit({ "a.txt": "1\n" }, "p1", "2026-11-08T12:00:00Z");
  commit({ "a.txt": "2\n" }, "p2", "2026-11-08T13:00:00Z");
  git(root, "checkout", "-q", "main");
  commit({ "b.txt": "main moved\n" }, "main moved", "2026-11-08T12:30:00Z");
  gitAt(
    root,
    "2026-11-08T13:30:00Z",
    "merge",
    "-q",
    "--no-ff",
    "-m",
    "Merge promote/production",
    "promote/production",
  );
  const merge = git(root, "rev-parse", "HEAD");
  return {
    root,
    c1,
    p1,
    merge,
    writeLedger(deployments) {
      writeFileSync(
        join(root, ".git", "ngx-ledger.json"),
        JSON.stringify({ version: 1, nextId: deployments.length + 1, deployments, rejections: [] }, null, 2),
      );
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * production: d1 (c1) success 11-02 11:00 → lead 24h from c1; d2 (merge) success 11-08 15:00 → lead 3h
 * from p1; d3 failure 11-09 10:00, restored by d4 (back to d1's version) at 11-09 11:00 → 1h.
 * Window 2026-11-01 → 2026-11-11 (10 days): 3 successful of 4 → 0.3/day; lead [3h, 24h, 24h+…] — d4
 * reuses d1's version, so its start is c1 too (11-01 11:00 → 11-09 11:00 = 192h).
 */
export function knownLedger(r: MetricsRepo): StoredDeployment[] {
  const d = (
    id: string,
    sha: string,
    version: string,
    createdAt: string,
    statuses: [DeploymentState, string][],
  ): StoredDeployment => ({
    id,
    environment: "production",
    sha,
    version,
    images: [],
    createdAt,
    statuses: statuses.map(([state, at]) => ({ state, createdAt: at })),
  });
  return [
    d("local-1", r.c1, "aaaaaaaaaaaa", "2026-11-02T10:00:00Z", [["success", "2026-11-02T11:00:00Z"]]),
    d("local-2", r.merge, "bbbbbbbbbbbb", "2026-11-08T14:00:00Z", [["success", "2026-11-08T15:00:00Z"]]),
    d("local-3", r.merge, "cccccccccccc", "2026-11-09T09:00:00Z", [["failure", "2026-11-09T10:00:00Z"]]),
    d("local-4", r.c1, "aaaaaaaaaaaa", "2026-11-09T10:30:00Z", [["success", "2026-11-09T11:00:00Z"]]),
  ];
}
