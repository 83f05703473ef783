// Where the lead time of a deployed change starts. In order of preference:
//  1. the commit time of an image's source commit, when the ledger knows it (an image tag that is a
//     commit of the source repository the clock can resolve: CI tags images with the commit sha);
//  2. the first commit of the promotion that carried the version: the first commit of the merged
//     pull request (the merge commit's second-parent side), or the commit itself when it was a direct
//     commit or a squash merge; for a version that went through earlier environments, the earliest
//     such commit across the chain (the release into the first environment).
// Anything the clock cannot answer leaves the start unknown (counted, never guessed).
import type { DeploymentRecord } from "../ledger/types.js";
import type { ChangeStart } from "./dora.js";

export interface CommitClock {
  /** when the first commit of the change landed as `sha` was authored (ISO-8601), when known */
  firstCommitTime(sha: string): Promise<{ at: string; commit: string } | undefined>;
  /** commit time of a source commit named by an image tag, when the tag is one and it is known */
  sourceCommitTime?(tag: string): Promise<string | undefined>;
}

const SHA_TAG = /^(?:sha-)?([0-9a-f]{7,40})$/;

/** the start of every given deployment; `all` is every environment's ledger (the chain) */
export async function changeStarts(
  deployments: readonly DeploymentRecord[],
  all: readonly DeploymentRecord[],
  clock: CommitClock,
): Promise<Map<string, ChangeStart>> {
  const cache = new Map<string, Promise<{ at: string; commit: string } | undefined>>();
  const first = (sha: string) => {
    let p = cache.get(sha);
    if (!p) {
      p = clock.firstCommitTime(sha);
      cache.set(sha, p);
    }
    return p;
  };
  const starts = new Map<string, ChangeStart>();
  for (const d of deployments) {
    const fromImages = await imageSourceStart(d, clock);
    if (fromImages) {
      starts.set(d.id, fromImages);
      continue;
    }
    // the version's deployments in every environment, created no later than this one
    const carriers = all.filter(
      (o) => o.version === d.version && Date.parse(o.createdAt) <= Date.parse(d.createdAt),
    );
    if (!carriers.some((o) => o.id === d.id)) carriers.push(d);
    let best: ChangeStart | undefined;
    for (const o of carriers) {
      const t = await first(o.sha);
      if (t && (!best || Date.parse(t.at) < Date.parse(best.at)))
        best = { at: t.at, source: "promotion first commit", commit: t.commit };
    }
    if (best) starts.set(d.id, best);
  }
  return starts;
}

async function imageSourceStart(d: DeploymentRecord, clock: CommitClock): Promise<ChangeStart | undefined> {
  if (!clock.sourceCommitTime) return undefined;
  let earliest: ChangeStart | undefined;
  for (const image of d.images) {
    const m = image.newTag ? SHA_TAG.exec(image.newTag) : null;
    if (!m?.[1]) continue;
    const at = await clock.sourceCommitTime(m[1]);
    if (at && (!earliest || Date.parse(at) < Date.parse(earliest.at)))
      earliest = { at, source: "image source commit", commit: m[1] };
  }
  return earliest;
}

/** asks each clock in turn (the local clone first, then the forge); the first answer wins */
export function firstKnownClock(...clocks: readonly CommitClock[]): CommitClock {
  return {
    async firstCommitTime(sha) {
      for (const c of clocks) {
        const t = await c.firstCommitTime(sha);
        if (t) return t;
      }
      return undefined;
    },
    async sourceCommitTime(tag) {
      for (const c of clocks) {
        const t = await c.sourceCommitTime?.(tag);
        if (t) return t;
      }
      return undefined;
    },
  };
}
