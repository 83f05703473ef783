// The picture: Mermaid's own parser accepts it, labels carry versions, gates and reasons, and foreign
// text (reasons, versions) can neither break the diagram nor the ```mermaid fence around it.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type Picture, pictureMarkdown, pictureMermaid } from "../../pipeline/src/output/picture.js";
import { readableVersion } from "../../pipeline/src/status/picture.js";
import { flowchartGraph, mermaidBlocks, parseMermaid } from "../helpers/mermaid.js";

const chain: Picture = {
  environments: [
    {
      name: "dev",
      label: "1.4.2",
      version: "0123456789ab",
      url: "https://argocd.example.com/applications/argocd/ngx-agents-dev",
    },
    { name: "staging", label: "1.4.1", version: "ba9876543210", live: "Healthy, Synced" },
    { name: "production", label: "1.4.0", version: "aaaaaaaaaaaa", rejected: true },
  ],
  promotions: [
    {
      from: "dev",
      to: "staging",
      carries: "1.4.2",
      gates: [
        { name: "synced-healthy", open: true, reason: "Synced and Healthy at 1a2b3c4" },
        { name: "soak", open: false, reason: "healthy for 10m of 30m" },
      ],
      pr: { number: 42, url: "https://github.com/o/r/pull/42" },
    },
    { from: "staging", to: "production", gates: [{ name: "freeze", open: true, reason: "no freeze" }] },
  ],
  rejected: [{ version: "aaaaaaaaaaaa", environment: "production", reason: "canary error rate 7%" }],
};

describe("picture", () => {
  it("is a flowchart Mermaid parses: environments left to right, gates, the PR, the rejected version", async () => {
    const text = pictureMermaid(chain);
    expect(await parseMermaid(text)).toBe("flowchart-v2");
    expect(text.split("\n")[0]).toBe("flowchart LR");
    expect(text).toContain('env_dev["dev<br/>1.4.2<br/>version 0123456789ab"]');
    expect(text).toContain('env_staging["staging<br/>1.4.1<br/>version ba9876543210<br/>Healthy, Synced"]');
    expect(text).toContain(
      'promote_staging{{"promote dev → staging<br/>carries 1.4.2<br/>❌ 1 of 2 gates closed<br/>soak: healthy for 10m of 30m<br/>PR #35;42 open"}}',
    );
    expect(text).toContain("env_dev --> promote_staging --> env_staging");
    expect(text).toContain('promote_production{{"promote staging → production<br/>✅ 1 gates open"}}');
    expect(text).toContain('rejected_0["⛔ rejected aaaaaaaaaaaa<br/>canary error rate 7#37;"]');
    expect(text).toContain("rejected_0 -.- env_production");
    expect(text).toContain('click promote_staging href "https://github.com/o/r/pull/42"');
    expect(text).toContain("class promote_staging closed");
    expect(text).toContain("class promote_production open");
    expect(text).toMatch(/class env_production,rejected_0 rejected/);
  });

  it("makes foreign text inert: quotes, brackets, fences, comments, entities and line breaks", async () => {
    const hostile = 'x"]) --> pwn["owned\n```\n%% comment\n<img src=x onerror=alert(1)> #quot; & \\ `md`';
    const picture: Picture = {
      environments: [
        { name: "dev", label: hostile },
        { name: "staging", label: "1.0" },
      ],
      promotions: [{ from: "dev", to: "staging", gatesError: hostile }],
      rejected: [{ version: hostile, environment: "staging", reason: hostile }],
      rollback: { env: "staging", from: hostile, to: "1.0" },
    };
    const block = pictureMarkdown(picture);
    expect(mermaidBlocks(block)).toHaveLength(1);
    const text = mermaidBlocks(block)[0] as string;
    expect(await parseMermaid(text)).toBe("flowchart-v2");
    // the hostile text made no node and no edge of its own
    expect(await flowchartGraph(text)).toEqual({
      nodes: ["env_dev", "env_staging", "promote_staging", "rejected_0", "rollback_staging"],
      edges: 4,
    });
    expect(text).not.toContain("<img");
    expect(text).not.toContain("```");
    expect(text).not.toContain("%%");
    expect(text).toContain("x#quot;]) --#gt; pwn[#quot;owned #96;#96;#96; #37;#37; comment #lt;img");
    // the same text unescaped is what the parser refuses: the check above can fail
    await expect(parseMermaid(`flowchart LR\n  a["${hostile}"]`)).rejects.toThrow();
    const injected = 'x"] --> pwn["z';
    expect((await flowchartGraph(`flowchart LR\n  a["${injected}"]`)).nodes).toContain("pwn");
    expect(
      (
        await flowchartGraph(
          pictureMermaid({ environments: [{ name: "a", label: injected }], promotions: [] }),
        )
      ).nodes,
    ).toEqual(["env_a"]);
  });

  it("says when gates were not evaluated and cuts long reasons", async () => {
    const long = "r".repeat(300);
    const text = pictureMermaid({
      environments: [
        { name: "dev", label: "1" },
        { name: "staging", label: "2" },
      ],
      promotions: [{ from: "dev", to: "staging", gates: [{ name: "analysis", open: false, reason: long }] }],
    });
    expect(await parseMermaid(text)).toBe("flowchart-v2");
    expect(text).toContain(`analysis: ${"r".repeat(79)}…`);
    expect(
      pictureMermaid({ environments: chain.environments, promotions: [{ from: "dev", to: "staging" }] }),
    ).toContain("gates not evaluated");
  });

  it("reads versions as people do: one shared tag, else each component's", () => {
    expect(
      readableVersion([
        { name: "ngx/a", newTag: "1.4.2" },
        { name: "ngx/b", newTag: "1.4.2" },
      ]),
    ).toBe("1.4.2");
    expect(
      readableVersion([
        { name: "ngx/a", newTag: "1.4.2" },
        { name: "ngx/b", digest: `sha256:${"c".repeat(64)}` },
      ]),
    ).toBe("a 1.4.2, b cccccccccccc");
    expect(readableVersion([])).toBe("(no images)");
  });

  it("the README's example picture is valid Mermaid", async () => {
    const readme = readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8");
    const blocks = mermaidBlocks(readme);
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) expect(await parseMermaid(b)).toBe("flowchart-v2");
  });
});
