// An overlay's image entry and how it is printed: apart from the YAML code in images.ts, so commands
// can print images without loading the YAML library before they run.
export interface ImageEntry {
  /** the image name used in base manifests, e.g. "ngx/orchestrator" */
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

/** "registry/name:tag@sha256:…" as the image will be pulled. */
export function imageRef(e: ImageEntry): string {
  return `${e.newName ?? e.name}${e.newTag ? `:${e.newTag}` : ""}${e.digest ? `@${e.digest}` : ""}`;
}

export function versionOf(entry: ImageEntry): string {
  if (entry.newTag) return entry.newTag;
  if (entry.digest) return entry.digest.replace(/^sha256:/, "").slice(0, 12);
  return "(base)";
}
