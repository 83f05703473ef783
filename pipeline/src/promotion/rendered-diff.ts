// The rendered diff of an environment before and after an overlay change: both sides are built with
// real kustomize in a temporary copy of the repository tree (the checkout itself is never written),
// then compared per resource. Container image changes are extracted for the summary.
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { createTwoFilesPatch } from "diff";
import { stringify } from "yaml";
import { findKustomize, type Kustomize } from "../adapters/kustomize.js";
import type { Repo } from "../config/load.js";
import { type K8sObject, parseObjects } from "../manifests/render.js";

export interface ImageLineChange {
  readonly container: string;
  readonly from?: string;
  readonly to?: string;
}

export interface ResourceDiff {
  /** Kind/name (namespace omitted: every environment renders into one namespace) */
  readonly ref: string;
  readonly status: "added" | "removed" | "changed";
  /** unified diff of the resource's YAML */
  readonly patch: string;
  readonly images: readonly ImageLineChange[];
}

const SKIP = new Set([".git", "node_modules", "dist", "coverage"]);

/**
 * Renders `file` (repository-relative overlay path) with `before` and with `after` content and diffs them.
 * `beforeObjects`: what `before` renders to, when the caller already rendered it (plan's validation
 * rendered the checked-out overlay): then only `after` is rendered.
 */
export async function renderedDiff(
  repo: Repo,
  file: string,
  before: string,
  after: string,
  kustomize?: Kustomize,
  beforeObjects?: readonly K8sObject[],
): Promise<ResourceDiff[]> {
  const k = kustomize ?? (await findKustomize());
  const tmp = await mkdtemp(join(tmpdir(), "ngx-render-"));
  try {
    await cp(repo.root, tmp, {
      recursive: true,
      filter: (src) => !(SKIP.has(basename(src)) && src !== repo.root),
    });
    const overlay = join(tmp, file);
    const dir = overlay.replace(/\/kustomization\.yaml$/, "");
    let old = beforeObjects;
    if (!old) {
      await writeFile(overlay, before);
      old = parseObjects(await k.build(dir), `rendered ${file} (before)`);
    }
    await writeFile(overlay, after);
    const now = parseObjects(await k.build(dir), `rendered ${file} (after)`);
    return diffObjects(old, now);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function key(o: K8sObject): string {
  return `${o.kind}/${o.metadata?.name}`;
}

export function diffObjects(before: readonly K8sObject[], after: readonly K8sObject[]): ResourceDiff[] {
  const a = new Map(before.map((o) => [key(o), o]));
  const b = new Map(after.map((o) => [key(o), o]));
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const out: ResourceDiff[] = [];
  for (const ref of keys) {
    const x = a.get(ref);
    const y = b.get(ref);
    const tx = x ? stringify(x, { lineWidth: 0 }) : "";
    const ty = y ? stringify(y, { lineWidth: 0 }) : "";
    if (tx === ty) continue;
    const patch = createTwoFilesPatch(`a/${ref}`, `b/${ref}`, tx, ty, undefined, undefined, { context: 3 })
      .split("\n")
      .filter((l) => !l.startsWith("====="))
      .join("\n")
      .trimEnd();
    out.push({
      ref,
      status: !x ? "added" : !y ? "removed" : "changed",
      patch,
      images: imageChanges(x, y),
    });
  }
  return out;
}

function containerImages(o: unknown, into = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(o)) {
    for (const v of o) containerImages(v, into);
  } else if (o && typeof o === "object") {
    for (const [k, v] of Object.entries(o)) {
      if ((k === "containers" || k === "initContainers") && Array.isArray(v)) {
        for (const c of v as { name?: unknown; image?: unknown }[]) {
          if (typeof c?.name === "string" && typeof c.image === "string") into.set(c.name, c.image);
        }
      } else containerImages(v, into);
    }
  }
  return into;
}

function imageChanges(x: unknown, y: unknown): ImageLineChange[] {
  const a = containerImages(x);
  const b = containerImages(y);
  const out: ImageLineChange[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const from = a.get(name);
    const to = b.get(name);
    if (from !== to) out.push({ container: name, ...(from ? { from } : {}), ...(to ? { to } : {}) });
  }
  return out;
}
