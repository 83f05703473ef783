// The rendered diff of one environment between a Git revision and the working tree (or another
// revision), grouped by resource. Both sides are rendered with real kustomize.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { snapshotAt } from "../adapters/git-snapshot.js";
import { findKustomize } from "../adapters/kustomize.js";
import type { Repo } from "../config/load.js";
import { diffObjects, type ResourceDiff } from "../promotion/rendered-diff.js";
import { renderFailure } from "./kustomize-errors.js";
import { type K8sObject, parseObjects } from "./render.js";

export interface RevisionDiff {
  readonly env: string;
  readonly base: { readonly ref: string; readonly commit: string };
  /** "working tree" or the head ref */
  readonly head: string;
  readonly resources: readonly ResourceDiff[];
}

async function renderDir(root: string, env: string, label: string, side: string): Promise<K8sObject[]> {
  const dir = join(root, "environments", env);
  // an environment that did not exist at the base revision renders as empty (everything "added")
  if (!existsSync(join(dir, "kustomization.yaml"))) return [];
  const k = await findKustomize();
  let yaml: string;
  try {
    yaml = await k.build(dir);
  } catch (e) {
    // the base side renders from a temporary snapshot: name the side, and paths as in the repository
    throw renderFailure(e, root, env, `${side} (${label})`);
  }
  return parseObjects(yaml, `${env} at ${label}`);
}

export async function diffAgainstRevision(
  repo: Repo,
  env: string,
  baseRef: string,
  headRef?: string,
): Promise<RevisionDiff> {
  const base = await snapshotAt(repo.root, baseRef);
  const head = headRef ? await snapshotAt(repo.root, headRef) : undefined;
  try {
    const [before, after] = await Promise.all([
      renderDir(base.dir, env, baseRef, "base"),
      renderDir(head?.dir ?? repo.root, env, headRef ?? "working tree", "head"),
    ]);
    return {
      env,
      base: { ref: baseRef, commit: base.commit },
      head: headRef ?? "working tree",
      resources: diffObjects(before, after),
    };
  } finally {
    await base.dispose();
    await head?.dispose();
  }
}
