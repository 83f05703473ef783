// What a promotion (or release, or rollback) changes, and the refusals that stop it before anything
// is written. Pure: contents in, a plan or a typed error out.
import type { Repo } from "../config/load.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { CheckFailedError, ConfigError, InputError } from "../errors.js";
import {
  componentOf,
  type ImageEntry,
  imageRef,
  readImages,
  sameImage,
  setImages,
  versionOf,
} from "./images.js";

export interface ImageChange {
  readonly component: string;
  /** the image name in base manifests, e.g. ngx/orchestrator */
  readonly name: string;
  /** what the target has now (undefined: the target has no entry for it yet) */
  readonly from?: ImageEntry;
  readonly to: ImageEntry;
}

export interface OverlayUpdate {
  readonly env: string;
  /** repository-relative path of the overlay, e.g. environments/staging/kustomization.yaml */
  readonly file: string;
  readonly changes: readonly ImageChange[];
  readonly before: string;
  readonly after: string;
}

export interface RejectedVersion {
  readonly component: string;
  /** the rejected image (ref with digest) */
  readonly image: string;
  readonly reason: string;
}

/**
 * Which versions are rejected (marked bad by a rollback). The deployment ledger implements it; until
 * then `nothingRejected` is used.
 */
export interface RejectedVersions {
  /** the rejected ones among `images` for promoting into `env` */
  findRejected(env: string, images: readonly ImageEntry[]): Promise<readonly RejectedVersion[]>;
}

export const nothingRejected: RejectedVersions = { findRejected: async () => [] };

export function overlayFile(env: string): string {
  return `environments/${env}/kustomization.yaml`;
}

/** Refuses promoting backwards, to itself, or over an environment (unless allowSkip). */
export function checkOrder(
  repo: Repo,
  from: EnvironmentConfig,
  to: EnvironmentConfig,
  allowSkip: boolean,
): void {
  const names = repo.environments.map((e) => e.name);
  const i = names.indexOf(from.name);
  const j = names.indexOf(to.name);
  const order = names.join(" → ");
  if (i === j) throw new InputError(`cannot promote ${from.name} to itself (order: ${order})`);
  if (j < i) {
    throw new InputError(`refusing to promote backwards from ${from.name} to ${to.name} (order: ${order})`, {
      hint: `to restore an earlier version use: ngx-release rollback ${to.name} --reason <text>`,
    });
  }
  if (j > i + 1 && !allowSkip) {
    const skipped = names.slice(i + 1, j).join(", ");
    throw new InputError(
      `refusing to promote ${from.name} to ${to.name}: it skips ${skipped} (order: ${order})`,
      { hint: `promote ${from.name} ${names[i + 1]} first, or pass --allow-skip` },
    );
  }
}

/** The images of a source overlay; a missing or empty images: block is a ConfigError. */
export function sourceImages(content: string, file: string): ImageEntry[] {
  const images = readImages(content, file);
  if (images.length === 0) {
    throw new ConfigError(
      `${file}: has no images: block to promote (expected a list of {name, newName, digest})`,
      {
        file,
        field: "images",
      },
    );
  }
  return images;
}

/** Applies `images` to the target overlay text; refuses tags-only images where digests are required. */
export function planOverlayUpdate(
  target: EnvironmentConfig,
  targetContent: string,
  images: readonly ImageEntry[],
  sourceLabel: string,
): OverlayUpdate {
  const file = overlayFile(target.name);
  const current = readImages(targetContent, file);
  if (target.requireDigests) {
    const unpinned = images.filter((im) => !im.digest);
    if (unpinned.length > 0) {
      throw new InputError(
        `${target.name} requires images pinned by digest (requireDigests in environments/promotion.yaml), but ${sourceLabel} has ${unpinned
          .map((im) => `${componentOf(im)} (${imageRef(im)})`)
          .join(", ")}`,
        {
          hint: "release those images with a digest: --image <component>=<registry/name>:<tag>@sha256:<64 hex>",
        },
      );
    }
  }
  const changes: ImageChange[] = [];
  for (const to of images) {
    const from = current.find((c) => c.name === to.name);
    if (!sameImage(from, to))
      changes.push({ component: componentOf(to), name: to.name, ...(from ? { from } : {}), to });
  }
  const after = changes.length === 0 ? targetContent : setImages(targetContent, images, file);
  return { env: target.name, file, changes, before: targetContent, after };
}

/** Refuses when any image about to be written is a rejected version. */
export async function checkNotRejected(
  rejected: RejectedVersions,
  env: string,
  images: readonly ImageEntry[],
): Promise<void> {
  const found = await rejected.findRejected(env, images);
  if (found.length > 0) {
    throw new CheckFailedError(
      `refusing to write rejected version${found.length > 1 ? "s" : ""} into ${env}: ${found
        .map((r) => `${r.component} ${r.image} (${r.reason})`)
        .join("; ")}`,
      { hint: "ngx-release unreject <version> --reason <text> allows it again" },
    );
  }
}

/** "orchestrator 1.4.2, api-gateway 1.4.2" — or "5 components @ 1.4.2" when many share a version. */
export function versionSummary(changes: readonly ImageChange[], max = 3): string {
  const versions = [...new Set(changes.map((c) => versionOf(c.to)))];
  if (changes.length > max && versions.length === 1) return `${changes.length} components @ ${versions[0]}`;
  const parts = changes.map((c) => `${c.component} ${versionOf(c.to)}`);
  return parts.length > max
    ? `${parts.slice(0, max).join(", ")} +${parts.length - max} more`
    : parts.join(", ");
}
