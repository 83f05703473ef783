// The job summary of `status` under GitHub Actions: the picture, one row per environment and the deep
// links. Every foreign value (versions, Argo CD messages, reasons) is inert (output/inert.ts).
import { markdownTable } from "../output/actions.js";
import { markdownLink } from "../output/links.js";
import { pictureMarkdown } from "../output/picture.js";
import type { StatusReport } from "./index.js";
import { statusPicture } from "./picture.js";

export function statusSummary(report: StatusReport): string {
  const rows = report.environments.map((e) => {
    const a = e.argocd;
    const argocd =
      a.state === "ok"
        ? `${a.sync}, ${a.health}`
        : a.state === "unreachable"
          ? "unreachable"
          : "not configured";
    const gates = e.promotion
      ? e.promotion.error
        ? "not evaluated"
        : e.promotion.open
          ? "open"
          : `closed: ${(e.promotion.gates ?? [])
              .filter((g) => !g.open)
              .map((g) => g.name)
              .join(", ")}`
      : "";
    const pr = e.promotionPr && !("error" in e.promotionPr) ? `#${e.promotionPr.number}` : "";
    return [
      e.name,
      e.git.label,
      e.git.version,
      argocd,
      (e.rollouts ?? []).map((r) => `${r.name}: ${r.summary}`).join("; "),
      gates,
      pr,
    ];
  });
  const links = report.environments.flatMap((e) => [
    { label: `${e.name}: Argo CD application ${e.application}`, url: e.url },
    ...(e.links ?? []).map((l) => ({ ...l, label: `${e.name}: ${l.label}` })),
  ]);
  return [
    "## ngx-release status",
    "",
    pictureMarkdown(statusPicture(report)),
    "",
    markdownTable(
      ["environment", "version", "id", "Argo CD", "rollouts", "gates into it", "promotion PR"],
      rows,
    ),
    "",
    ...links.map((l) => `- ${markdownLink(l)}`),
  ].join("\n");
}
