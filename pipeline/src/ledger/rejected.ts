// The promotion's RejectedVersions lookup on top of the ledger: a set of images is refused when its
// version (ledger/version.ts) has been rejected — in any environment, since a version that failed in
// one place must not be pushed into another — until `ngx-release unreject`.
import type { ImageEntry } from "../promotion/images.js";
import { imageRef } from "../promotion/images.js";
import { findRejection, type Ledger } from "./types.js";
import { versionOf } from "./version.js";

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

export function rejectedVersionsFrom(ledger: Ledger): RejectedLookup {
  return {
    async findRejected(_env: string, images: readonly ImageEntry[]): Promise<readonly RejectedImage[]> {
      const version = versionOf(images);
      const rejection = await findRejection(ledger, version);
      if (!rejection) return [];
      const where = rejection.environment ? ` in ${rejection.environment}` : "";
      return images.map((im) => ({
        component: im.name.replace(/^ngx\//, ""),
        image: imageRef(im),
        reason: `version ${version} rejected${where} on ${rejection.at.slice(0, 16).replace("T", " ")}: ${rejection.reason}`,
      }));
    },
  };
}
