// Per-environment images (from the overlay's images: block, the only place versions live) and what
// promoting one environment into the next would change.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Repo } from "../config/load.js";
import { type ImageEntry, readImages } from "../promotion/images.js";

export interface ComponentImage {
  /** "orchestrator" for ngx/orchestrator */
  readonly component: string;
  /** the name used in base manifests, e.g. ngx/orchestrator */
  readonly name: string;
  /** where it is pulled from (newName, else name) */
  readonly image: string;
  readonly tag?: string;
  readonly digest?: string;
}

export interface EnvironmentImages {
  readonly env: string;
  readonly file: string;
  readonly images: readonly ComponentImage[];
}

export interface ImageChange {
  readonly component: string;
  /** what the target has now (undefined: not set there yet) */
  readonly from?: string;
  /** what it would get from the source environment (undefined: the source does not set it) */
  readonly to?: string;
  /** e.g. "target requires a digest; the source only has a tag" */
  readonly note?: string;
}

export interface Promotion {
  readonly from: string;
  readonly to: string;
  readonly changes: readonly ImageChange[];
}

export function componentOf(e: ImageEntry): ComponentImage {
  return {
    component: e.name.split("/").pop() ?? e.name,
    name: e.name,
    image: e.newName ?? e.name,
    ...(e.newTag ? { tag: e.newTag } : {}),
    ...(e.digest ? { digest: e.digest } : {}),
  };
}

/** "tag@sha256:…" / "sha256:…" / "tag" */
export function version(i: ComponentImage | undefined): string | undefined {
  if (!i) return undefined;
  if (i.tag && i.digest) return `${i.tag}@${i.digest}`;
  return i.digest ?? i.tag;
}

export function readEnvironmentImages(repo: Repo, env: string): EnvironmentImages {
  const file = join("environments", env, "kustomization.yaml");
  const path = join(repo.root, file);
  const content = existsSync(path) ? readFileSync(path, "utf8") : "";
  return { env, file, images: readImages(content, file).map(componentOf) };
}

/** What copying `from`'s images into `to` would change, component by component. */
export function promotionChanges(
  from: EnvironmentImages,
  to: EnvironmentImages,
  targetRequiresDigests: boolean,
): Promotion {
  const names = [...new Set([...from.images, ...to.images].map((i) => i.component))].sort();
  const changes: ImageChange[] = [];
  for (const component of names) {
    const source = from.images.find((i) => i.component === component);
    const target = to.images.find((i) => i.component === component);
    const a = version(source);
    const b = version(target);
    if (a === b && source?.image === target?.image) continue;
    const note =
      source && targetRequiresDigests && !source.digest
        ? `${to.env} requires a digest; ${from.env} only has a tag`
        : source
          ? undefined
          : `not set in ${from.env}: promotion leaves it`;
    changes.push({
      component,
      ...(b ? { from: b } : {}),
      ...(a ? { to: a } : {}),
      ...(note ? { note } : {}),
    });
  }
  return { from: from.env, to: to.env, changes };
}
