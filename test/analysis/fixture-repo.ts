// A temporary repository with the real rollouts/ folder (templates, canary components) and one
// small production overlay holding a Rollout that follows the manifest contract.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");

export interface RolloutOptions {
  readonly name?: string;
  /** analysis args the Rollout passes (default: the contract's four) */
  readonly args?: readonly Record<string, unknown>[];
  readonly templates?: readonly string[];
}

export const CONTRACT_ARGS = [
  { name: "service", value: "orchestrator" },
  { name: "namespace", value: "ngx-agents" },
  { name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } },
  { name: "stable-hash", valueFrom: { podTemplateHashValue: "Stable" } },
];

export function contractRollout(o: RolloutOptions = {}): Record<string, unknown> {
  const name = o.name ?? "orchestrator";
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, "cost-center": "ai-services", environment: "production" } },
        spec: {
          containers: [{ name, image: `ngx/${name}`, ports: [{ name: "http", containerPort: 8080 }] }],
        },
      },
      strategy: {
        canary: {
          canaryService: `${name}-canary`,
          analysis: {
            templates: (o.templates ?? ["ngx-error-rate", "ngx-latency-p95"]).map((t) => ({
              templateName: t,
              clusterScope: true,
            })),
            args: o.args ?? CONTRACT_ARGS,
          },
          steps: [{ setWeight: 10 }],
        },
      },
    },
  };
}

export interface FixtureRepo {
  readonly root: string;
  write(path: string, content: string): void;
  remove(): void;
}

export function fixtureRepo(rollouts: readonly Record<string, unknown>[] = [contractRollout()]): FixtureRepo {
  const root = mkdtempSync(join(tmpdir(), "ngx-analysis-repo-"));
  cpSync(join(REPO_ROOT, "rollouts"), join(root, "rollouts"), { recursive: true });
  const write = (path: string, content: string) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  write(
    "environments/promotion.yaml",
    stringify({
      argocdUrl: "https://argocd.example.test",
      environments: [
        {
          name: "production",
          argocdApplication: "ngx-agents-production",
          namespace: "ngx-agents",
          requireDigests: false,
        },
      ],
    }),
  );
  write(
    "environments/production/kustomization.yaml",
    stringify({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      namespace: "ngx-agents",
      resources: ["rollout.yaml"],
      components: ["../../rollouts/canary/production"],
    }),
  );
  write("environments/production/rollout.yaml", rollouts.map((r) => stringify(r)).join("---\n"));
  return { root, write, remove: () => rmSync(root, { recursive: true, force: true }) };
}
