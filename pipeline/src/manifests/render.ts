// Renders an environment's overlay with real kustomize and parses the objects.
import { parseAllDocuments } from "yaml";
import { findKustomize, type Kustomize } from "../adapters/kustomize.js";
import { overlayDir, type Repo } from "../config/load.js";
import { InputError } from "../errors.js";
import { renderFailure } from "./kustomize-errors.js";

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  readonly [key: string]: unknown;
}

export interface Rendered {
  readonly env: string;
  readonly yaml: string;
  readonly objects: readonly K8sObject[];
}

export async function renderEnvironment(repo: Repo, env: string, kustomize?: Kustomize): Promise<Rendered> {
  const k = kustomize ?? (await findKustomize());
  let yaml: string;
  try {
    yaml = await k.build(overlayDir(repo.root, env));
  } catch (e) {
    throw renderFailure(e, repo.root, env);
  }
  return { env, yaml, objects: parseObjects(yaml, `rendered ${env}`) };
}

export function parseObjects(yaml: string, source: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(yaml)) {
    if (doc.errors.length > 0) throw new InputError(`${source}: invalid YAML: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) out.push(value);
  }
  return out;
}

/** "Kind/name" as people write it. */
export function objectRef(o: Pick<K8sObject, "kind" | "metadata">): string {
  return `${o.kind}/${o.metadata?.name}`;
}
