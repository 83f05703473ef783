// Mermaid's own parser for the pictures we print. mermaid.parse() needs a DOM only for DOMPurify (it
// calls DOMPurify.addHook, which exists only when DOMPurify was given a window), so a jsdom window is
// made global before mermaid is first imported. mermaid 11.x and jsdom 26 are the last majors that
// run on Node 20 (mermaid 12 and jsdom 27 want Node 22).
import { JSDOM } from "jsdom";

interface FlowDb {
  getVertices(): Map<string, unknown>;
  getEdges(): unknown[];
}
interface Mermaid {
  parse(text: string): Promise<unknown>;
  mermaidAPI: { getDiagramFromText(text: string): Promise<{ db: FlowDb }> };
}

let loaded: Promise<Mermaid> | undefined;

function mermaid() {
  if (!loaded) {
    const g = globalThis as { window?: unknown };
    if (!g.window) g.window = new JSDOM("").window;
    loaded = import("mermaid").then((m) => m.default as unknown as Mermaid);
  }
  return loaded;
}

/** The diagram type Mermaid parsed, e.g. "flowchart-v2"; throws Mermaid's parse error otherwise. */
export async function parseMermaid(text: string): Promise<string> {
  const result = (await (await mermaid()).parse(text)) as { diagramType: string };
  return result.diagramType;
}

/** Every ```mermaid block of a Markdown text. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1] as string);
}

/** The node ids and the number of edges of a flowchart, as Mermaid's own flowchart database holds them. */
export async function flowchartGraph(text: string): Promise<{ nodes: string[]; edges: number }> {
  const m = await mermaid();
  await m.parse(text);
  const { db } = await m.mermaidAPI.getDiagramFromText(text);
  return { nodes: [...db.getVertices().keys()].sort(), edges: db.getEdges().length };
}
