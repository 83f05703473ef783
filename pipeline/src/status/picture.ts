// Builds the picture (output/picture.ts) from what `status` collected, and the readable version of a
// set of images that the picture, promotion and rollback pull requests show. Pure.
import type { Picture, PictureEnvironment, PicturePromotion } from "../output/picture.js";
import { type ImageEntry, versionOf as imageLabel } from "../promotion/images.js";
import type { StatusReport } from "./index.js";

/**
 * A version people can read: the one tag (or short digest) every image shares, else each component's
 * ("orchestrator 1.4.2, api-gateway 1.4.1"), at most three then "+N more".
 */
export function readableVersion(images: readonly ImageEntry[], max = 3): string {
  if (images.length === 0) return "(no images)";
  const labels = [...new Set(images.map(imageLabel))];
  if (labels.length === 1) return labels[0] as string;
  const parts = images.map((i) => `${i.name.replace(/^ngx\//, "")} ${imageLabel(i)}`);
  return parts.length > max
    ? `${parts.slice(0, max).join(", ")} +${parts.length - max} more`
    : parts.join(", ");
}

export function statusPicture(report: StatusReport): Picture {
  const rejected = new Set(report.rejected.map((r) => r.version));
  const environments: PictureEnvironment[] = report.environments.map((e) => ({
    name: e.name,
    label: e.git.label,
    version: e.git.version,
    url: e.url,
    ...(e.argocd.state === "ok"
      ? { live: `${e.argocd.health}, ${e.argocd.sync}` }
      : e.argocd.state === "unreachable"
        ? { live: "Argo CD unreachable" }
        : {}),
    ...(rejected.has(e.git.version) ? { rejected: true } : {}),
  }));
  const promotions: PicturePromotion[] = [];
  for (const [i, e] of report.environments.entries()) {
    const previous = report.environments[i - 1];
    if (!previous || e.promotion?.from !== previous.name) continue;
    const pr = e.promotionPr && !("error" in e.promotionPr) ? e.promotionPr : undefined;
    promotions.push({
      from: previous.name,
      to: e.name,
      ...(e.promotion.gates ? { gates: e.promotion.gates } : {}),
      ...(e.promotion.error ? { gatesError: e.promotion.error } : {}),
      ...(pr ? { pr: { number: pr.number, url: pr.url } } : {}),
      ...(previous.git.version !== e.git.version ? { carries: previous.git.label } : {}),
    });
  }
  return {
    environments,
    promotions,
    rejected: report.rejected.map((r) => ({
      version: r.version,
      reason: r.reason,
      ...(r.environment ? { environment: r.environment } : {}),
    })),
  };
}
