// The promotion's RejectedVersions lookup (promotion/plan.ts) on top of the ledger. Rejections are
// global: a version that failed in one environment must not be pushed into another, until
// `ngx-release unreject`. Images are refused when
//   (a) their set has a rejected version id (ledger/version.ts), or
//   (b) they are all part of a rejected version's images — promotion passes only the images that
//       change, and a change made only of images from a rejected release would bring it back.
// (b) is deliberately conservative: when a release changed several images and failed, no image of
// it is promoted alone until someone unrejects the version.
import type { ImageEntry } from "../promotion/images.js";
import { imageRef } from "../promotion/images.js";
import { type Ledger, listRejected, type Rejection } from "./types.js";
import { imageIdentity, versionOf } from "./version.js";

/** the shape of promotion/plan.ts RejectedVersion (kept structural so the two modules stay independent) */
export interface RejectedImage {
  readonly component: string;
  readonly image: string;
  readonly reason: string;
}

/** implements promotion/plan.ts RejectedVersions */
export interface RejectedLookup {
  findRejected(env: string, images: readonly ImageEntry[]): Promise<readonly RejectedImage[]>;
}

export function matchRejection(
  rejections: readonly Rejection[],
  images: readonly ImageEntry[],
): Rejection | undefined {
  if (images.length === 0) return undefined;
  const version = versionOf(images);
  const exact = rejections.find((r) => r.version === version);
  if (exact) return exact;
  const ids = images.map(imageIdentity);
  return rejections.find((r) => {
    if (!r.images?.length) return false;
    const rejected = new Set(r.images.map(imageIdentity));
    return ids.every((id) => rejected.has(id));
  });
}

export function rejectedVersionsFrom(ledger: Ledger): RejectedLookup {
  return {
    async findRejected(_env: string, images: readonly ImageEntry[]): Promise<readonly RejectedImage[]> {
      const rejection = matchRejection(await listRejected(ledger), images);
      if (!rejection) return [];
      const where = rejection.environment ? ` in ${rejection.environment}` : "";
      return images.map((im) => ({
        component: im.name.replace(/^ngx\//, ""),
        image: imageRef(im),
        reason: `version ${rejection.version} rejected${where} on ${rejection.at.slice(0, 16).replace("T", " ")}: ${rejection.reason}`,
      }));
    },
  };
}
