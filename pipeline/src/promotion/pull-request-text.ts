// The pull request people review: title, body and labels of a promotion, release or rollback. Pure.
// The body stays under GitHub's 65,536-character limit: the per-resource diff is cut with a note.
import { argoCdApplicationUrl } from "../adapters/argocd-types.js";
import { mdCode } from "../output/inert.js";
import { type DeepLink, markdownLink } from "../output/links.js";
import { type Picture, pictureMarkdown } from "../output/picture.js";
import type { BranchKind } from "./branch.js";
import { type ImageEntry, versionOf } from "./images.js";
import { type ImageChange, versionSummary } from "./plan.js";
import type { ResourceDiff } from "./rendered-diff.js";

export const BODY_LIMIT = 65_536;
/** room kept below the limit for GitHub's own counting (it counts UTF-16 units; we count the same) */
const BODY_BUDGET = BODY_LIMIT - 512;
const PATCH_LIMIT = 12_000;

/** One gate's outcome (the gates module produces these). */
export interface GateResult {
  readonly name: string;
  readonly open: boolean;
  readonly reason: string;
  /** a Markdown block shown under the gate (built by our code, e.g. load-test figures and chart) */
  readonly markdown?: string;
}

/** A version this pull request replaced before it was merged. */
export interface Superseded {
  /** the branch head that carried it */
  readonly sha: string;
  readonly summary: string;
}

export interface PullRequestText {
  readonly title: string;
  readonly body: string;
  readonly labels: readonly string[];
}

export interface PullRequestTextInput {
  readonly kind: BranchKind;
  /** the environment the images come from (promote); undefined for release and rollback */
  readonly from?: string;
  readonly to: string;
  readonly changes: readonly ImageChange[];
  readonly diff: readonly ResourceDiff[];
  readonly argocdUrl: string;
  /** Argo CD application per environment name */
  readonly applications: Readonly<Record<string, string>>;
  /** GitHub "owner/name" the images are built from: links image revisions found in tags */
  readonly sourceRepository?: string;
  /** gate results; undefined = not evaluated */
  readonly gates?: readonly GateResult[];
  readonly superseded?: readonly Superseded[];
  /** free text shown under the heading (rollback reason, --skip-gates reason) */
  readonly note?: string;
  /** where every version stands and what this pull request changes (output/picture.ts) */
  readonly picture?: Picture;
  /** deep links to the Rollouts, AnalysisRuns and Grafana panels concerned (output/links.ts) */
  readonly links?: readonly DeepLink[];
}

const VERB: Record<BranchKind, string> = { promote: "Promote", release: "Release", rollback: "Roll back" };
const MARKER = "<!-- ngx-release:";

export function pullRequestText(input: PullRequestTextInput): PullRequestText {
  const title = `${VERB[input.kind]} ${input.to}: ${versionSummary(input.changes)}`;
  const head: string[] = [];
  const lead =
    input.kind === "promote"
      ? `Promotes **${input.from} → ${input.to}**. Merging this pull request releases these versions to ${input.to}.`
      : input.kind === "release"
        ? `Releases newly built images into **${input.to}**.`
        : `Rolls **${input.to}** back to the versions below.`;
  head.push(lead, "");
  if (input.note) head.push(`> ${input.note.replace(/\n/g, "\n> ")}`, "");
  if (input.picture) head.push(pictureMarkdown(input.picture), "");
  head.push(
    "### Images",
    "",
    "| component | from | to | digest | source | repository |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  for (const c of input.changes) {
    head.push(
      `| ${c.component} | ${c.from ? versionOf(c.from) : "—"} | **${versionOf(c.to)}** | ${c.to.digest ? `\`${c.to.digest.slice(0, 19)}…\`` : "—"} | ${sourceLink(c.to, input.sourceRepository)} | ${repositoryCell(c)} |`,
    );
  }
  head.push("");
  if (input.superseded && input.superseded.length > 0) {
    head.push("**Supersedes** (updated on this branch before merge):");
    for (const s of input.superseded) head.push(`- ${s.summary} (\`${s.sha.slice(0, 7)}\`)`);
    head.push("");
  }
  head.push("### Gates", "");
  if (!input.gates && input.kind === "release")
    head.push("_Releases into the first environment are not gated._");
  else if (!input.gates) head.push(`_Not evaluated here; run \`ngx-release gate ${input.to}\`._`);
  else if (input.gates.length === 0) head.push(`_No gates are configured for ${input.to}._`);
  else
    for (const g of input.gates) {
      head.push(`- ${g.open ? "✅" : "❌"} **${g.name}** — ${g.reason}`);
      if (g.markdown) head.push("", g.markdown, "");
    }
  head.push("", "### Argo CD", "");
  const envs = [input.to, ...(input.from ? [input.from] : [])];
  for (const e of envs) {
    const app = input.applications[e];
    if (app) head.push(`- ${e}: [${app}](${argoCdApplicationUrl(input.argocdUrl, app)})`);
  }
  if (input.links && input.links.length > 0)
    head.push("", "### Links", "", ...input.links.map((l) => `- ${markdownLink(l)}`));
  head.push("", `### Rendered diff of ${input.to}`, "");
  const imageLines = input.diff.flatMap((d) =>
    d.images.map((i) => `- \`${d.ref}\` ${i.container}: \`${i.from ?? "—"}\` → \`${i.to ?? "—"}\``),
  );
  if (input.diff.length === 0) head.push("_The rendered manifests do not change._");
  else {
    head.push(
      `${input.diff.length} resource${input.diff.length === 1 ? "" : "s"} change. Images only:`,
      "",
      ...(imageLines.length > 0 ? imageLines : ["- (no container image changes)"]),
      "",
    );
  }
  const meta = `${MARKER}${JSON.stringify({ kind: input.kind, env: input.to, superseded: input.superseded ?? [] })} -->`;
  const fixed = head.join("\n");
  const details = input.diff.map(detailsBlock);
  let body = fixed;
  let shown = 0;
  const noteFor = (n: number) =>
    `\n\n> ⚠️ Rendered diff truncated: ${n} of ${details.length} resources shown (GitHub limits a pull request body to ${BODY_LIMIT.toLocaleString("en-US")} characters). Run \`ngx-release diff ${input.to}\` for the whole diff.\n`;
  for (const d of details) {
    const reserve = noteFor(details.length).length + meta.length + 4;
    if (body.length + d.length + 2 + reserve > BODY_BUDGET) break;
    body += `\n${d}`;
    shown += 1;
  }
  if (shown < details.length) body += noteFor(shown);
  body += `\n\n${meta}\n`;
  return { title, body, labels: labelsFor(input.kind, input.to) };
}

export function labelsFor(kind: BranchKind, env: string): string[] {
  return [kind === "promote" ? "promotion" : kind, `env:${env}`];
}

function detailsBlock(d: ResourceDiff): string {
  const patch =
    d.patch.length > PATCH_LIMIT
      ? `${d.patch.slice(0, PATCH_LIMIT)}\n… (${(d.patch.length - PATCH_LIMIT).toLocaleString("en-US")} more characters of this resource's diff cut)`
      : d.patch;
  return `<details><summary><code>${d.ref}</code> (${d.status})</summary>\n\n\`\`\`diff\n${patch}\n\`\`\`\n\n</details>`;
}

/** The image repository ("registry/path/name"), as pulled. */
function repositoryOf(image: ImageEntry): string {
  return image.newName ?? image.name;
}

/**
 * "unchanged" while the repository stays; the full repository (from → to) whenever it changes, so a
 * reviewer sees a new registry and not only a new tag. The names come from an overlay someone
 * edited: code spans made inert (output/inert.ts).
 */
function repositoryCell(c: ImageChange): string {
  const code = (s: string) => mdCode(s, 300);
  const to = repositoryOf(c.to);
  if (c.from && repositoryOf(c.from) === to) return "unchanged";
  return c.from ? `${code(repositoryOf(c.from))} → **${code(to)}**` : `**${code(to)}**`;
}

/** The git revision carried by an image tag ("1.4.2-3f2a9c1", "sha-3f2a9c1…", a bare sha). */
export function revisionOf(image: ImageEntry): string | undefined {
  const m = /(?:^|[-_.+])(?:g|sha-)?([0-9a-f]{7,40})$/.exec(image.newTag ?? "");
  return m?.[1];
}

function sourceLink(image: ImageEntry, sourceRepository: string | undefined): string {
  const rev = revisionOf(image);
  if (!rev) return "—";
  return sourceRepository
    ? `[${rev.slice(0, 7)}](https://github.com/${sourceRepository}/commit/${rev})`
    : `\`${rev.slice(0, 7)}\``;
}

/** The superseded history recorded in a pull request body written by pullRequestText. */
export function supersededFrom(body: string | undefined): Superseded[] {
  const at = body?.lastIndexOf(MARKER) ?? -1;
  if (!body || at < 0) return [];
  const end = body.indexOf(" -->", at);
  try {
    const meta = JSON.parse(body.slice(at + MARKER.length, end)) as { superseded?: Superseded[] };
    return Array.isArray(meta.superseded) ? meta.superseded : [];
  } catch {
    return [];
  }
}
