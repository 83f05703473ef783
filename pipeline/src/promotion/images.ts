// Reads the `images:` block of an overlay kustomization.yaml — the only place an environment's
// versions live. (Updaters that keep comments and formatting belong beside this, in promotion/.)
import { isMap, isScalar, isSeq, parse, parseDocument } from "yaml";
import { yamlData } from "../config/yaml-data.js";
import { ConfigError } from "../errors.js";
import type { ImageEntry } from "./image-ref.js";

export { type ImageEntry, imageRef, versionOf } from "./image-ref.js";

/** Parses the images of an overlay; `file` names the file in errors. */
export function readImages(content: string, file: string): ImageEntry[] {
  const doc = parseDocument(content);
  if (doc.errors.length > 0) {
    throw new ConfigError(`${file}: invalid YAML: ${doc.errors[0]?.message}`, { file, cause: doc.errors[0] });
  }
  const value = yamlData(doc, file) as { images?: unknown } | null;
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

// ---------------------------------------------------------------------------------------------------
// Image references (release --image) and the comment-preserving updater (promote, release, rollback).

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*:\d+)$/;

export interface ImageReference {
  /** registry/repository without tag or digest */
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Parses "registry/path/name[:tag][@sha256:<64 hex>]". Returns the reason when invalid (the caller
 * words the error with the flag it came from).
 */
export function parseImageReference(ref: string): ImageReference | string {
  let rest = ref.trim();
  if (rest === "") return "empty image reference";
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return `digest "${digest}" is not sha256:<64 lower-case hex>`;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return `tag "${tag}" is not valid (letters, digits, "_", "." and "-", at most 128)`;
    // "latest" moves with every push: it names no version to promote, record or roll back to
    if (tag === "latest")
      return 'tag "latest" names no version (it moves with every push): use the build\'s own tag, e.g. :1.4.2 or :sha-<commit>';
  }
  const parts = rest.split("/");
  if (parts.length < 2 || !HOST.test(parts[0] ?? ""))
    return `"${rest}" does not name a registry (expected registry/path/name, e.g. us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator)`;
  const bad = parts.slice(1).find((p) => !PATH_COMPONENT.test(p));
  if (bad !== undefined)
    return `repository path component "${bad}" is not valid (lower-case letters, digits, separators)`;
  if (!tag && !digest) return "a tag or a sha256 digest is required (an untagged image means :latest)";
  return { name: rest, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The component an overlay image entry belongs to: "ngx/orchestrator" → "orchestrator". */
export function componentOf(entry: Pick<ImageEntry, "name">): string {
  return entry.name.replace(/^ngx\//, "");
}

/** The short human version of an image: its tag, else the first 12 hex digits of its digest. */
export function sameImage(a: ImageEntry | undefined, b: ImageEntry | undefined): boolean {
  return (
    a?.name === b?.name && a?.newName === b?.newName && a?.newTag === b?.newTag && a?.digest === b?.digest
  );
}

const FIELDS = ["newName", "newTag", "digest"] as const;

/**
 * Sets the given images in an overlay's `images:` block and returns the new file text. Everything
 * else — comments, key order, quoting, indentation — is kept byte for byte: changed values are spliced
 * into the original text at their source ranges, so the diff shows only the changed lines. Entries not
 * named in `images` stay as they are. Added fields or entries (rare) go through the yaml Document API.
 */
export function setImages(
  content: string,
  images: readonly ImageEntry[],
  file = "kustomization.yaml",
): string {
  const doc = parseDocument(content, { keepSourceTokens: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(`${file}: invalid YAML: ${doc.errors[0]?.message}`, { file, cause: doc.errors[0] });
  }
  readImages(content, file); // validates the shape with the same messages as readers get
  const seq = doc.get("images", true);
  if (!isSeq(seq)) {
    throw new ConfigError(
      `${file}: has no images: block (expected a list of {name, newName, newTag|digest})`,
      {
        file,
        field: "images",
      },
    );
  }
  const edits: Edit[] = [];
  let fallback = false;
  for (const image of images) {
    const item = seq.items.find((it) => isMap(it) && it.get("name") === image.name);
    if (!isMap(item)) {
      seq.add(doc.createNode(Object.fromEntries(Object.entries(image).filter(([, v]) => v !== undefined))));
      const edit = appendItem(content, seq, image);
      if (edit) edits.push(edit);
      else fallback = true;
      continue;
    }
    for (const key of FIELDS) {
      const want = image[key];
      const pair = item.items.find((p) => isScalar(p.key) && p.key.value === key);
      const node = pair?.value;
      if (want === undefined) {
        if (pair) {
          const edit = removeLine(content, pair.key as Ranged, node as Ranged);
          if (edit) edits.push(edit);
          else fallback = true;
          item.delete(key);
        }
        continue;
      }
      if (isScalar(node) && node.range && String(node.value) === want) continue;
      if (isScalar(node) && node.range) {
        edits.push({ start: node.range[0], end: node.range[1], text: scalarText(want, node.type) });
        node.value = want;
      } else {
        const edit = pair ? undefined : appendField(content, item, key, want);
        if (edit) edits.push(edit);
        else fallback = true;
        item.set(key, want);
      }
    }
  }
  if (fallback) {
    // flow-style or unusual layout: let the yaml library write the file (comments still kept)
    const indentSeq = !/^images:[ \t]*(?:#.*)?\r?\n(?:[ \t]*#.*\r?\n)*-/m.test(content);
    return doc.toString({ indentSeq, lineWidth: 0 });
  }
  let out = content;
  for (const e of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

type Ranged = { range?: [number, number, number] | null } | null | undefined;

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const i = text.indexOf("\n", offset);
  return i < 0 ? text.length : i + 1;
}

/** the key's column when it starts its line (after "- " for the first key of an item), else undefined */
function keyColumn(text: string, key: Ranged): number | undefined {
  if (!key?.range) return undefined;
  const start = lineStart(text, key.range[0]);
  const before = text.slice(start, key.range[0]);
  return /^[ \t]*(?:-[ \t]+)?$/.test(before) ? key.range[0] - start : undefined;
}

function removeLine(text: string, key: Ranged, value: Ranged): Edit | undefined {
  if (!key?.range || !value?.range) return undefined;
  const start = lineStart(text, key.range[0]);
  if (!/^[ \t]*$/.test(text.slice(start, key.range[0]))) return undefined; // key shares the "- " line
  return { start, end: lineEnd(text, Math.max(value.range[1] - 1, key.range[0])), text: "" };
}

function lastValueEnd(item: { items: { key: unknown; value: unknown }[] }): number | undefined {
  const last = item.items.at(-1);
  const r = (last?.value as Ranged)?.range ?? (last?.key as Ranged)?.range;
  return r ? r[1] : undefined;
}

function insertAt(text: string, at: number, line: string): Edit {
  const needsNewline = at === text.length && !text.endsWith("\n");
  return { start: at, end: at, text: `${needsNewline ? "\n" : ""}${line}\n` };
}

function appendField(
  text: string,
  item: { items: { key: unknown; value: unknown }[]; flow?: boolean },
  key: string,
  value: string,
): Edit | undefined {
  if (item.flow) return undefined;
  const first = item.items[0]?.key as Ranged;
  const col = keyColumn(text, first);
  const end = lastValueEnd(item);
  if (col === undefined || end === undefined) return undefined;
  return insertAt(text, lineEnd(text, end - 1), `${" ".repeat(col)}${key}: ${scalarText(value, "PLAIN")}`);
}

function appendItem(
  text: string,
  seq: { items: unknown[]; flow?: boolean },
  image: ImageEntry,
): Edit | undefined {
  if (seq.flow) return undefined;
  const items = seq.items.slice(0, -1) as ({ items?: { key: unknown }[]; flow?: boolean } & Ranged)[];
  const block = items.find((it) => it?.items && !it.flow);
  const col = keyColumn(text, block?.items?.[0]?.key as Ranged);
  const end = items.at(-1)?.range?.[1];
  if (col === undefined || col < 2 || end === undefined) return undefined;
  const pad = " ".repeat(col);
  const lines = (["name", ...FIELDS] as const)
    .filter((k) => image[k] !== undefined)
    .map(
      (k, i) =>
        `${i === 0 ? `${" ".repeat(col - 2)}- ` : pad}${k}: ${scalarText(image[k] as string, "PLAIN")}`,
    );
  return insertAt(text, lineEnd(text, end - 1), lines.join("\n"));
}

function scalarText(value: string, type: string | undefined): string {
  if (type === "QUOTE_DOUBLE") return JSON.stringify(value);
  if (type === "QUOTE_SINGLE") return `'${value.replace(/'/g, "''")}'`;
  // plain only when it reads back as the same string ("1.10" would read as a number)
  let plain = false;
  try {
    plain = parse(value) === value && !/[#:]\s|\s$|^\s/.test(value);
  } catch {
    plain = false;
  }
  return plain ? value : JSON.stringify(value);
}
