// Hostile strings through the inert functions. Markdown is rendered by a real GFM implementation
// (micromark with its GFM extension, raw HTML allowed as GitHub allows some) and the HTML is
// checked for anything that is not text: links, images, HTML elements, headings, extra cells.
import { micromark } from "micromark";
import { gfm, gfmHtml } from "micromark-extension-gfm";
import { describe, expect, it } from "vitest";
import {
  commitText,
  escapeCommandData,
  escapeCommandProperty,
  guardLog,
  logText,
  mdCode,
  mdText,
  singleLine,
  truncate,
  workflowCommand,
} from "../../pipeline/src/output/inert.js";

const render = (md: string) =>
  micromark(md, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });

const HOSTILE = [
  "@octocat please look",
  "cc @org/security-team",
  "fixes #12 and GH-34",
  "[click me](https://evil.example/phish)",
  "![pixel](https://evil.example/track.png)",
  "<img src=x onerror=alert(1)>",
  "<details><summary>hidden</summary>approve this</details>",
  "https://evil.example/autolink and www.evil.example",
  "<https://evil.example>",
  "evil@example.com",
  "`` ` code breakout ` ``",
  "```\n# fenced\n```",
  "| a | b |\n| --- | --- |\n| c | d |",
  "# Heading\n## Another",
  "line one\n\n---\nSetext\n===",
  "*bold* _em_ ~~strike~~ **strong**",
  "&lt;script&gt; &amp; &#64;octocat",
  "[ref]: https://evil.example\n[ref]",
  "- [ ] task\n1. item",
  "> quote",
  "\\",
  "text with \u202eevil\u202c bidi and \u0007 bell and \x1b[31mred\x1b[0m",
];

/** the text inside the HTML, with the tags a plain paragraph has removed */
function onlyParagraph(html: string): string {
  return html.replace(/^<p>/, "").replace(/<\/p>\n?$/, "");
}

describe("mdText", () => {
  it.each(HOSTILE)("renders %j as one paragraph of text: no link, image, HTML, heading", (s) => {
    const html = render(mdText(s));
    expect(html.startsWith("<p>")).toBe(true);
    const inner = onlyParagraph(html);
    expect(inner).not.toMatch(/<[a-z/]/i); // no element of any kind inside the paragraph
    expect(html.match(/<p>/g)).toHaveLength(1);
  });

  it("shows the same characters it was given (line breaks as spaces, controls and bidi dropped)", () => {
    const s = "[x](y) <b>z</b> `c` *e* #1 @me | a & b";
    const html = onlyParagraph(render(mdText(s)));
    const text = html
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&")
      .replace(/\u200b/g, "");
    expect(text).toBe(s);
  });

  it("breaks @-mentions, team mentions and issue references (GitHub links them after Markdown)", () => {
    const out = mdText("@octocat @org/team #12 GH-34 gh-5");
    expect(out).not.toMatch(/@[A-Za-z0-9]/);
    expect(out).not.toMatch(/#\d/);
    expect(out).not.toMatch(/GH-\d/i);
    // an e-mail address keeps its characters, only a zero-width space is added
    expect(mdText("a@b.c").replace(/\u200b/g, "")).toBe("a@b\\.c");
  });

  it("keeps a table row at its cell count whatever the cell holds", () => {
    const row = `| ${mdText("a | b | c")} | ${mdText("x\n| y |")} |`;
    const html = render(`| one | two |\n| --- | --- |\n${row}`);
    expect(html.match(/<td>/g)).toHaveLength(2);
  });

  it("cuts long text before escaping (the escape is never cut in half)", () => {
    const out = mdText("[".repeat(5000), 100);
    expect(out).toBe(`${"\\[".repeat(99)}…`);
  });
});

describe("mdCode", () => {
  it.each(HOSTILE)("renders %j as exactly one code span", (s) => {
    const inner = onlyParagraph(render(mdCode(s)));
    expect(inner).toMatch(/^<code>[^<]*<\/code>$/);
  });

  it("cannot be closed early by backticks inside", () => {
    expect(mdCode("a ``` b")).toBe("````a ``` b````");
    expect(mdCode("`x`")).toBe("`` `x` ``");
    expect(onlyParagraph(render(mdCode("`x`")))).toBe("<code>`x`</code>");
    expect(mdCode("")).toBe("` `");
  });

  it("holds a pipe inside one table cell", () => {
    const html = render(`| a | b |\n| --- | --- |\n| ${mdCode("x | y")} | ${mdCode("`|`")} |`);
    expect(html.match(/<td>/g)).toHaveLength(2);
    expect(html).toContain("<code>x | y</code>");
  });
});

describe("commitText", () => {
  it("is one line: no body, no trailer, no comment line, no closing keyword reference", () => {
    const out = commitText(
      "revert\n\nSigned-off-by: Mallory <m@evil.example>\nCo-authored-by: x <y@z>\r\nfixes #12",
    );
    expect(out).not.toMatch(/[\r\n]/);
    expect(out).not.toMatch(/#\d/);
    expect(commitText("# not a comment")).toBe("\\# not a comment");
    expect(commitText(`${"x".repeat(500)}`, 50)).toHaveLength(50);
  });
});

describe("Actions log", () => {
  // GitHub's runner (src/Runner.Common/ActionCommand.cs): TryParseV2 trims leading white space and
  // looks for `::` at the start; TryParse looks for `##[` anywhere in the line.
  const isCommand = (line: string) => line.trimStart().startsWith("::") || line.includes("##[");

  it.each([
    "::error::forged",
    "   ::add-mask::secret",
    "\t::set-output name=x::y",
    "ok\n::warning::second line",
    "ok\r::notice::after a carriage return",
    "ok\u2028::debug::after a line separator",
    "##[error]old form",
    "prefix ##[group]inside",
    "::stop-commands::token",
  ])("logText(%j) is one line that no runner reads as a workflow command", (s) => {
    const out = logText(s);
    expect(out.split(/\r|\n/)).toHaveLength(1);
    expect(isCommand(out)).toBe(false);
  });

  it("drops ANSI escapes and bidi overrides", () => {
    expect(logText("\x1b[31mred\x1b[0m \u202eabc")).toBe("[31mred[0m abc");
  });

  it("guardLog neutralises every line of an output block and keeps ordinary lines as they are", () => {
    const out = guardLog("title\n::error::x\n  ::add-mask::y\nsee ##[group]z\nplain");
    expect(out.split("\n")).toEqual([
      "title",
      "\\::error::x",
      "  \\::add-mask::y",
      "see #\\#[group]z",
      "plain",
    ]);
    expect(out.split("\n").some(isCommand)).toBe(false);
  });

  it("encodes command data and properties as the runner decodes them", () => {
    expect(escapeCommandData("50% done\r\n::error::x")).toBe("50%25 done%0D%0A::error::x");
    expect(escapeCommandProperty("a:b,c%\n")).toBe("a%3Ab%2Cc%25%0A");
    const cmd = workflowCommand("error", "bad\n::add-mask::x", { title: "t,1:2", file: undefined });
    expect(cmd).toBe("::error title=t%2C1%3A2::bad%0A::add-mask::x");
    expect(cmd.split("\n")).toHaveLength(1);
    expect(() => workflowCommand("error::x", "m")).toThrow(/not a workflow command name/);
  });
});

describe("singleLine and truncate", () => {
  it("never splits a surrogate pair and marks a cut", () => {
    expect(truncate("ab😀cd", 4)).toBe("ab…");
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcd", 0)).toBe("");
    expect(singleLine("a\r\nb\u0085c\u0000d")).toBe("a b cd");
  });
});
