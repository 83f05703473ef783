// promote <from> <to>: copies the images of <from>'s overlay into <to>'s as one commit on
// promote/<to> with one pull request (or a direct commit when <to> says write: commit).
// Every refusal happens before the first request that writes.
import type { BaseSnapshot, Forge } from "../adapters/forge.js";
import type { Kustomize } from "../adapters/kustomize.js";
import { environmentByName, type Repo } from "../config/load.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { ConfigError } from "../errors.js";
import { promotionLinks } from "../output/links.js";
import { promotionPicture } from "../status/chain.js";
import { BranchName } from "./branch.js";
import { componentOf, imageRef, readImages, sameImage, versionOf } from "./images.js";
import {
  checkNotRejected,
  checkOrder,
  type ImageChange,
  nothingRejected,
  type OverlayUpdate,
  overlayFile,
  planOverlayUpdate,
  type RejectedVersions,
  sourceImages,
  versionSummary,
} from "./plan.js";
import { type PublishOutcome, publish } from "./publish.js";
import { type GateResult, type PullRequestText, pullRequestText } from "./pull-request-text.js";
import { assertAllowedRegistries } from "./registries.js";
import { type ResourceDiff, renderedDiff } from "./rendered-diff.js";

export interface PromoteRequest {
  readonly repo: Repo;
  readonly forge: Forge;
  readonly from: string;
  readonly to: string;
  readonly allowSkip?: boolean;
  readonly dryRun?: boolean;
  readonly rejected?: RejectedVersions;
  /** gate results to show in the pull request (the gates module evaluates them) */
  readonly gates?: readonly GateResult[];
  /** a line shown at the top of the pull request (e.g. why gates were skipped) */
  readonly note?: string;
  readonly sourceRepository?: string;
  readonly kustomize?: Kustomize;
  readonly progress?: (message: string) => void;
}

export interface ChangeResult {
  /** nothing-to-do: the target already has these images; planned: --dry-run */
  readonly status: "nothing-to-do" | "planned" | "written";
  readonly env: string;
  readonly branch: string;
  readonly changes: readonly ImageChange[];
  readonly diff: readonly ResourceDiff[];
  readonly text?: PullRequestText;
  readonly outcome?: PublishOutcome;
}

async function required(base: BaseSnapshot, file: string): Promise<string> {
  const content = await base.read(file);
  if (content === undefined) throw new ConfigError(`${file} not found at ${base.sha.slice(0, 12)}`, { file });
  return content;
}

export function applicationsOf(repo: Repo): Record<string, string> {
  return Object.fromEntries(repo.environments.map((e) => [e.name, e.argocdApplication]));
}

export function commitMessage(title: string, changes: readonly ImageChange[], source: string): string {
  const lines = changes.map(
    (c) =>
      `- ${c.component}: ${c.from ? versionOf(c.from) : "(none)"} → ${versionOf(c.to)} (${imageRef(c.to)})`,
  );
  return `${title}\n\nImages from ${source}:\n${lines.join("\n")}\n`;
}

/** What a superseded branch head carried, for the PR's "Supersedes" list. */
export function describeImages(file: string, now?: () => string) {
  return (previous: Readonly<Record<string, string | undefined>>): string | undefined => {
    const content = previous[file];
    if (content === undefined) return undefined;
    const current = now ? readImages(now(), file) : [];
    const images = readImages(content, file).filter(
      (i) =>
        !sameImage(
          i,
          current.find((c) => c.name === i.name),
        ),
    );
    return images.length
      ? images.map((i) => `${i.name.replace(/^ngx\//, "")} ${versionOf(i)}`).join(", ")
      : undefined;
  };
}

export async function baseSnapshot(forge: Forge, base: string): Promise<BaseSnapshot> {
  const sha = await forge.branchSha(base);
  if (!sha)
    throw new ConfigError(
      `base branch ${base} not found${forge.repository ? ` in ${forge.repository}` : ""} (baseBranch in environments/promotion.yaml)`,
      {
        hint:
          forge.kind === "github"
            ? "check GITHUB_REPOSITORY and that the token can read the repository (contents:read)"
            : "run from a checkout that has the base branch",
      },
    );
  return { sha, read: (p) => forge.readFile(p, sha) };
}

export async function promote(request: PromoteRequest): Promise<ChangeResult> {
  const { repo, forge } = request;
  const from = environmentByName(repo, request.from);
  const to = environmentByName(repo, request.to);
  checkOrder(repo, from, to, Boolean(request.allowSkip));
  const base = repo.config.baseBranch;
  const file = overlayFile(to.name);
  const branch = BranchName.of("promote", to.name);
  request.progress?.(`reading ${from.name} and ${to.name} at ${base}`);
  const planAt = async (snapshot: BaseSnapshot): Promise<OverlayUpdate> => {
    const sourceFile = overlayFile(from.name);
    const images = sourceImages(await required(snapshot, sourceFile), sourceFile);
    assertAllowedRegistries(
      repo.config.allowedRegistries,
      images.map((i) => ({ component: componentOf(i), image: imageRef(i) })),
      `to promote ${from.name} → ${to.name} (images of ${sourceFile})`,
    );
    return planOverlayUpdate(to, await required(snapshot, file), images, from.name);
  };
  const snapshot = await baseSnapshot(forge, base);
  const plan = await planAt(snapshot);
  if (plan.changes.length === 0) {
    return { status: "nothing-to-do", env: to.name, branch: branch.toString(), changes: [], diff: [] };
  }
  await checkNotRejected(
    request.rejected ?? nothingRejected,
    to.name,
    plan.changes.map((c) => c.to),
  );
  request.progress?.(`rendering ${to.name} before and after`);
  const diff = await renderedDiff(repo, file, plan.before, plan.after, request.kustomize);
  let current: { plan: OverlayUpdate; diff: readonly ResourceDiff[] } = { plan, diff };
  const picture = await promotionPicture(repo, snapshot.read, {
    from: from.name,
    to: to.name,
    carries: plan.changes.map((c) => c.to),
    ...(request.gates ? { gates: request.gates } : {}),
  });
  const links = promotionLinks(
    repo.config,
    from,
    to,
    plan.changes.map((c) => c.component),
  );
  const textFor = (superseded: Parameters<typeof pullRequestText>[0]["superseded"]) =>
    pullRequestText({
      kind: "promote",
      from: from.name,
      to: to.name,
      changes: current.plan.changes,
      diff: current.diff,
      argocdUrl: repo.config.argocdUrl,
      applications: applicationsOf(repo),
      ...(request.sourceRepository ? { sourceRepository: request.sourceRepository } : {}),
      ...(request.gates ? { gates: request.gates } : {}),
      ...(request.note ? { note: request.note } : {}),
      ...(superseded ? { superseded } : {}),
      picture,
      links,
    });
  if (request.dryRun) {
    return {
      status: "planned",
      env: to.name,
      branch: branch.toString(),
      changes: plan.changes,
      diff,
      text: textFor([]),
    };
  }
  request.progress?.(`writing ${to.write === "commit" ? base : branch.toString()}`);
  const outcome = await publishChange(
    request,
    to,
    branch,
    snapshot.sha,
    file,
    planAt,
    (p) => {
      current = p;
    },
    textFor,
    from.name,
  );
  return {
    status: "written",
    env: to.name,
    branch: outcome.branch,
    changes: current.plan.changes,
    diff: current.diff,
    text: textFor(outcome.superseded),
    outcome,
  };
}

/** Publishes an overlay update; a retry from a new base re-plans (and re-renders) from it. */
export async function publishChange(
  request: { readonly repo: Repo; readonly forge: Forge; readonly kustomize?: Kustomize },
  env: EnvironmentConfig,
  branch: BranchName,
  baseSha: string,
  file: string,
  planAt: (snapshot: BaseSnapshot) => Promise<OverlayUpdate>,
  onPlan: (p: { plan: OverlayUpdate; diff: readonly ResourceDiff[] }) => void,
  textFor: (superseded: Parameters<typeof pullRequestText>[0]["superseded"]) => PullRequestText,
  source: string,
): Promise<PublishOutcome> {
  let firstCall = true;
  let written = "";
  return publish({
    forge: request.forge,
    base: request.repo.config.baseBranch,
    baseSha,
    branch,
    write: env.write,
    change: async (snapshot) => {
      const plan = await planAt(snapshot);
      written = plan.after;
      if (!firstCall) {
        onPlan({
          plan,
          diff: await renderedDiff(request.repo, file, plan.before, plan.after, request.kustomize),
        });
      }
      firstCall = false;
      const title = textFor([]).title;
      return {
        message: commitMessage(title, plan.changes, source),
        files: plan.changes.length ? [{ path: file, content: plan.after }] : [],
      };
    },
    text: textFor,
    describePrevious: describeImages(file, () => written),
  });
}

/** Open promotion, release and rollback pull requests (for `plan` and `status`). */
export async function listOpenPromotionPullRequests(
  forge: Forge,
  base?: string,
): Promise<
  { readonly branch: BranchName; readonly pullRequest: import("../adapters/forge.js").PullRequest }[]
> {
  const open = await forge.listOpenPullRequests(base);
  return open.flatMap((pr) => {
    const branch = BranchName.parse(pr.head);
    return branch ? [{ branch, pullRequest: pr }] : [];
  });
}

export { versionSummary };
