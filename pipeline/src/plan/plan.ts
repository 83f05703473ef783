// `ngx-release plan`: validate every environment, read each one's images, and work out what each
// promotion along the chain would change; then let every section report. Needs no cluster and no token.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { findKustomize, type Kustomize, renderOnce } from "../adapters/kustomize.js";
import { CONFIG_PATH, loadRepo, type Repo } from "../config/load.js";
import { ConfigError, isNgxError } from "../errors.js";
import type { K8sObject } from "../manifests/render.js";
import { validateEnvironments } from "../manifests/validate.js";
import { type EnvironmentImages, promotionChanges, readEnvironmentImages } from "./images.js";
import { defaultSections, type PlanContext, type PlanSection, type SectionResult } from "./sections.js";

export interface Plan {
  readonly ok: boolean;
  readonly environments: readonly string[];
  readonly sections: readonly SectionResult[];
  /** problems that did not stop the plan (e.g. an overlay whose images: block is malformed) */
  readonly notes: readonly string[];
}

export interface PlanOptions {
  readonly sections?: readonly PlanSection[];
  readonly kustomize?: Kustomize;
  readonly env?: NodeJS.ProcessEnv;
  readonly onProgress?: (message: string) => void;
}

const START_HINT = `create ${CONFIG_PATH} listing the environments in promotion order, each with an overlay environments/<name>/kustomization.yaml, e.g.
  argocdUrl: https://argocd.example.com
  environments:
    - {name: dev, argocdApplication: ngx-agents-dev, namespace: ngx-agents}
    - {name: staging, argocdApplication: ngx-agents-staging, namespace: ngx-agents, requireDigests: true}`;

/** Loads the repository, explaining how to start when it has no promotion config yet. */
export function loadForPlan(root: string): Repo {
  if (!existsSync(join(root, CONFIG_PATH))) {
    throw new ConfigError(`no release chain yet: ${CONFIG_PATH} not found in ${root}`, {
      file: CONFIG_PATH,
      hint: START_HINT,
    });
  }
  return loadRepo(root);
}

export async function buildPlan(repo: Repo, options: PlanOptions = {}): Promise<Plan> {
  const rendered = new Map<string, readonly K8sObject[]>();
  // one render of each tree per run: validation, the rendered diff and the gates share them
  const kustomize = renderOnce(options.kustomize ?? (await findKustomize()));
  const validation = await validateEnvironments(repo, [], {
    kustomize,
    onRendered: (env, objects) => rendered.set(env, objects),
    onProgress: (env, done, total) => options.onProgress?.(`plan: validated ${env} (${done}/${total})`),
  });
  const notes: string[] = [];
  const images: EnvironmentImages[] = [];
  for (const env of repo.environments) {
    try {
      images.push(readEnvironmentImages(repo, env.name));
    } catch (e) {
      if (!isNgxError(e)) throw e;
      notes.push(e.message);
    }
  }
  const promotions = [];
  for (let i = 0; i + 1 < repo.environments.length; i++) {
    const from = images.find((x) => x.env === repo.environments[i]?.name);
    const toEnv = repo.environments[i + 1];
    const to = images.find((x) => x.env === toEnv?.name);
    if (from && to && toEnv) promotions.push(promotionChanges(from, to, toEnv.requireDigests));
  }
  const ctx: PlanContext = {
    repo,
    validation,
    rendered,
    images,
    promotions,
    env: options.env ?? process.env,
    kustomize,
  };
  // sections only read the context: they run side by side (renders, GitHub and Argo CD reads overlap)
  const sections: SectionResult[] = await Promise.all(
    (options.sections ?? defaultSections).map((s) => s.build(ctx)),
  );
  return {
    ok: sections.every((s) => s.ok) && notes.length === 0,
    environments: repo.environments.map((e) => e.name),
    sections,
    notes,
  };
}
