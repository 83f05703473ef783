// Reads the `images:` block of an overlay kustomization.yaml — the only place an environment's
// versions live. (Updaters that keep comments and formatting belong beside this, in promotion/.)
import { parseDocument } from "yaml";
import { ConfigError } from "../errors.js";

export interface ImageEntry {
  /** the image name used in base manifests, e.g. "ngx/orchestrator" */
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

/** Parses the images of an overlay; `file` names the file in errors. */
export function readImages(content: string, file: string): ImageEntry[] {
  const doc = parseDocument(content);
  if (doc.errors.length > 0) {
    throw new ConfigError(`${file}: invalid YAML: ${doc.errors[0]?.message}`, { file, cause: doc.errors[0] });
  }
  const value = doc.toJS() as { images?: unknown } | null;
  const images = value?.images;
  if (images === undefined) return [];
  if (!Array.isArray(images))
    throw new ConfigError(`${file}: field images must be a list`, { file, field: "images" });
  return images.map((raw, i) => {
    const entry = raw as Record<string, unknown>;
    if (typeof entry?.name !== "string" || entry.name === "") {
      throw new ConfigError(`${file}: field images[${i}].name is required`, {
        file,
        field: `images.${i}.name`,
      });
    }
    for (const key of ["newName", "newTag", "digest"] as const) {
      if (entry[key] !== undefined && typeof entry[key] !== "string") {
        throw new ConfigError(`${file}: field images[${i}].${key} must be a string`, {
          file,
          field: `images.${i}.${key}`,
        });
      }
    }
    return {
      name: entry.name,
      ...(entry.newName ? { newName: entry.newName as string } : {}),
      ...(entry.newTag ? { newTag: String(entry.newTag) } : {}),
      ...(entry.digest ? { digest: entry.digest as string } : {}),
    };
  });
}

/** "registry/name:tag@sha256:…" as the image will be pulled. */
export function imageRef(e: ImageEntry): string {
  return `${e.newName ?? e.name}${e.newTag ? `:${e.newTag}` : ""}${e.digest ? `@${e.digest}` : ""}`;
}
