// Cluster views for the controller-model tests: the repository as it is, and the fixture copy of
// the trees as they were before issue 15 (test/fixtures/controllers/today), rendered with real
// kustomize exactly as `validate` does.
import { resolve } from "node:path";
import { findKustomize } from "../../../pipeline/src/adapters/kustomize.js";
import { environmentByName, loadRepo } from "../../../pipeline/src/config/load.js";
import type { ClusterView } from "../../../pipeline/src/manifests/controllers/model.js";
import {
  clusterView,
  renderBootstrap,
  sourceFiles,
} from "../../../pipeline/src/manifests/controllers/sources.js";
import { type K8sObject, renderEnvironment } from "../../../pipeline/src/manifests/render.js";

export const ROOT = resolve(import.meta.dirname, "../../..");
export const TODAY = resolve(ROOT, "test/fixtures/controllers/today");

const cache = new Map<string, Promise<ClusterView>>();

export function viewOf(root: string, env: string): Promise<ClusterView> {
  const key = `${root}|${env}`;
  let v = cache.get(key);
  if (!v) {
    v = (async () => {
      const repo = loadRepo(root);
      const kustomize = await findKustomize();
      const rendered = await renderEnvironment(repo, env, kustomize);
      const bootstrap = await renderBootstrap(repo, kustomize);
      return clusterView(
        repo,
        environmentByName(repo, env),
        rendered.objects,
        bootstrap.objects,
        kustomize,
        sourceFiles(root),
      );
    })();
    cache.set(key, v);
  }
  return v;
}

/** A view over hand-made objects (file names from a fixed map). */
export function syntheticView(
  objects: readonly K8sObject[],
  files: Record<string, string> = {},
  project?: string,
): ClusterView {
  return {
    env: "test",
    ...(project ? { project } : {}),
    objects,
    otherSources: [],
    fileOf: (kind, name) => files[`${kind}/${name}`],
  };
}

/** A copy whose named fields are replaced (tests break one thing at a time). */
export function edit<T>(v: T, change: (copy: T) => void): T {
  const copy = structuredClone(v);
  change(copy);
  return copy;
}
