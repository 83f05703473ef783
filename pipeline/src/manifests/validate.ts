// Validation of rendered environments: renders every requested environment concurrently with real
// kustomize, then runs the schema, cross-reference, policy and PromQL checks on every object.
// A render failure is a finding too, so one broken overlay does not hide the others.
import { type Dirent, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findKustomize, type Kustomize, renderOnce } from "../adapters/kustomize.js";
import type { Repo } from "../config/load.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { isNgxError } from "../errors.js";
import { checkAnalysisConditions, checkPauseDurations } from "./analysis-conditions.js";
import { checkCanaryWeights } from "./canary-weights.js";
import { checkCelRules } from "./cel.js";
import { checkControllers } from "./controllers/index.js";
import { bootstrapView, clusterView, renderBootstrap, sourceFiles } from "./controllers/sources.js";
import { checkCrossReferences } from "./crossrefs.js";
import { type Finding, sortFindings } from "./findings.js";
import { checkAdmissionAllowlist, checkImageRegistries } from "./image-registries.js";
import { cleanKustomizeMessage } from "./kustomize-errors.js";
import { checkObjectMeta } from "./object-meta.js";
import { checkPolicy } from "./policy.js";
import { checkPromqlIn } from "./promql.js";
import { type K8sObject, parseObjects, type Rendered, renderEnvironment } from "./render.js";
import { checkSchema, preloadSchemas } from "./schema.js";
import { checkSelectors } from "./selectors.js";

export interface ValidateOptions {
  /** "apiVersion/Kind" or "Kind" accepted without a schema */
  readonly allowKinds?: readonly string[];
  readonly kustomize?: Kustomize;
  /** receives each environment's rendered objects (e.g. `plan` reads canary steps from them) */
  readonly onRendered?: (env: string, objects: readonly K8sObject[]) => void;
  /** called when an environment finished rendering and checking */
  readonly onProgress?: (env: string, done: number, total: number) => void;
}

export interface EnvironmentResult {
  readonly env: string;
  /** false when kustomize failed (the findings say why) */
  readonly rendered: boolean;
  readonly objects: number;
  readonly findings: readonly Finding[];
  /** what the controller model cannot judge from Git alone (never fails validation) */
  readonly notes?: readonly Finding[];
}

export interface ValidationReport {
  readonly ok: boolean;
  readonly environments: readonly EnvironmentResult[];
  readonly findings: readonly Finding[];
  readonly notes?: readonly Finding[];
}

/** Every check on the objects of one rendered environment (pure: no I/O). */
export function checkObjects(
  env: EnvironmentConfig | { name: string; requireDigests: boolean },
  objects: readonly K8sObject[],
  options: Pick<ValidateOptions, "allowKinds"> & { allowedRegistries?: readonly string[] } = {},
): Finding[] {
  const registries = options.allowedRegistries;
  const findings: Finding[] = [];
  for (const o of objects) {
    findings.push(...checkSchema(env.name, o, { allowKinds: options.allowKinds ?? [] }));
    findings.push(...checkPolicy(env.name, o, { requireDigests: env.requireDigests }));
    findings.push(...checkPromqlIn(env.name, o));
    findings.push(...checkAnalysisConditions(env.name, o));
    findings.push(...checkPauseDurations(env.name, o));
    if (registries) findings.push(...checkImageRegistries(env.name, o, registries));
    findings.push(...checkCelRules(env.name, o));
    findings.push(...checkObjectMeta(env.name, o));
    findings.push(...checkSelectors(env.name, o));
    findings.push(...checkCanaryWeights(env.name, o));
  }
  findings.push(...checkCrossReferences(env.name, objects));
  if (registries) findings.push(...checkAdmissionAllowlist(env.name, objects, registries));
  return sortFindings(findings);
}

/**
 * The name `validate` and `plan` give the tree of the repository's root kustomization.yaml (the Argo CD
 * bootstrap: AppProject, ApplicationSet, notification config). Environment names are lower-case
 * words (config/schema.ts), so it cannot clash with one.
 */
export const ROOT_TREE = "(root)";

/** The root kustomization file kustomize would read (it accepts these three names), if any. */
export function rootKustomization(root: string): string | undefined {
  return ["kustomization.yaml", "kustomization.yml", "Kustomization"].find((f) => existsSync(join(root, f)));
}

interface Tree {
  readonly env: EnvironmentConfig | { name: string; requireDigests: boolean };
  /** the root kustomization.yaml rather than an environment */
  readonly root: boolean;
  /** what is rendered, relative to the repository: "environments/dev" or "kustomization.yaml" */
  readonly source: string;
  readonly hint: string;
  render(): Promise<Rendered>;
}

/**
 * Renders and checks the given environments; with none given, every environment of the repository
 * and the root kustomization.yaml (when there is one).
 */
export async function validateEnvironments(
  repo: Repo,
  envs: readonly EnvironmentConfig[],
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  // the root tree and the bootstrap are one render, and so is a source several environments share
  const kustomize = renderOnce(options.kustomize ?? (await findKustomize()));
  const bootstrap = renderBootstrap(repo, kustomize);
  const files = sourceFiles(repo.root);
  const trees: Tree[] = (envs.length > 0 ? envs : repo.environments).map((env) => ({
    env,
    root: false,
    source: `environments/${env.name}`,
    hint: `run \`ngx-release render ${env.name}\` (or kubectl kustomize environments/${env.name}) and fix the overlay`,
    render: () => renderEnvironment(repo, env.name, kustomize),
  }));
  const rootFile = envs.length === 0 ? rootKustomization(repo.root) : undefined;
  if (rootFile) {
    trees.push({
      env: { name: ROOT_TREE, requireDigests: false },
      root: true,
      source: rootFile,
      hint: `run \`kubectl kustomize .\` in the repository root and fix ${rootFile} or the files it lists`,
      render: async () => {
        const yaml = await kustomize.build(repo.root);
        return { env: ROOT_TREE, yaml, objects: parseObjects(yaml, `rendered ${rootFile}`) };
      },
    });
  }
  let done = 0;
  const pending = trees.map(async ({ env, root, source, hint, render }): Promise<EnvironmentResult> => {
    let rendered: Rendered;
    try {
      rendered = await render();
    } catch (e) {
      if (!isNgxError(e)) throw e;
      options.onProgress?.(env.name, ++done, trees.length);
      return {
        env: env.name,
        rendered: false,
        objects: 0,
        findings: [
          {
            env: env.name,
            object: "(render)",
            path: source,
            rule: "render/failed",
            message: cleanKustomizeMessage(e.message)
              .split(`${repo.root}/`)
              .join("")
              .split(repo.root)
              .join("."),
            hint,
          },
        ],
      };
    }
    options.onRendered?.(env.name, rendered.objects);
    const allowKinds = [...(options.allowKinds ?? []), ...(repo.config.validation?.allowKinds ?? [])];
    const findings = checkObjects(env, rendered.objects, {
      allowKinds,
      // allowedRegistries govern the workload clusters; the root tree bootstraps Argo CD and runs no workload
      ...(repo.config.allowedRegistries && !root ? { allowedRegistries: repo.config.allowedRegistries } : {}),
    });
    // the controller model: each environment's cluster view (overlay + its Application's other
    // sources), and the root tree as the Argo CD cluster's bootstrap
    const controllers = checkControllers(
      root
        ? bootstrapView(repo, env.name, rendered.objects, files)
        : await clusterView(repo, env, rendered.objects, (await bootstrap).objects, kustomize, files),
    );
    options.onProgress?.(env.name, ++done, trees.length);
    return {
      env: env.name,
      rendered: true,
      objects: rendered.objects.length,
      findings: sortFindings([...findings, ...controllers.findings]),
      notes: controllers.notes,
    };
  });
  // kustomize now runs in child processes: load the schemas the sources mention meanwhile
  try {
    preloadSchemas(kindsInSources(repo.root));
  } catch {
    // only a head start: the checks load (and report) whatever failed here
  }
  const environments = await Promise.all(pending);
  const findings = environments.flatMap((e) => e.findings);
  const notes = environments.flatMap((e) => e.notes ?? []);
  return { ok: findings.length === 0, environments, findings, notes };
}

export { cleanKustomizeMessage };

/** Kind names written in the YAML sources under environments/ and rollouts/ (a cheap scan, no parsing). */
export function kindsInSources(root: string): Set<string> {
  const kinds = new Set<string>();
  const walk = (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory() && depth < 6) walk(path, depth + 1);
      else if (e.isFile() && /\.ya?ml$/.test(e.name)) {
        for (const m of readFileSync(path, "utf8").matchAll(/^kind:\s*["']?([A-Za-z]+)/gm))
          kinds.add(m[1] as string);
      }
    }
  };
  walk(join(root, "environments"), 0);
  walk(join(root, "rollouts"), 0);
  return kinds;
}
