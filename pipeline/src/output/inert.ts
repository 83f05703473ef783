// Foreign text made inert. "Foreign" is anything the pipeline did not write itself: dispatch
// payloads, ledger records, Argo CD / Argo Rollouts messages, pull-request text, image names read
// from a file someone else edited. Before such text reaches Markdown (PR bodies, comments),
// a commit message, a deployment status or a line of the Actions log it goes through one of these
// functions. Pure: string in, string out; none throws on foreign input.
//
// Facts this relies on:
// - CommonMark §2.4: any ASCII punctuation character may be backslash-escaped and is then literal,
//   so an escaped `[`, `!`, `<`, `` ` ``, `|`, `#`, `*`, `_`, `&` can no longer open a link, an
//   image, raw HTML, a code span, a table cell, a heading, emphasis or an entity. GFM tables split
//   cells on unescaped `|` only, also inside code spans ("include a pipe in a cell's content …
//   by escaping it").
// - GitHub turns `@name` and `#123` in rendered text into mentions and references after Markdown
//   (escaping does not stop them); Renovate's lib/util/markdown.ts (sanitizeMarkdown) puts a zero
//   width space after `@` and between `#` and a digit for the same reason. We do the same.
// - GitHub Actions runner, src/Runner.Common/ActionCommand.cs: TryParseV2 trims leading white
//   space from each log line and treats it as a workflow command when it then starts with `::`;
//   TryParse (the older form) finds `##[` anywhere in the line. The data of a command is unescaped
//   with %0D → \r, %0A → \n, %25 → %, a property additionally with %3A → ':' and %2C → ','. The
//   toolkit's escapeData/escapeProperty (actions/toolkit packages/core/src/command.ts) are the
//   inverse; GitHub's "Workflow commands for GitHub Actions" page documents the same encoding.

const ZWSP = "\u200b";

/** every C0/C1 control character except tab, and the Unicode line/paragraph separators */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const LINE_BREAK = /\r\n|[\r\n\u2028\u2029\u0085]/g;
/** bidirectional overrides/isolates: they make text read differently from what it is (Trojan Source) */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;
/** ASCII punctuation CommonMark lets us escape, minus the ones that never start anything inline */
const MD_PUNCT = /[\\`*_{}[\]()<>#+\-.!|~&"'=:^$%/]/g;

/** one line: line breaks become a space, control and bidi characters are dropped, runs of spaces kept */
export function singleLine(text: string): string {
  return String(text).replace(LINE_BREAK, " ").replace(CONTROL, "").replace(BIDI, "");
}

/**
 * Cuts `text` to at most `max` characters (UTF-16 units, what GitHub counts), ending with `…` when
 * cut; never splits a surrogate pair. Apply to foreign text *before* escaping it so the escape is
 * never cut in half.
 */
export function truncate(text: string, max: number): string {
  if (max <= 0) return "";
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

function breakMentions(text: string): string {
  // @name, team mentions @org/team, and #123 / GH-123 references
  return text.replace(/@(?=[A-Za-z0-9])/g, `@${ZWSP}`).replace(/(#|GH-)(?=\d)/gi, `$1${ZWSP}`);
}

/**
 * Foreign text as literal prose inside Markdown (a sentence, a table cell): one line, every
 * Markdown-significant character backslash-escaped, mentions and references broken. Renders as
 * the same characters it was given (plus invisible zero-width spaces after `@`/`#`).
 */
export function mdText(text: string, max = 1000): string {
  const line = truncate(singleLine(text), max);
  return breakMentions(line.replace(MD_PUNCT, (c) => `\\${c}`));
}

/**
 * Foreign text as an inline code span: nothing inside is Markdown (no link, image, HTML, mention),
 * the fence is one backtick longer than the longest run inside so it cannot be closed early, and
 * `|` is escaped so a table cell holds it whole.
 */
export function mdCode(text: string, max = 200): string {
  const line = truncate(singleLine(text), max);
  if (line === "") return "` `";
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = /^[`\s]|[`\s]$/.test(line) ? " " : "";
  return `${fence}${pad}${line.replace(/\|/g, "\\|")}${pad}${fence}`;
}

/**
 * Foreign text inside a commit message: one line (no way to start a body or add
 * `Signed-off-by:`/`Co-authored-by:` trailers), no control characters, `#` at the start escaped
 * (git's commit.cleanup would drop the line as a comment), mentions and `#123` broken (so
 * "fixes #12" in a payload closes no issue when the commit lands), cut to `max`.
 */
export function commitText(text: string, max = 200): string {
  const line = truncate(singleLine(text).trim(), max);
  return breakMentions(line.replace(/^#/, "\\#"));
}

/**
 * Foreign text for a plain line of the Actions log or the terminal: one line, no control or bidi
 * characters (so no ANSI escapes either), no `##[` anywhere and no leading `::`. Use it for a value
 * embedded in a line the CLI prints; use `guardLog` on whole output that may contain foreign lines.
 */
export function logText(text: string, max = 2000): string {
  return neutraliseCommandLine(truncate(singleLine(text), max));
}

function neutraliseCommandLine(line: string): string {
  let out = line.replace(/##\[/g, "#\\#[");
  if (/^\s*::/.test(out)) out = out.replace(/^(\s*):/, "$1\\:");
  return out;
}

/**
 * Whole output (any number of lines) that must not contain a workflow command: each line that
 * would be one is neutralised (`\::…`, `#\#[`), control characters are removed. Lines the CLI
 * means as commands are written with `workflowCommand` and never passed through this.
 */
export function guardLog(output: string): string {
  return output
    .split("\n")
    .map((l) => neutraliseCommandLine(l.replace(/\r/g, "").replace(CONTROL, "").replace(BIDI, "")))
    .join("\n");
}

/** GitHub's encoding of a workflow command's data (after the second `::`) */
export function escapeCommandData(text: string): string {
  return String(text).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** GitHub's encoding of a workflow command property value (`file=`, `title=`) */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/**
 * A workflow command the CLI means: `::name k=v,…::message`, with every value encoded so foreign
 * text inside cannot end the command or start another one. `name` is ours, never foreign.
 */
export function workflowCommand(
  name: string,
  message: string,
  properties: Readonly<Record<string, string | undefined>> = {},
): string {
  if (!/^[a-z][a-z-]*$/.test(name)) throw new Error(`not a workflow command name: ${name}`);
  const props = Object.entries(properties)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== "")
    .map(([k, v]) => `${k}=${escapeCommandProperty(v)}`)
    .join(",");
  return `::${name}${props ? ` ${props}` : ""}::${escapeCommandData(message)}`;
}
