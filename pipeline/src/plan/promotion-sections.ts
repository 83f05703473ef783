// Plan sections about each promotion along the chain: the rendered diff it would make in the
// target environment, and the gates that decide whether it may open. Both are reports: a closed
// gate or a refused promotion does not fail `plan` (validation does).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isNgxError } from "../errors.js";
import { table } from "../output/format.js";
import type { PlanSection } from "./sections.js";

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));

const REASON_WIDTH = 72;

/** `text` in lines of at most `width` characters, broken at spaces (a longer word keeps its line) */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

export const renderedDiffSection: PlanSection = {
  id: "rendered-diff",
  title: "Rendered change each promotion would make",
  async build({ repo, promotions, rendered, kustomize }) {
    const { overlayFile, planOverlayUpdate, sourceImages } = await import("../promotion/plan.js");
    const { renderedDiff } = await import("../promotion/rendered-diff.js");
    type Row = { from: string; to: string; resources: { ref: string; status: string }[]; refused?: string };
    // the promotions' renders are independent: side by side
    const data: Row[] = await Promise.all(
      promotions.map(async (p): Promise<Row> => {
        const target = repo.environments.find((e) => e.name === p.to);
        if (!target || p.changes.length === 0) return { from: p.from, to: p.to, resources: [] };
        try {
          const read = (env: string) => readFileSync(join(repo.root, overlayFile(env)), "utf8");
          const current = read(p.to);
          const update = planOverlayUpdate(
            target,
            current,
            sourceImages(read(p.from), overlayFile(p.from)),
            p.from,
          );
          // the checked-out overlay was rendered by the validation: only the promoted one is new
          const before = update.before === current ? rendered.get(p.to) : undefined;
          const diff = await renderedDiff(repo, update.file, update.before, update.after, kustomize, before);
          return { from: p.from, to: p.to, resources: diff.map((d) => ({ ref: d.ref, status: d.status })) };
        } catch (e) {
          if (!isNgxError(e)) throw e;
          return { from: p.from, to: p.to, resources: [], refused: describe(e) };
        }
      }),
    );
    const text =
      data.length === 0
        ? "no promotion along the chain"
        : data
            .map((d) => {
              const head = `${d.from} → ${d.to}`;
              if ("refused" in d) return `${head}: promote would refuse: ${d.refused}`;
              if (d.resources.length === 0) return `${head}: no rendered change`;
              return `${head}: ${d.resources.length} resource(s)\n${table(
                ["RESOURCE", "CHANGE"],
                d.resources.map((r) => [r.ref, r.status]),
              )}`;
            })
            .join("\n\n");
    return { id: "rendered-diff", title: "Rendered change each promotion would make", ok: true, text, data };
  },
};

export const gatesSection: PlanSection = {
  id: "gates",
  title: "Gates for each promotion (closed when they cannot be evaluated)",
  async build({ repo, env }) {
    const { gateReportFor } = await import("../gates/run.js");
    const title = "Gates for each promotion (closed when they cannot be evaluated)";
    const data = [];
    const rows: string[][] = [];
    const versions: string[] = [];
    let closed = 0;
    // a long reason continues on rows of its own, so the table stays as wide as a terminal
    const push = (into: string, gate: string, state: string, reason: string) =>
      wrap(reason, REASON_WIDTH).forEach((line, i) => {
        rows.push(i === 0 ? [into, gate, state, line] : ["", "", "", line]);
      });
    for (const target of repo.environments.slice(1)) {
      try {
        const report = await gateReportFor(repo, target.name, env);
        data.push(report);
        versions.push(`${report.version} = the images now in ${report.from}, promoted into ${target.name}`);
        if (report.gates.length === 0) rows.push([target.name, "(none configured)", "", ""]);
        for (const g of report.gates) {
          if (!g.open) closed++;
          push(target.name, g.name, g.open ? "open" : "CLOSED", g.reason);
        }
      } catch (e) {
        if (!isNgxError(e)) throw e;
        data.push({ environment: target.name, error: describe(e) });
        closed++;
        push(target.name, "(not evaluated)", "", describe(e));
      }
    }
    const text =
      rows.length === 0
        ? "only one environment: no gates"
        : [
            "version ids (the first 12 hex of a hash of an environment's images; gates, the ledger and rollbacks name versions by them):",
            ...versions.map((v) => `  ${v}`),
            "",
            table(["INTO", "GATE", "STATE", "REASON"], rows),
          ].join("\n");
    return {
      id: "gates",
      title,
      ok: true,
      ...(closed > 0 ? { label: `CLOSED (${closed})` } : {}),
      text,
      data,
    };
  },
};
