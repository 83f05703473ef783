// A "version" is a stable id of the set of images an environment runs: the first 12 hex digits of a
// sha256 over the sorted image references. An image pinned by digest is identified by its digest alone
// (a tag beside it does not change the version); otherwise by its tag.
import { createHash } from "node:crypto";
import type { ImageEntry } from "../promotion/images.js";

/** the identity of one image within a version: "ngx/orchestrator=registry/…@sha256:…" */
export function imageIdentity(e: ImageEntry): string {
  const repo = e.newName ?? e.name;
  return `${e.name}=${repo}${e.digest ? `@${e.digest}` : e.newTag ? `:${e.newTag}` : ""}`;
}

export function versionOf(images: readonly ImageEntry[]): string {
  const lines = images.map(imageIdentity).sort();
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 12);
}

export const VERSION_PATTERN = /^[0-9a-f]{12}$/;
