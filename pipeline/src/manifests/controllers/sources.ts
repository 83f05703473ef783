// The I/O half of the controller-model layer: what one cluster receives. Argo CD applies, to the
// environment's cluster, every source of the Application the ApplicationSet generates for it (the
// overlay and e.g. rollouts/notifications), so the rules see them together; and each object is
// traced back to the repository file that defines it so a finding can name the file.
import { type Dirent, existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import type { Kustomize } from "../../adapters/kustomize.js";
import type { Repo } from "../../config/load.js";
import { isNgxError } from "../../errors.js";
import { type K8sObject, parseObjects } from "../render.js";
import { get, isObj, list } from "../workloads.js";
import type { ClusterView } from "./model.js";

/** kind/name → first repository file defining it (patches and kustomizations skipped). */
export function sourceFiles(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory() && depth < 6) walk(path, depth + 1);
      else if (
        e.isFile() &&
        /\.ya?ml$/.test(e.name) &&
        !/\.patch\.ya?ml$/.test(e.name) &&
        !/^kustomization\.ya?ml$/.test(e.name)
      ) {
        try {
          for (const doc of parseAllDocuments(readFileSync(path, "utf8"))) {
            const v = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null;
            if (typeof v?.kind !== "string" || typeof v.metadata?.name !== "string") continue;
            const key = `${v.kind}/${v.metadata.name}`;
            if (!out.has(key)) out.set(key, relative(root, path));
          }
        } catch {
          // not ours to judge here: schema and render findings cover broken YAML
        }
      }
    }
  };
  walk(join(root, "environments"), 0);
  walk(join(root, "rollouts"), 0);
  return out;
}

export interface ApplicationSource {
  /** the ApplicationSet and the index of the source in its template */
  readonly appSet: K8sObject;
  readonly index: number;
  readonly path: string;
}

/** `{{ .env }}` / `{{.cluster}}` of a list-generator element. */
function substitute(text: string, element: Record<string, unknown>): string {
  return text.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (whole, k: string) =>
    element[k] === undefined ? whole : String(element[k]),
  );
}

/** The source paths of the Application generated for `env` by the bootstrap's ApplicationSets. */
export function applicationSources(bootstrap: readonly K8sObject[], env: string): ApplicationSource[] {
  const out: ApplicationSource[] = [];
  for (const appSet of bootstrap) {
    if (appSet.kind !== "ApplicationSet") continue;
    for (const g of list(get(appSet, "spec", "generators"))) {
      for (const element of list(get(g, "list", "elements"))) {
        if (!isObj(element) || element.env !== env) continue;
        const spec = get(appSet, "spec", "template", "spec");
        const sources = list(get(spec, "sources"));
        const all = sources.length > 0 ? sources : [get(spec, "source")];
        all.forEach((s, index) => {
          const path = get(s, "path");
          if (typeof path === "string") out.push({ appSet, index, path: substitute(path, element) });
        });
      }
    }
  }
  return out;
}

export interface BootstrapRender {
  readonly objects: readonly K8sObject[];
  readonly error?: string;
}

/** The root kustomization (`kubectl apply -k .`: AppProject, ApplicationSet, Argo CD notifications). */
export async function renderBootstrap(repo: Repo, kustomize: Kustomize): Promise<BootstrapRender> {
  if (!existsSync(join(repo.root, "kustomization.yaml"))) return { objects: [] };
  try {
    return { objects: parseObjects(await kustomize.build(repo.root), "kustomization.yaml") };
  } catch (e) {
    if (!isNgxError(e)) throw e;
    return { objects: [], error: e.message };
  }
}

/** The cluster view of one environment: its overlay plus the Application's other rendered sources. */
export async function clusterView(
  repo: Repo,
  env: { readonly name: string; readonly googleCloudProject?: string },
  overlay: readonly K8sObject[],
  bootstrap: readonly K8sObject[],
  kustomize: Kustomize,
  files: ReadonlyMap<string, string>,
): Promise<ClusterView> {
  const others: { path: string; objects: K8sObject[] }[] = [];
  const sources = applicationSources(bootstrap, env.name);
  for (const s of sources) {
    if (s.path === `environments/${env.name}`) continue;
    const dir = join(repo.root, s.path);
    if (!existsSync(join(dir, "kustomization.yaml"))) continue; // argo-cd/applicationset-path reports it
    try {
      others.push({ path: s.path, objects: parseObjects(await kustomize.build(dir), s.path) });
    } catch (e) {
      if (!isNgxError(e)) throw e;
    }
  }
  return {
    env: env.name,
    ...(env.googleCloudProject ? { project: env.googleCloudProject } : {}),
    otherProjects: Object.fromEntries(
      repo.environments
        .filter((e) => e.name !== env.name && e.googleCloudProject)
        .map((e) => [e.name, e.googleCloudProject as string]),
    ),
    objects: [...overlay, ...others.flatMap((o) => o.objects)],
    otherSources: others,
    complete: sources.length > 0,
    fileOf: (kind, name) => files.get(`${kind}/${name}`),
    bootstrap,
    root: repo.root,
  };
}

/** The view of the Argo CD cluster's bootstrap (`kubectl apply -k .`, the root tree). */
export function bootstrapView(
  repo: Repo,
  name: string,
  bootstrap: readonly K8sObject[],
  files: ReadonlyMap<string, string>,
): ClusterView {
  return {
    env: name,
    objects: bootstrap,
    otherSources: [],
    fileOf: (kind, name) => files.get(`${kind}/${name}`),
    bootstrap,
    root: repo.root,
    isBootstrap: true,
  };
}
