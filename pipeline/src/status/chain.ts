// The picture a promotion or rollback pull request carries: every environment with the version its
// overlay has at the base commit, and the change this pull request makes (a promotion with its gates,
// or a rollback). Reads overlays through `read` (the forge's snapshot of the base), nothing else.
import type { Repo } from "../config/load.js";
import { applicationUrl, environmentLinks } from "../output/links.js";
import type { Picture, PictureGate } from "../output/picture.js";
import { type ImageEntry, readImages } from "../promotion/images.js";
import { readableVersion } from "./picture.js";

export type ReadFile = (path: string) => Promise<string | undefined>;

async function environmentsAt(repo: Repo, read: ReadFile) {
  const out = [];
  for (const env of repo.environments) {
    const file = `environments/${env.name}/kustomization.yaml`;
    const content = await read(file);
    let images: ImageEntry[] = [];
    try {
      images = content === undefined ? [] : readImages(content, file);
    } catch {
      images = [];
    }
    out.push({
      name: env.name,
      label: content === undefined ? "(no overlay)" : readableVersion(images),
      url: applicationUrl(environmentLinks(repo.config, env)),
    });
  }
  return out;
}

/** The picture of a promotion pull request from `from` into `to`. */
export async function promotionPicture(
  repo: Repo,
  read: ReadFile,
  promotion: {
    readonly from: string;
    readonly to: string;
    readonly carries: readonly ImageEntry[];
    readonly gates?: readonly PictureGate[];
  },
): Promise<Picture> {
  return {
    environments: await environmentsAt(repo, read),
    promotions: [
      {
        from: promotion.from,
        to: promotion.to,
        carries: readableVersion(promotion.carries),
        ...(promotion.gates ? { gates: promotion.gates } : {}),
        pr: {},
      },
    ],
  };
}

/** The picture of a rollback pull request: the environment, the rejected version and what returns. */
export async function rollbackPicture(
  repo: Repo,
  read: ReadFile,
  rollback: {
    readonly env: string;
    readonly failed: readonly ImageEntry[];
    readonly failedVersion: string;
    readonly restored: readonly ImageEntry[];
    readonly reason: string;
  },
): Promise<Picture> {
  const environments = (await environmentsAt(repo, read)).map((e) =>
    e.name === rollback.env ? { ...e, rejected: true } : e,
  );
  return {
    environments,
    promotions: [],
    rejected: [{ version: rollback.failedVersion, environment: rollback.env, reason: rollback.reason }],
    rollback: {
      env: rollback.env,
      from: readableVersion(rollback.failed),
      to: readableVersion(rollback.restored),
    },
  };
}
