// A delivery repository for rollback tests: the promotion fixture's overlays with the five-service
// contract's shape reduced to two Rollouts, a promotion.yaml with rollback.autoMerge, history
// V1 (good) → V2 (failing) in staging and production, and ledger seeds for GitHub and the local file.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { versionOf } from "../../pipeline/src/ledger/version.js";
import { type ImageEntry, readImages } from "../../pipeline/src/promotion/images.js";
import type { FakeArgoCd, Manifest } from "../helpers/fake-argocd.js";
import type { FakeGitHub } from "../helpers/fake-github.js";
import type { GitHubDeploymentsFake } from "../helpers/fake-github-deployments.js";
import {
  DEFAULT_COMPONENTS,
  digestOf,
  fixtureFiles,
  overlay,
  pinned,
  REGISTRY,
  uniform,
} from "../promotion/fixture.js";

export const COMPONENTS = DEFAULT_COMPONENTS; // api-gateway, orchestrator
export const GOOD = "1.0.0";
export const BAD = "1.1.0";
export const OVERLAY = (env: string) => `environments/${env}/kustomization.yaml`;

export const PROMOTION_YAML = `# Promotion chain (rollback test fixture)
argocdUrl: https://argocd.example.test
repository: acme/delivery
baseBranch: main
pipelineIdentity: ngx-bot
environments:
  - name: dev
    argocdApplication: ngx-agents-dev
    namespace: ngx-agents
    write: commit
  - name: staging
    argocdApplication: ngx-agents-staging
    namespace: ngx-agents
    requireDigests: true
  - name: production
    argocdApplication: ngx-agents-production
    namespace: ngx-agents
    requireDigests: true
    rollback:
      autoMerge: on-analysis-failure
`;

/** the files with staging and production at `version` (dev always at BAD) */
export function files(version: string, cs: readonly string[] = COMPONENTS): Record<string, string> {
  const f = fixtureFiles({
    components: cs,
    dev: uniform(cs, pinned(BAD)),
    staging: uniform(cs, pinned(version)),
    production: uniform(cs, pinned(version)),
    workloadKind: "Rollout",
  });
  f["environments/promotion.yaml"] = PROMOTION_YAML;
  return f;
}

export function imagesAt(env: string, version: string, cs: readonly string[] = COMPONENTS): ImageEntry[] {
  return readImages(overlay(env, uniform(cs, pinned(version))), OVERLAY(env));
}

export const versionId = (version: string, cs: readonly string[] = COMPONENTS) =>
  versionOf(imagesAt("production", version, cs));
export const digest = (version: string) => digestOf(version);
export const imageRefs = (version: string) =>
  COMPONENTS.map((c) => `${REGISTRY}/${c}:${version}@${digestOf(version)}`);

/** the repository_dispatch body the Argo Rollouts notification sends */
export function dispatchBody(env: string, version: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    event_type: "rollout-aborted",
    client_payload: {
      trigger: "on-analysis-run-failed",
      environment: env,
      rollout: "orchestrator",
      namespace: "ngx-agents",
      revision: "4",
      images: [
        ...imageRefs(version).filter((r) => r.includes("/orchestrator:")),
        "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1",
      ],
      message: 'RolloutAborted: Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)',
      ...extra,
    },
  });
}

const payloadDirs: string[] = [];

export function writePayload(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "ngx-dispatch-"));
  payloadDirs.push(dir);
  const path = join(dir, "payload.json");
  writeFileSync(path, body);
  return path;
}

/** removes every payload folder writePayload made (call in afterEach) */
export function removePayloads(): void {
  for (const dir of payloadDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const success = (id: number, at: string) => ({
  id,
  state: "success",
  description: "Synced and Healthy",
  environment_url: "",
  log_url: "",
  created_at: at,
});

/**
 * GitHub history: main at c1 (everything GOOD) then c2 (staging and production BAD). The ledger has
 * GOOD succeeded in both, BAD succeeded in staging and in progress (failing canary) in production.
 */
export function seedGitHub(
  gh: FakeGitHub,
  deployments: GitHubDeploymentsFake,
  options: { good?: boolean; components?: readonly string[] } = {},
) {
  const cs = options.components ?? COMPONENTS;
  const c1 = gh.push("main", files(GOOD, cs), "everything at 1.0.0");
  const c2 = gh.push(
    "main",
    {
      [OVERLAY("staging")]: files(BAD, cs)[OVERLAY("staging")] as string,
      [OVERLAY("production")]: files(BAD, cs)[OVERLAY("production")] as string,
    },
    "1.1.0",
  );
  const seed = (env: string, sha: string, version: string, states: string[], at: string) =>
    deployments.seed({
      sha,
      environment: env,
      created_at: at,
      payload: { "ngx-release": 1, version: versionId(version, cs), images: imagesAt(env, version, cs) },
      statuses: states.map((s, i) => ({ ...success(90 + i, at.replace(/:00Z$/, `:0${i + 1}Z`)), state: s })),
    });
  if (options.good !== false) {
    seed("staging", c1, GOOD, ["success"], "2026-11-20T10:00:00Z");
    seed("production", c1, GOOD, ["success"], "2026-11-21T10:00:00Z");
  }
  seed("staging", c2, BAD, ["in_progress", "success"], "2026-11-25T10:00:00Z");
  const failing = seed("production", c2, BAD, ["in_progress"], "2026-11-26T09:00:00Z");
  return { c1, c2, failing };
}

/** the orchestrator's canary AnalysisRun, Failed at revision 4 (what rollback confirms before writing) */
export function failedAnalysisRun(): Manifest {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AnalysisRun",
    metadata: {
      name: "orchestrator-6d8f7b9c4-4-0",
      namespace: "ngx-agents",
      creationTimestamp: "2026-11-26T09:20:00Z",
      // Argo Rollouts annotates each AnalysisRun with the Rollout's revision (newAnalysisRunFromRollout)
      annotations: { "rollout.argoproj.io/revision": "4" },
    },
    status: {
      phase: "Failed",
      message: 'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)',
      metricResults: [
        {
          name: "error-rate",
          phase: "Failed",
          measurements: [
            { phase: "Successful", value: "[0.01]" },
            { phase: "Failed", value: "[0.12]" },
            { phase: "Failed", value: "[0.17]" },
          ],
        },
        { name: "latency-p95", phase: "Running", measurements: [{ phase: "Successful", value: "[0.41]" }] },
      ],
    },
  };
}

/** `app` in Argo CD with the failed AnalysisRun under Rollout orchestrator (still paused: the abort comes next) */
export function withFailedCanary(argo: FakeArgoCd, app: string): void {
  argo.app(app).children.push({
    manifest: failedAnalysisRun(),
    parent: {
      group: "argoproj.io",
      version: "v1alpha1",
      kind: "Rollout",
      namespace: "ngx-agents",
      name: "orchestrator",
    },
    health: "Degraded",
  });
}
