// The steps of "one commit per change" both forges (GitHub, local git) take before writing: compute
// the change from its base, then compare it with the branch head so a rerun writes nothing.
import type { ChangeBuilder, ChangeSet, CommitOutcome, CommitRequest } from "./forge.js";

type Read = (path: string, sha: string) => Promise<string | undefined>;

/** The change set at `baseSha`: as given, or built from a reader of the files there. */
export async function changeAt(
  change: CommitRequest["change"],
  baseSha: string,
  read: Read,
): Promise<ChangeSet> {
  return typeof change === "function"
    ? (change as ChangeBuilder)({ sha: baseSha, read: (p) => read(p, baseSha) })
    : change;
}

/**
 * Compares `set` with the branch head (`headSha`, undefined when the branch does not exist):
 * `unchanged` is the outcome to return when nothing needs writing (no files, or the head already
 * holds every file as it would be written); else `previousContents` are the files at the head.
 */
export async function compareWithHead(
  input: {
    readonly branch: string;
    readonly set: ChangeSet;
    readonly baseSha: string;
    readonly headSha: string | undefined;
    readonly attempt: number;
  },
  read: Read,
): Promise<{ unchanged?: CommitOutcome; previousContents: Record<string, string | undefined> }> {
  const { branch, set, baseSha, headSha, attempt } = input;
  const previousContents: Record<string, string | undefined> = {};
  if (set.files.length === 0) {
    return {
      unchanged: { branch, sha: headSha ?? baseSha, status: "unchanged", retries: attempt },
      previousContents,
    };
  }
  if (!headSha) return { previousContents };
  for (const f of set.files) previousContents[f.path] = await read(f.path, headSha);
  if (set.files.every((f) => previousContents[f.path] === f.content)) {
    return {
      unchanged: {
        branch,
        sha: headSha,
        status: "unchanged",
        previousSha: headSha,
        previousContents,
        retries: attempt,
      },
      previousContents,
    };
  }
  return { previousContents };
}
