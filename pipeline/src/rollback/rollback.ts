// `rollback <env>`: make Git name the last known good version again, and stop the canaries.
//   1. read the overlay on the base branch; a dispatch whose images Git no longer names is stale → ignored
//   2. choose the target (rollback/target.ts) — refusals happen before anything is written
//   3. abort the moving Rollouts through Argo CD (rollback/abort.ts; reported, never fatal)
//   4. reject the failing version and mark its deployment failure (ledger)
//   5. close open promotion/release pull requests for the environment, with a comment
//   6. one commit on rollback/<env> restoring exactly the target's images (same comment-preserving
//      updater as promotion), one pull request (found again on a rerun); merge it when
//      rollback.autoMerge says so, and record the restored deployment. No explicit Argo CD sync: right
//      after a push, a manual sync of an auto-synced app can apply the new revision and then the old
//      one again from Argo CD's 3-minute revision cache (argoproj/argo-cd#7680, #10367) — for a
//      rollback that would restart the bad canary. Auto-sync (or a refresh) picks the merge up.
// Every step is idempotent, so a duplicate dispatch or a rerun after a failure finishes the work.
import type { ArgoCd, ResourceRef } from "../adapters/argocd-types.js";
import { argoCdApplicationUrl } from "../adapters/argocd-types.js";
import type { Forge, PullRequest } from "../adapters/forge.js";
import type { Kustomize } from "../adapters/kustomize.js";
import { environmentByName, type Repo } from "../config/load.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { CheckFailedError, ConfigError } from "../errors.js";
import type { GitReader } from "../ledger/git.js";
import { type RecordOutcome, recordEnvironment } from "../ledger/record.js";
import type { DeploymentRecord, Ledger } from "../ledger/types.js";
import { versionOf as versionIdOf } from "../ledger/version.js";
import { renderEnvironment } from "../manifests/render.js";
import { commitText, logText } from "../output/inert.js";
import { rollbackLinks } from "../output/links.js";
import { BranchName } from "../promotion/branch.js";
import { componentOf, type ImageEntry, imageRef, readImages, sameImage } from "../promotion/images.js";
import { type ImageChange, overlayFile, planOverlayUpdate } from "../promotion/plan.js";
import { applicationsOf, baseSnapshot, describeImages } from "../promotion/promote.js";
import { type PublishOutcome, publish } from "../promotion/publish.js";
import { type PullRequestText, pullRequestText } from "../promotion/pull-request-text.js";
import { assertAllowedRegistries } from "../promotion/registries.js";
import { type ResourceDiff, renderedDiff } from "../promotion/rendered-diff.js";
import { rollbackPicture } from "../status/chain.js";
import { type AbortOutcome, abortRollouts } from "./abort.js";
import { type FailedAnalysis, findFailedAnalysis } from "./analysis-run.js";
import { type Confirmation, confirmDispatch, errorText } from "./confirm.js";
import { type DispatchPayload, isAnalysisFailure, payloadIsCurrent } from "./payload.js";
import { chooseTarget, NoKnownGoodError, type TargetChoice } from "./target.js";
import { closedPromotionComment, rollbackNote } from "./text.js";

/** the ledger environment of reject/unreject decisions (adapters/github/ledger.ts REJECTIONS_ENVIRONMENT) */
const REJECTIONS_LEDGER = "ngx-release-rejections";

/** deployments read first, and at most, when looking for the last known good */
const RECENT = 10;
const HISTORY = 100;

export interface RollbackRequest {
  readonly repo: Repo;
  readonly forge: Forge;
  readonly ledger: Ledger;
  /** undefined when ARGOCD_SERVER is not set */
  readonly argocd?: ArgoCd;
  readonly env: string;
  readonly reason: string;
  /** a version id to restore instead of the last known good */
  readonly to?: string;
  /** set when triggered by the Argo Rollouts notification */
  readonly payload?: DispatchPayload;
  readonly dryRun?: boolean;
  /** link to the workflow run */
  readonly logUrl?: string;
  readonly kustomize?: Kustomize;
  readonly progress?: (message: string) => void;
}

export interface RollbackOutcome {
  /** stale: the dispatch is about images Git no longer names (nothing done) */
  /** finished: Git had been rolled back by an earlier run (which exited 3); this run did the rest */
  readonly status: "rolled-back" | "planned" | "stale" | "no-known-good" | "finished";
  readonly environment: string;
  readonly message: string;
  readonly failedVersion?: string;
  readonly target?: { version: string; sha: string; how: TargetChoice["how"]; deploymentId: string };
  readonly changes: readonly ImageChange[];
  readonly abort?: AbortOutcome;
  readonly analysis?: FailedAnalysis;
  /** the failing version was rejected now (false: it already was) */
  readonly rejected?: boolean;
  /** the failing version's deployment marked failure */
  readonly failedDeployment?: { id: string; marked: boolean };
  /** promotion/release pull requests closed with a comment */
  readonly closedPullRequests: readonly number[];
  readonly branch: string;
  readonly publish?: PublishOutcome;
  readonly autoMerge: { wanted: boolean; setting: string; merged?: boolean; sha?: string; message?: string };
  readonly restored?: RecordOutcome;
  /** recording the restored deployment failed (the merge stands) */
  readonly restoredError?: string;
  /** after the merge: Argo CD asked to re-read Git now ("requested"), or why it could not be */
  readonly refresh?: string;
  readonly text?: PullRequestText;
  /** what Argo CD said about the dispatch (only with a payload) */
  readonly confirmation?: Confirmation;
  /** ledger records left out: not created by the pipeline identity, or not backed by Git */
  readonly ignoredRecords?: readonly { id: string; why: string }[];
}

/** Argo CD reports the Rollout a dispatch names as not failed: nothing was written (exit 1). */
export class DispatchRefutedError extends CheckFailedError {}

/** --to names a record Git does not back (or a registry not allowed): nothing was written (exit 1). */
export class TargetRefusedError extends CheckFailedError {}

/** A GitReader over the forge, for recording a merge commit the local clone does not have yet. */
export function forgeGitReader(forge: Forge): GitReader {
  return {
    async resolve(ref) {
      return /^[0-9a-f]{40}$/.test(ref) ? ref : forge.branchSha(ref);
    },
    async isAncestor(ancestor, descendant) {
      return ancestor === descendant;
    },
    async imagesAt(ref, env) {
      const content = await forge.readFile(overlayFile(env), ref);
      return content === undefined
        ? undefined
        : readImages(content, `${overlayFile(env)} at ${ref.slice(0, 12)}`);
    },
    async lastCommitTouching() {
      return undefined;
    },
  };
}

function autoMergeWanted(env: EnvironmentConfig, payload: DispatchPayload | undefined): boolean {
  const setting = env.rollback.autoMerge;
  return setting === "always" || (setting === "on-analysis-failure" && isAnalysisFailure(payload));
}

async function renderedRollouts(
  repo: Repo,
  env: EnvironmentConfig,
  kustomize?: Kustomize,
): Promise<ResourceRef[]> {
  const rendered = await renderEnvironment(repo, env.name, kustomize);
  return rendered.objects
    .filter((o) => o.kind === "Rollout")
    .map((o) => {
      const [group = "", version = ""] = o.apiVersion.split("/");
      return {
        group,
        version,
        kind: "Rollout",
        namespace: o.metadata.namespace ?? env.namespace,
        name: o.metadata.name,
      };
    });
}

function changesBetween(current: readonly ImageEntry[], target: readonly ImageEntry[]): ImageEntry[] {
  return current.filter((c) => {
    const t = target.find((x) => x.name === c.name);
    return t !== undefined && !sameImage(c, t);
  });
}

/**
 * The images to restore for a target record: the overlay of `env` as Git holds it at the record's
 * commit. A string says why the record cannot be used: the overlay is missing there, or Git's
 * images are not the version the record claims. (Their registries are checked after the choice:
 * a target outside allowedRegistries is exit 2 before anything is written.)
 */
async function imagesFromGit(
  forge: Forge,
  env: string,
  record: DeploymentRecord,
): Promise<readonly ImageEntry[] | string> {
  const file = overlayFile(env);
  const content = /^[0-9a-f]{40}$/.test(record.sha) ? await forge.readFile(file, record.sha) : undefined;
  if (content === undefined) return `${file} does not exist at commit ${logText(record.sha, 40)}`;
  let images: ImageEntry[];
  try {
    images = readImages(content, `${file} at ${record.sha.slice(0, 12)}`);
  } catch (e) {
    return `${file} at ${record.sha.slice(0, 12)} cannot be read: ${errorText(e)}`;
  }
  const version = versionIdOf(images);
  if (version !== record.version) {
    return `the record claims version ${logText(record.version, 20)} but ${file} at ${record.sha.slice(0, 12)} holds version ${version}`;
  }
  return images;
}

/**
 * Git went *back* since the payload's version: the overlay names a version that succeeded in the
 * environment before the payload's version was deployed. That is what an earlier run of this
 * rollback (or its PR merged by a person) leaves; a newer release would name a newer version.
 * Returns the payload version's deployment.
 */
async function rolledBackInGit(
  ledger: Ledger,
  env: string,
  payload: DispatchPayload,
  currentVersion: string,
): Promise<DeploymentRecord | undefined> {
  const deployments = await ledger.listDeployments(env, { limit: RECENT });
  const failed = deployments.find((d) => d.images.length > 0 && payloadIsCurrent(payload, d.images).current);
  if (!failed || failed.version === currentVersion) return undefined;
  const before = deployments.find(
    (d) => d.version === currentVersion && d.succeededAt !== undefined && d.createdAt < failed.createdAt,
  );
  return before ? failed : undefined;
}

/**
 * The rerun after a rollback that exited 3: Git is already restored, so only what needs Argo CD is
 * left — confirm the dispatch, abort the moving Rollouts, and reject the failing version and mark its
 * deployment failure when the earlier run could not (unconfirmed). Never writes Git.
 */
async function finishEarlierRollback(
  request: RollbackRequest & { payload: DispatchPayload },
  env: EnvironmentConfig,
  failed: DeploymentRecord,
  empty: Pick<RollbackOutcome, "environment" | "changes" | "closedPullRequests" | "branch" | "autoMerge">,
): Promise<RollbackOutcome> {
  const { argocd, ledger } = request;
  const app = env.argocdApplication;
  request.progress?.(`Git is already rolled back from ${failed.version}: finishing through Argo CD`);
  const confirmation = await confirmDispatch({
    argocd,
    app,
    payload: request.payload,
    namespace: env.namespace,
  });
  if (confirmation.status === "refuted") {
    return {
      ...empty,
      status: "stale",
      message: `dispatch acknowledged: Git was already rolled back from ${failed.version}, and Argo CD reports nothing left to abort (${confirmation.reported})`,
      failedVersion: failed.version,
      confirmation,
    };
  }
  if (confirmation.status === "unconfirmed") {
    return {
      ...empty,
      status: "finished",
      message: `Git was already rolled back from ${failed.version}; Argo CD still cannot be asked`,
      failedVersion: failed.version,
      abort: { status: "failed", rollouts: [], error: confirmation.error, requests: confirmation.requests },
      confirmation,
    };
  }
  let rollouts: ResourceRef[] | undefined;
  try {
    rollouts = await renderedRollouts(request.repo, env, request.kustomize);
  } catch {
    rollouts = undefined;
  }
  const abort = await abortRollouts({ argocd, app, rollouts, dryRun: Boolean(request.dryRun) });
  if (request.dryRun) {
    return {
      ...empty,
      status: "planned",
      message: `would finish the rollback of ${env.name} from ${failed.version} (Git already restored)`,
      failedVersion: failed.version,
      abort,
      confirmation,
    };
  }
  const rejections = await ledger.listRejections();
  const alreadyRejected = rejections.some((r) => r.rejected && r.version === failed.version);
  if (!alreadyRejected) {
    await ledger.reject({
      version: failed.version,
      reason: request.reason,
      environment: env.name,
      images: failed.images,
    });
  }
  const marked = failed.state !== "failure";
  const aborted = abort.rollouts.some((r) => r.result === "aborted");
  if (alreadyRejected && !marked && !aborted && abort.status === "done") {
    // a duplicate delivery after a complete rollback: nothing was left to do
    return {
      ...empty,
      status: "stale",
      message: `dispatch acknowledged and ignored: Git was already rolled back from ${failed.version}, the version is rejected and Argo CD reports nothing left to abort`,
      failedVersion: failed.version,
      abort,
      confirmation,
    };
  }
  if (marked) {
    await ledger.setStatus(failed.id, {
      state: "failure",
      description: `rolled back: ${logText(request.reason, 200)}`,
      ...(request.logUrl ? { logUrl: request.logUrl } : {}),
    });
  }
  return {
    ...empty,
    status: "finished",
    message: `${env.name}: Git was already rolled back from ${failed.version}; finished the rest through Argo CD`,
    failedVersion: failed.version,
    abort,
    rejected: !alreadyRejected,
    failedDeployment: { id: failed.id, marked },
    confirmation,
  };
}

export async function rollback(request: RollbackRequest): Promise<RollbackOutcome> {
  const { repo, forge, ledger, argocd } = request;
  const env = environmentByName(repo, request.env);
  const base = repo.config.baseBranch;
  const file = overlayFile(env.name);
  const branch = BranchName.of("rollback", env.name);
  const setting = env.rollback.autoMerge;
  let wanted = autoMergeWanted(env, request.payload);
  const empty = {
    environment: env.name,
    changes: [],
    closedPullRequests: [],
    branch: branch.toString(),
    autoMerge: { wanted, setting },
  };

  request.progress?.(`reading ${file} on ${base}`);
  const snapshot = await baseSnapshot(forge, base);
  const content = await snapshot.read(file);
  if (content === undefined)
    throw new ConfigError(`${file} not found at ${snapshot.sha.slice(0, 12)}`, { file });
  const current = readImages(content, file);

  if (request.payload) {
    const currency = payloadIsCurrent(request.payload, current);
    if (!currency.current) {
      const earlier = await rolledBackInGit(ledger, env.name, request.payload, versionIdOf(current));
      if (earlier) {
        return finishEarlierRollback({ ...request, payload: request.payload }, env, earlier, empty);
      }
      return {
        ...empty,
        status: "stale",
        message: `dispatch acknowledged and ignored: ${logText(currency.reason, 600)} (Git already moved on; nothing to roll back)`,
      };
    }
  }

  // a dispatch is a request: Argo CD must confirm the Rollout failed before anything is written
  let confirmation: Confirmation | undefined;
  if (request.payload) {
    request.progress?.(`asking Argo CD whether Rollout ${logText(request.payload.rollout, 100)} failed`);
    confirmation = await confirmDispatch({
      argocd,
      app: env.argocdApplication,
      payload: request.payload,
      namespace: env.namespace,
    });
    if (confirmation.status === "refuted") {
      throw new DispatchRefutedError(
        `dispatch for ${env.name} not acted on: ${confirmation.reported}. Nothing written, nothing rejected, nothing aborted.`,
        {
          hint: `if the canary did fail, roll back by hand: ngx-release rollback ${env.name} --reason "<why>"`,
        },
      );
    }
  }
  /** an unconfirmed dispatch opens the rollback PR for review and changes nothing else */
  const unconfirmed = confirmation?.status === "unconfirmed";
  if (unconfirmed) {
    wanted = false;
    empty.autoMerge = { wanted, setting };
  }

  const failedVersion = versionIdOf(current);
  request.progress?.(`reading the deployment ledger of ${env.name}`);
  // the last known good is almost always among the newest deployments (each costs a status read on
  // GitHub): look at RECENT first, at up to HISTORY only when no target is found there
  let [deployments, rejections] = await Promise.all([
    ledger.listDeployments(env.name, { limit: RECENT }),
    ledger.listRejections(),
  ]);
  // the ledger says which commit of main was deployed successfully; what to restore is read from Git
  // at that commit (a record's own image list is never used), and a record whose commit does not
  // hold its version is passed over (and reported)
  const disqualified: { id: string; version: string; sha: string; why: string }[] = [];
  const choose = async (): Promise<TargetChoice> => {
    let candidates = deployments.filter((d) => !disqualified.some((x) => x.id === d.id));
    for (;;) {
      const c = chooseTarget({
        env: env.name,
        deployments: candidates,
        rejections,
        failedVersion,
        ...(request.to !== undefined ? { to: request.to } : {}),
      });
      const checked = await imagesFromGit(forge, env.name, c.deployment);
      if (typeof checked !== "string") return { ...c, deployment: { ...c.deployment, images: checked } };
      disqualified.push({
        id: c.deployment.id,
        version: c.deployment.version,
        sha: c.deployment.sha,
        why: checked,
      });
      if (c.how === "requested") {
        throw new TargetRefusedError(
          `refusing to roll ${env.name} back to ${c.deployment.version}: ${checked}`,
          { hint: "choose another version with --to, or omit --to for the last known good" },
        );
      }
      candidates = candidates.filter((d) => d.id !== c.deployment.id);
    }
  };
  let choice: TargetChoice | undefined;
  let noKnownGood: NoKnownGoodError | undefined;
  try {
    try {
      choice = await choose();
    } catch (e) {
      if (deployments.length < RECENT || e instanceof TargetRefusedError) throw e;
      deployments = await ledger.listDeployments(env.name, { limit: HISTORY });
      choice = await choose();
    }
  } catch (e) {
    // a refused --to changes nothing; with no known good the canaries are still stopped and the
    // version still rejected, then the caller gets the alert
    if (!(e instanceof NoKnownGoodError)) throw e;
    noKnownGood = e;
  }
  const identity = repo.config.pipelineIdentity;
  const ignored = [
    ...(ledger.ignored?.() ?? [])
      .filter((r) => r.environment === env.name || r.environment === REJECTIONS_LEDGER)
      .map((r) => ({
        id: r.id,
        why: `created by ${logText(r.creator, 60)}, not the pipeline identity ${identity ?? "(none configured)"}`,
      })),
    ...disqualified.map((d) => ({ id: d.id, why: d.why })),
  ];
  const reported = ignored.length > 0 ? { ignoredRecords: ignored } : {};

  // the target's images must come from allowedRegistries too (promotion/registries.ts): refused
  // before anything is aborted or written
  if (choice)
    assertAllowedRegistries(
      repo.config.allowedRegistries,
      choice.deployment.images.map((i) => ({ component: componentOf(i), image: imageRef(i) })),
      `to roll ${env.name} back to ${choice.deployment.version}`,
    );
  const plan = choice
    ? planOverlayUpdate(env, content, choice.deployment.images, `version ${choice.deployment.version}`)
    : undefined;
  const app = env.argocdApplication;
  const appUrl = argocd?.applicationUrl(app) ?? argoCdApplicationUrl(repo.config.argocdUrl, app);

  request.progress?.(`listing the Rollouts of ${env.name}`);
  // a rollback is never blocked by rendering: without it, the Rollouts Argo CD manages are aborted
  let rollouts: ResourceRef[] | undefined;
  try {
    rollouts = await renderedRollouts(repo, env, request.kustomize);
  } catch (e) {
    request.progress?.(
      `cannot render ${env.name} (${e instanceof Error ? e.message : String(e)}): using Argo CD's list of Rollouts`,
    );
  }
  request.progress?.(
    request.dryRun ? "dry run: not aborting" : `aborting moving Rollouts of ${app} through Argo CD`,
  );
  const abort: AbortOutcome =
    confirmation?.status === "unconfirmed"
      ? {
          status: "failed",
          rollouts: (rollouts ?? []).map((r) => ({ name: r.name, result: "not-done" })),
          error: `not attempted, the dispatch is not confirmed: ${confirmation.error}`,
          requests: 0,
        }
      : await abortRollouts({ argocd, app, rollouts, dryRun: Boolean(request.dryRun) });

  // the same rendered diff a promotion shows; a rollback is never blocked by it
  let diff: readonly ResourceDiff[] = [];
  if (plan && plan.changes.length > 0) {
    try {
      diff = await renderedDiff(repo, file, plan.before, plan.after, request.kustomize);
    } catch {
      diff = [];
    }
  }

  let analysis: FailedAnalysis | undefined;
  if (argocd && request.payload && !unconfirmed && abort.status !== "failed") {
    analysis = (await findFailedAnalysis(argocd, app, request.payload.rollout)).analysis;
  }

  const alreadyRejected = rejections.some((r) => r.rejected && r.version === failedVersion);
  const failedDeployment = deployments.find((d) => d.version === failedVersion);
  const target = choice
    ? {
        version: choice.deployment.version,
        sha: choice.deployment.sha,
        how: choice.how,
        deploymentId: choice.deployment.id,
      }
    : undefined;

  const noteFor = (autoMerge: boolean) =>
    choice
      ? rollbackNote({
          env: env.name,
          reason: request.reason,
          failedVersion,
          targetVersion: choice.deployment.version,
          targetSha: choice.deployment.sha,
          ...(choice.deployment.succeededAt ? { targetSucceededAt: choice.deployment.succeededAt } : {}),
          how: choice.how,
          ...(request.payload ? { payload: request.payload } : {}),
          ...(analysis ? { analysis } : {}),
          abort,
          autoMerge,
          autoMergeSetting: setting,
          rolloutUrl: appUrl,
          ...(confirmation ? { confirmation } : {}),
          ...(ignored.length > 0 ? { ignoredRecords: ignored } : {}),
        })
      : "";
  const picture = choice
    ? await rollbackPicture(repo, snapshot.read, {
        env: env.name,
        failed: current,
        failedVersion,
        restored: choice.deployment.images,
        reason: request.reason,
      })
    : undefined;
  const links = rollbackLinks(repo.config, env, {
    rollouts: request.payload ? [request.payload.rollout] : (plan?.changes ?? []).map((c) => c.component),
    ...(analysis ? { analysisRun: analysis.name } : {}),
    ...(failedDeployment
      ? {
          range: {
            from: new Date(failedDeployment.createdAt),
            to: new Date(failedDeployment.statuses.at(-1)?.createdAt ?? failedDeployment.createdAt),
          },
        }
      : {}),
  });
  const textFor = (superseded: Parameters<typeof pullRequestText>[0]["superseded"]) =>
    pullRequestText({
      kind: "rollback",
      to: env.name,
      changes: plan?.changes ?? [],
      diff,
      argocdUrl: repo.config.argocdUrl,
      applications: applicationsOf(repo),
      note: noteFor(wanted),
      ...(superseded ? { superseded } : {}),
      ...(picture ? { picture } : {}),
      links,
    });

  if (request.dryRun) {
    if (noKnownGood) throw noKnownGood;
    return {
      ...empty,
      status: "planned",
      message: `would roll ${env.name} back from ${failedVersion} to ${target?.version}`,
      failedVersion,
      ...(target ? { target } : {}),
      changes: plan?.changes ?? [],
      abort,
      text: textFor([]),
      ...(confirmation ? { confirmation } : {}),
      ...reported,
    };
  }

  // the ledger: the failing version is rejected everywhere, its deployment failed
  const restoredImages = choice ? changesBetween(current, choice.deployment.images) : current;
  // an unconfirmed dispatch rejects nothing and marks nothing: the PR for review is all it leaves
  if (!alreadyRejected && !unconfirmed) {
    request.progress?.(`rejecting version ${failedVersion}`);
    await ledger.reject({
      version: failedVersion,
      reason: request.reason,
      environment: env.name,
      // only the images the rollback takes away: those are what failed
      images: restoredImages.length ? restoredImages : current,
    });
  }
  let failedMark: RollbackOutcome["failedDeployment"];
  if (failedDeployment && !unconfirmed) {
    const marked = failedDeployment.state !== "failure";
    if (marked) {
      await ledger.setStatus(failedDeployment.id, {
        state: "failure",
        environmentUrl: appUrl,
        description: `rolled back: ${logText(request.reason, 200)}`,
        ...(request.logUrl ? { logUrl: request.logUrl } : {}),
      });
    }
    failedMark = { id: failedDeployment.id, marked };
  }
  if (noKnownGood) {
    return {
      ...empty,
      status: "no-known-good",
      message: noKnownGood.message,
      failedVersion,
      abort,
      ...(analysis ? { analysis } : {}),
      ...(unconfirmed ? {} : { rejected: !alreadyRejected }),
      ...(failedMark ? { failedDeployment: failedMark } : {}),
      ...(confirmation ? { confirmation } : {}),
      ...reported,
    };
  }
  if (!choice || !plan) throw new Error("unreachable: no rollback target");

  // open promotions into this environment were computed before the rollback: close them
  const closed: number[] = [];
  const stale = new Set(["promote", "release"].map((k) => `${k}/${env.name}`));
  const open: readonly PullRequest[] = await forge.listOpenPullRequests(base);
  const toClose = unconfirmed
    ? []
    : open.filter((p) => stale.has(BranchName.parse(p.head)?.toString() ?? ""));
  for (const pr of toClose) {
    request.progress?.(`closing #${pr.number} (${pr.head})`);
    await forge.comment(pr.number, closedPromotionComment(env.name, failedVersion, branch.toString()));
    await forge.closePullRequest(pr.number);
    closed.push(pr.number);
  }

  request.progress?.(`writing ${branch}`);
  const published = await publish({
    forge,
    base,
    baseSha: snapshot.sha,
    branch,
    write: "pull-request",
    change: async (s) => {
      const now = await s.read(file);
      if (now === undefined) throw new ConfigError(`${file} not found at ${s.sha.slice(0, 12)}`, { file });
      const p = planOverlayUpdate(env, now, choice.deployment.images, `version ${choice.deployment.version}`);
      return {
        // the reason may come from a payload: one inert line, so it cannot add trailers or a body
        message: `Roll back ${env.name} to ${choice.deployment.version}\n\nReason: ${commitText(request.reason)}\nRestores: ${choice.deployment.sha}\n${unconfirmed ? "Not confirmed by Argo CD: nothing rejected\n" : `Rejected: ${failedVersion}\n`}`,
        files: p.changes.length ? [{ path: file, content: p.after }] : [],
      };
    },
    text: textFor,
    describePrevious: describeImages(file),
  });

  const autoMerge: RollbackOutcome["autoMerge"] = { wanted, setting };
  let restored: RecordOutcome | undefined;
  let restoredError: string | undefined;
  let refresh: string | undefined;
  const pr = published.pullRequest;
  if (wanted && pr) {
    request.progress?.(`merging #${pr.number}`);
    let merge: { merged: boolean; sha?: string; message?: string };
    try {
      merge = await forge.mergePullRequest(pr.number, { sha: published.commit.sha, method: "squash" });
    } catch (e) {
      merge = { merged: false, message: e instanceof Error ? e.message : String(e) };
    }
    Object.assign(autoMerge, {
      merged: merge.merged,
      ...(merge.sha ? { sha: merge.sha } : {}),
      ...(merge.message ? { message: merge.message } : {}),
    });
    if (merge.merged && merge.sha && argocd && abort.status !== "failed") {
      // a refresh (not a sync: a sync can apply a cached older revision) so Argo CD picks the
      // merge up now instead of after its polling interval
      try {
        await argocd.refresh(env.argocdApplication);
        refresh = "requested";
      } catch (e) {
        refresh = `not requested: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    if (merge.merged && merge.sha) {
      request.progress?.(`recording the restored deployment of ${env.name}`);
      try {
        restored = await recordEnvironment({
          repo,
          env,
          ledger,
          git: forgeGitReader(forge),
          sha: merge.sha,
          ...(argocd && abort.status === "done" ? { argocd } : {}),
          ...(request.logUrl ? { logUrl: request.logUrl } : {}),
          production: env.name === repo.environments.at(-1)?.name,
        });
      } catch (e) {
        // the merge happened; `ngx-release record` (promote.yaml, on the push to main) records it later
        restoredError = e instanceof Error ? e.message : String(e);
      }
    }
  }
  return {
    ...empty,
    status: "rolled-back",
    message: unconfirmed
      ? `${env.name}: rollback PR to ${choice.deployment.version} opened for review only (the dispatch is not confirmed by Argo CD)`
      : `${env.name} rolled back from ${failedVersion} to ${choice.deployment.version}`,
    failedVersion,
    target: {
      version: choice.deployment.version,
      sha: choice.deployment.sha,
      how: choice.how,
      deploymentId: choice.deployment.id,
    },
    changes: plan.changes,
    abort,
    ...(analysis ? { analysis } : {}),
    ...(unconfirmed ? {} : { rejected: !alreadyRejected }),
    ...(failedMark ? { failedDeployment: failedMark } : {}),
    ...(confirmation ? { confirmation } : {}),
    ...reported,
    closedPullRequests: closed,
    publish: published,
    autoMerge,
    ...(restored ? { restored } : {}),
    ...(restoredError ? { restoredError } : {}),
    ...(refresh ? { refresh } : {}),
    text: textFor(published.superseded),
  };
}
