// Where in the repository a finding of a rendered object comes from: the source YAML that defines
// Kind/name (the finding's own `file` when a check knows it, else the environment's overlay, the
// base, components and rollouts/), and the line of the deepest part of the finding's field path that
// the source file spells out (a field a patch or kustomize adds points at its object). Used for
// GitHub annotations (`::error file=…,line=…`). Reads files only; never throws on a bad file.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { isMap, isSeq, LineCounter, parseAllDocuments, parseDocument } from "yaml";
import type { Finding } from "./findings.js";

export interface SourceLocation {
  /** path from the repository root, with forward slashes */
  readonly file: string;
  /** 1-based */
  readonly line: number;
}

interface SourceDoc {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
  readonly doc: ReturnType<typeof parseAllDocuments>[number];
  readonly counter: LineCounter;
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(entry)) out.push(path);
  }
  return out;
}

/** "spec.template.spec.containers[0].image" → ["spec", "template", "spec", "containers", 0, "image"] */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}

export class SourceLocator {
  private readonly docs = new Map<string, SourceDoc[]>();

  constructor(private readonly root: string) {}

  private load(file: string): SourceDoc[] {
    const cached = this.docs.get(file);
    if (cached) return cached;
    const out: SourceDoc[] = [];
    try {
      const counter = new LineCounter();
      for (const doc of parseAllDocuments(readFileSync(join(this.root, file), "utf8"), {
        lineCounter: counter,
      })) {
        if (!("contents" in doc) || !isMap(doc.contents)) continue;
        const kind = doc.get("kind");
        const name = doc.getIn(["metadata", "name"]);
        if (typeof kind === "string" && typeof name === "string")
          out.push({ file, kind, name, doc, counter });
      }
    } catch {
      // unreadable or not YAML: nothing to point at here
    }
    this.docs.set(file, out);
    return out;
  }

  private candidates(env: string, preferred?: string): string[] {
    const dirs = [`environments/${env}`, "environments/base", "environments/components", "rollouts"];
    const files = dirs
      .flatMap((d) => yamlFiles(join(this.root, d)))
      .map((f) => relative(this.root, f).split("\\").join("/"));
    return preferred ? [preferred, ...files.filter((f) => f !== preferred)] : files;
  }

  locate(f: Pick<Finding, "env" | "object" | "path" | "file">): SourceLocation | undefined {
    const overlay = `environments/${f.env}/kustomization.yaml`;
    if (f.object === "(render)")
      return existsSync(join(this.root, overlay)) ? { file: overlay, line: 1 } : undefined;
    const slash = f.object.indexOf("/");
    const kind = f.object.slice(0, slash);
    const name = f.object.slice(slash + 1);
    for (const file of this.candidates(f.env, f.file)) {
      const doc = this.load(file).find((d) => d.kind === kind && d.name === name);
      if (!doc) continue;
      const segments = pathSegments(f.path);
      for (let i = segments.length; i >= 0; i--) {
        const node = i === 0 ? doc.doc.contents : doc.doc.getIn(segments.slice(0, i), true);
        const range = (node as { range?: [number, number, number] } | undefined)?.range;
        if (range) return { file, line: doc.counter.linePos(range[0]).line };
      }
    }
    if (f.file) return { file: f.file, line: 1 };
    return this.inOverlay(overlay, kind, name, f.path);
  }

  /**
   * An object defined outside the repository's sources (a remote or shared base): the overlay is where
   * this environment changes it — the patch that targets Kind/name, the `images:` block for an image,
   * else the overlay's first line.
   */
  private inOverlay(overlay: string, kind: string, name: string, path: string): SourceLocation | undefined {
    if (!existsSync(join(this.root, overlay))) return undefined;
    try {
      const counter = new LineCounter();
      const doc = parseDocument(readFileSync(join(this.root, overlay), "utf8"), { lineCounter: counter });
      const lineOf = (node: unknown) => {
        const range = (node as { range?: [number, number, number] } | undefined)?.range;
        return range ? counter.linePos(range[0]).line : undefined;
      };
      const patches = doc.get("patches", true);
      if (isSeq(patches)) {
        for (const item of patches.items) {
          if (!isMap(item)) continue;
          const target = item.get("target", true);
          if (isMap(target) && target.get("kind") === kind && (target.get("name") ?? name) === name) {
            const line = lineOf(item);
            if (line) return { file: overlay, line };
          }
        }
      }
      if (/(^|\.)image$/.test(path)) {
        const line = lineOf(doc.get("images", true));
        if (line) return { file: overlay, line };
      }
    } catch {
      // not YAML: the first line still names the file
    }
    return { file: overlay, line: 1 };
  }
}
