// release --image <component>=<ref>...: puts newly built images into the first environment, as a
// direct commit or a pull request on release/<env> (the environment's `write` setting). Every
// reference is validated before anything is read from or written to the forge.
import type { BaseSnapshot, Forge } from "../adapters/forge.js";
import type { Kustomize } from "../adapters/kustomize.js";
import type { Repo } from "../config/load.js";
import { ConfigError, InputError } from "../errors.js";
import { BranchName } from "./branch.js";
import { componentOf, type ImageEntry, parseImageReference, readImages } from "./images.js";
import {
  checkNotRejected,
  nothingRejected,
  type OverlayUpdate,
  overlayFile,
  planOverlayUpdate,
  type RejectedVersions,
} from "./plan.js";
import { applicationsOf, baseSnapshot, type ChangeResult, publishChange } from "./promote.js";
import { pullRequestText } from "./pull-request-text.js";
import { assertAllowedRegistries } from "./registries.js";
import { renderedDiff } from "./rendered-diff.js";

export interface ReleaseRequest {
  readonly repo: Repo;
  readonly forge: Forge;
  /** "component=registry/name:tag@sha256:…" as given on the command line */
  readonly images: readonly string[];
  readonly dryRun?: boolean;
  readonly rejected?: RejectedVersions;
  readonly sourceRepository?: string;
  readonly kustomize?: Kustomize;
  readonly progress?: (message: string) => void;
}

export interface RequestedImage {
  readonly component: string;
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Parses --image values; every problem is an InputError naming the value and what would be valid. */
export function parseImageArguments(values: readonly string[]): RequestedImage[] {
  if (values.length === 0)
    throw new InputError(
      "no --image given (expected --image <component>=<registry/name>:<tag>[@sha256:<digest>])",
    );
  const out: RequestedImage[] = [];
  for (const value of values) {
    const eq = value.indexOf("=");
    const component = eq > 0 ? value.slice(0, eq).trim() : "";
    if (!component)
      throw new InputError(
        `--image "${value}": expected <component>=<image-ref>, e.g. orchestrator=us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator:1.4.2`,
      );
    const ref = parseImageReference(value.slice(eq + 1));
    if (typeof ref === "string") throw new InputError(`--image ${component}: ${ref}`);
    if (out.some((o) => o.component === component))
      throw new InputError(`--image ${component} is given twice`);
    out.push({ component, ...ref });
  }
  return out;
}

/**
 * Parses --image values and refuses registries outside allowedRegistries (InputError, exit 2):
 * everything about the request that can be checked before any request is made.
 */
export function checkReleaseImages(repo: Repo, values: readonly string[]): RequestedImage[] {
  const requested = parseImageArguments(values);
  assertAllowedRegistries(
    repo.config.allowedRegistries,
    requested.map((r) => ({ component: r.component, image: r.name })),
    "the release",
  );
  return requested;
}

/** The overlay entries for the requested images; an unknown component lists the valid ones. */
export function entriesFor(
  requested: readonly RequestedImage[],
  current: readonly ImageEntry[],
  file: string,
): ImageEntry[] {
  return requested.map((r) => {
    const entry = current.find((c) => componentOf(c) === r.component || c.name === r.component);
    if (!entry) {
      throw new InputError(
        `unknown component "${r.component}" (valid, from images: in ${file}: ${current.map(componentOf).join(", ")})`,
      );
    }
    return {
      name: entry.name,
      newName: r.name,
      ...(r.tag ? { newTag: r.tag } : {}),
      ...(r.digest ? { digest: r.digest } : {}),
    };
  });
}

export async function release(request: ReleaseRequest): Promise<ChangeResult> {
  const { repo, forge } = request;
  const requested = checkReleaseImages(repo, request.images);
  const env = repo.environments[0];
  if (!env) throw new ConfigError("environments/promotion.yaml lists no environment");
  const file = overlayFile(env.name);
  const branch = BranchName.of("release", env.name);
  const planAt = async (snapshot: BaseSnapshot): Promise<OverlayUpdate> => {
    const content = await snapshot.read(file);
    if (content === undefined)
      throw new ConfigError(`${file} not found at ${snapshot.sha.slice(0, 12)}`, { file });
    const current = readImages(content, file);
    if (current.length === 0)
      throw new ConfigError(`${file}: has no images: block`, { file, field: "images" });
    return planOverlayUpdate(env, content, entriesFor(requested, current, file), "--image");
  };
  request.progress?.(`reading ${file} at ${repo.config.baseBranch}`);
  const snapshot = await baseSnapshot(forge, repo.config.baseBranch);
  const plan = await planAt(snapshot);
  if (plan.changes.length === 0)
    return { status: "nothing-to-do", env: env.name, branch: branch.toString(), changes: [], diff: [] };
  await checkNotRejected(
    request.rejected ?? nothingRejected,
    env.name,
    plan.changes.map((c) => c.to),
  );
  request.progress?.(`rendering ${env.name} before and after`);
  const diff = await renderedDiff(repo, file, plan.before, plan.after, request.kustomize);
  let current: { plan: OverlayUpdate; diff: typeof diff } = { plan, diff };
  const textFor = (superseded?: Parameters<typeof pullRequestText>[0]["superseded"]) =>
    pullRequestText({
      kind: "release",
      to: env.name,
      changes: current.plan.changes,
      diff: current.diff,
      argocdUrl: repo.config.argocdUrl,
      applications: applicationsOf(repo),
      ...(request.sourceRepository ? { sourceRepository: request.sourceRepository } : {}),
      ...(superseded ? { superseded } : {}),
    });
  if (request.dryRun)
    return {
      status: "planned",
      env: env.name,
      branch: env.write === "commit" ? repo.config.baseBranch : branch.toString(),
      changes: plan.changes,
      diff,
      text: textFor([]),
    };
  request.progress?.(`writing ${env.write === "commit" ? repo.config.baseBranch : branch.toString()}`);
  const outcome = await publishChange(
    request,
    env,
    branch,
    snapshot.sha,
    file,
    planAt,
    (p) => {
      current = { plan: p.plan, diff: [...p.diff] };
    },
    textFor,
    "the release",
  );
  return {
    status: "written",
    env: env.name,
    branch: outcome.branch,
    changes: current.plan.changes,
    diff: current.diff,
    text: textFor(outcome.superseded),
    outcome,
  };
}
