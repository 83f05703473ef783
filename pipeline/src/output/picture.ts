// The picture of where every version stands, as a Mermaid flowchart (GitHub renders ```mermaid blocks
// in PRs, issues and Actions job summaries): environments left to right with the version each runs, the
// promotion between two environments with its gates (open, or closed with the reasons beneath), the
// open promotion PR, rejected versions and a rollback. Pure: the callers build the Picture.
//
// Every label is made inert here: Mermaid decodes `#name;`/`#code;` entities in labels (mermaid's
// flowchart `decodeEntities`), so `#`, quotes, angle brackets, ampersands and backticks are written as
// entities and a label can neither close its quotes, open HTML, start a Markdown string nor end the
// ```mermaid fence it is printed in. Line breaks, control and bidi characters are handled by
// output/inert.ts (singleLine), the one module for foreign text.
import { singleLine, truncate } from "./inert.js";

export interface PictureGate {
  readonly name: string;
  readonly open: boolean;
  readonly reason: string;
}

export interface PictureEnvironment {
  readonly name: string;
  /** the readable version: an image tag, or "orchestrator 1.4.2, api-gateway 1.4.1" */
  readonly label: string;
  /** the version id (ledger/version.ts) */
  readonly version?: string;
  /** Argo CD health and sync, when known ("Healthy, Synced") */
  readonly live?: string;
  /** where a click on the environment goes (Argo CD application) */
  readonly url?: string;
  /** the version it runs is rejected */
  readonly rejected?: boolean;
}

export interface PicturePromotion {
  readonly from: string;
  readonly to: string;
  /** undefined = not evaluated */
  readonly gates?: readonly PictureGate[];
  /** why the gates could not be evaluated */
  readonly gatesError?: string;
  /** the open promotion pull request; `number` absent for "this pull request" */
  readonly pr?: { readonly number?: number; readonly url?: string };
  /** what the promotion would carry, when it differs from what `to` runs */
  readonly carries?: string;
}

export interface PictureRejection {
  readonly version: string;
  readonly environment?: string;
  readonly reason: string;
}

export interface PictureRollback {
  readonly env: string;
  /** the rejected version being rolled back (readable) */
  readonly from: string;
  /** the version restored (readable) */
  readonly to: string;
}

export interface Picture {
  readonly environments: readonly PictureEnvironment[];
  readonly promotions: readonly PicturePromotion[];
  readonly rejected?: readonly PictureRejection[];
  readonly rollback?: PictureRollback;
}

const MAX_LABEL = 90;
const MAX_REASONS = 3;

/** One piece of foreign or computed text made safe inside a double-quoted Mermaid label. */
export function mermaidText(text: string, max = MAX_LABEL): string {
  return truncate(singleLine(text).trim(), max)
    .replace(/#/g, "#35;")
    .replace(/&/g, "#amp;")
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/`/g, "#96;")
    .replace(/%/g, "#37;")
    .replace(/\\/g, "#92;");
}

/** a label from lines of text (each escaped), joined by Mermaid line breaks */
const label = (...lines: readonly string[]) => `"${lines.map((l) => mermaidText(l)).join("<br/>")}"`;

/** a node id from an environment name: letters, digits and underscores only */
const id = (prefix: string, name: string) => `${prefix}_${name.replace(/[^A-Za-z0-9]/g, "_")}`;

/** a URL for a click line: only http(s), quotes and spaces encoded */
function clickUrl(url: string): string | undefined {
  if (!/^https?:\/\//i.test(url)) return undefined;
  return url.replace(/["\s<>`]/g, (c) => encodeURIComponent(c));
}

export function pictureMermaid(picture: Picture): string {
  const lines: string[] = ["flowchart LR"];
  const classes: Record<string, string[]> = { env: [], rejected: [], open: [], closed: [], unknown: [] };
  const clicks: string[] = [];
  for (const e of picture.environments) {
    const n = id("env", e.name);
    const text = [e.name, e.label];
    if (e.version && e.version !== e.label) text.push(`version ${e.version}`);
    if (e.live) text.push(e.live);
    if (e.rejected) text.push("⛔ rejected");
    lines.push(`  ${n}[${label(...text)}]`);
    (e.rejected ? classes.rejected : classes.env)?.push(n);
    const url = e.url ? clickUrl(e.url) : undefined;
    if (url) clicks.push(`  click ${n} href "${url}" ${label(`Argo CD: ${e.name}`)} _blank`);
  }
  const known = new Set(picture.environments.map((e) => e.name));
  for (const p of picture.promotions) {
    if (!known.has(p.from) || !known.has(p.to)) continue;
    const n = id("promote", p.to);
    const text = [`promote ${p.from} → ${p.to}`];
    if (p.carries) text.push(`carries ${p.carries}`);
    let state: "open" | "closed" | "unknown" = "unknown";
    if (p.gatesError) text.push(`gates not evaluated: ${p.gatesError}`);
    else if (!p.gates) text.push("gates not evaluated");
    else if (p.gates.length === 0) {
      text.push("no gates configured");
      state = "open";
    } else {
      const closed = p.gates.filter((g) => !g.open);
      state = closed.length === 0 ? "open" : "closed";
      if (closed.length === 0) text.push(`✅ ${p.gates.length} gates open`);
      else {
        text.push(`❌ ${closed.length} of ${p.gates.length} gates closed`);
        for (const g of closed.slice(0, MAX_REASONS)) text.push(`${g.name}: ${g.reason}`);
        if (closed.length > MAX_REASONS) text.push(`+${closed.length - MAX_REASONS} more`);
      }
    }
    if (p.pr) text.push(p.pr.number !== undefined ? `PR #${p.pr.number} open` : "this pull request");
    lines.push(`  ${n}{{${label(...text)}}}`);
    lines.push(`  ${id("env", p.from)} --> ${n} --> ${id("env", p.to)}`);
    classes[state]?.push(n);
    const url = p.pr?.url ? clickUrl(p.pr.url) : undefined;
    if (url) clicks.push(`  click ${n} href "${url}" ${label(`pull request #${p.pr?.number ?? ""}`)} _blank`);
  }
  for (const [i, r] of (picture.rejected ?? []).entries()) {
    const n = `rejected_${i}`;
    lines.push(`  ${n}[${label(`⛔ rejected ${r.version}`, r.reason)}]`);
    if (r.environment && known.has(r.environment)) lines.push(`  ${n} -.- ${id("env", r.environment)}`);
    classes.rejected?.push(n);
  }
  if (picture.rollback && known.has(picture.rollback.env)) {
    const b = picture.rollback;
    const n = id("rollback", b.env);
    lines.push(`  ${n}[${label(`↩ rollback of ${b.env}`, `${b.from} → ${b.to}`)}]`);
    lines.push(`  ${n} ==> ${id("env", b.env)}`);
    classes.closed?.push(n);
  }
  lines.push(...clicks);
  lines.push(
    "  classDef env fill:#eef2ff,stroke:#4f46e5,color:#111827",
    "  classDef open fill:#dcfce7,stroke:#16a34a,color:#14532d",
    "  classDef closed fill:#fee2e2,stroke:#dc2626,color:#7f1d1d",
    "  classDef unknown fill:#f3f4f6,stroke:#6b7280,color:#111827",
    "  classDef rejected fill:#fecaca,stroke:#b91c1c,color:#7f1d1d,stroke-dasharray:4 2",
  );
  for (const [name, ids] of Object.entries(classes))
    if (ids.length > 0) lines.push(`  class ${ids.join(",")} ${name}`);
  return lines.join("\n");
}

/** The picture as a Markdown block (PR bodies, job summaries). */
export function pictureMarkdown(picture: Picture): string {
  return `\`\`\`mermaid\n${pictureMermaid(picture)}\n\`\`\``;
}
