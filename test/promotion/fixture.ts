// Builders for a small delivery repository (config, base, three overlays with commented images:
// blocks) as files, as a real local git repository, or seeded into the GitHub fake.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git, initRepo, writeFiles } from "../helpers/git.js";

export const REGISTRY = "us-central1-docker.pkg.dev/ngx-agents/ngx";
export const DEFAULT_COMPONENTS = ["api-gateway", "orchestrator"];

export function digestOf(seed: string): string {
  let h = "";
  let x = 0;
  for (const c of seed) x = (x * 31 + c.charCodeAt(0)) >>> 0;
  while (h.length < 64) {
    x = (x * 1103515245 + 12345) >>> 0;
    h += x.toString(16).padStart(8, "0");
  }
  return `sha256:${h.slice(0, 64)}`;
}

export interface Version {
  readonly tag?: string;
  readonly digest?: string;
}

export type EnvImages = Record<string, Version>;

export function pinned(version: string): Version {
  return { tag: version, digest: digestOf(version) };
}

const CONFIG = `# Promotion chain (test fixture)
argocdUrl: https://argocd.example.test
repository: acme/delivery
baseBranch: main
allowedRegistries:
  - us-central1-docker.pkg.dev/ngx-agents/ngx
environments:
  - name: dev
    argocdApplication: ngx-agents-dev
    namespace: ngx-agents
    write: WRITE_DEV
  - name: staging
    argocdApplication: ngx-agents-staging
    namespace: ngx-agents
    requireDigests: true
    gates: STAGING_GATES
  - name: production
    argocdApplication: ngx-agents-production
    namespace: ngx-agents
    requireDigests: true
`;

export function overlay(env: string, images: EnvImages): string {
  const entries = Object.entries(images)
    .map(([c, v]) => {
      const lines = [`  - name: ngx/${c}`, `    newName: ${REGISTRY}/${c}`];
      if (v.tag) lines.push(`    newTag: "${v.tag}"`);
      if (v.digest) lines.push(`    digest: ${v.digest} # pinned`);
      return lines.join("\n");
    })
    .join("\n");
  return `# ${env} overlay: only what differs from base.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ngx-agents
resources:
  - ../base

# Versions: written by ngx-release (release / promote / rollback).
images:
${entries}

labels:
  - pairs:
      environment: ${env}
`;
}

/** the component's workload in base: a Deployment, or a canary Rollout (argoproj.io) */
function workload(c: string, kind: "Deployment" | "Rollout"): string {
  const apiVersion = kind === "Rollout" ? "argoproj.io/v1alpha1" : "apps/v1";
  const strategy = kind === "Rollout" ? `  strategy:\n    canary:\n      canaryService: ${c}-canary\n` : "";
  return `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: ${c}
spec:
  selector:
    matchLabels:
      app: ${c}
  template:
    metadata:
      labels:
        app: ${c}
    spec:
      containers:
        - name: ${c}
          image: ngx/${c}
          ports:
            - name: http
              containerPort: 8080
${strategy}`;
}

export interface FixtureOptions {
  readonly components?: readonly string[];
  readonly dev?: EnvImages;
  readonly staging?: EnvImages;
  readonly production?: EnvImages;
  readonly devWrite?: "commit" | "pull-request";
  /** gates checked before promoting into staging (default none) */
  readonly stagingGates?: readonly string[];
  /** the components' kind in base (default Deployment) */
  readonly workloadKind?: "Deployment" | "Rollout";
}

export function uniform(components: readonly string[], v: Version): EnvImages {
  return Object.fromEntries(components.map((c) => [c, v]));
}

export function fixtureFiles(o: FixtureOptions = {}): Record<string, string> {
  const components = o.components ?? DEFAULT_COMPONENTS;
  const files: Record<string, string> = {
    "environments/promotion.yaml": CONFIG.replace("WRITE_DEV", o.devWrite ?? "commit").replace(
      "STAGING_GATES",
      `[${(o.stagingGates ?? []).join(", ")}]`,
    ),
    "environments/base/kustomization.yaml": `resources:\n${components.map((c) => `  - ${c}.yaml`).join("\n")}\n`,
    "environments/dev/kustomization.yaml": overlay("dev", o.dev ?? uniform(components, pinned("1.0.0"))),
    "environments/staging/kustomization.yaml": overlay(
      "staging",
      o.staging ?? uniform(components, pinned("1.0.0")),
    ),
    "environments/production/kustomization.yaml": overlay(
      "production",
      o.production ?? uniform(components, pinned("1.0.0")),
    ),
  };
  for (const c of components)
    files[`environments/base/${c}.yaml`] = workload(c, o.workloadKind ?? "Deployment");
  return files;
}

export { git, writeFiles };

/** A real git repository on branch main holding the fixture, one commit. */
export function gitRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ngx-promo-"));
  initRepo(dir, files);
  return dir;
}

/** A checkout directory (no git) holding the fixture: the tree kustomize renders from. */
export function checkout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ngx-checkout-"));
  writeFiles(dir, files);
  return dir;
}
