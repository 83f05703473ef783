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
import { ConfigError } from "../errors.js";
import type { GitReader } from "../ledger/git.js";
import { type RecordOutcome, recordEnvironment } from "../ledger/record.js";
import type { Ledger } from "../ledger/types.js";
import { versionOf as versionIdOf } from "../ledger/version.js";
import { renderEnvironment } from "../manifests/render.js";
import { rollbackLinks } from "../output/links.js";
import { BranchName } from "../promotion/branch.js";
import { type ImageEntry, readImages, sameImage } from "../promotion/images.js";
import { type ImageChange, overlayFile, planOverlayUpdate } from "../promotion/plan.js";
import { applicationsOf, baseSnapshot, describeImages } from "../promotion/promote.js";
import { type PublishOutcome, publish } from "../promotion/publish.js";
import { type PullRequestText, pullRequestText } from "../promotion/pull-request-text.js";
import { type ResourceDiff, renderedDiff } from "../promotion/rendered-diff.js";
import { rollbackPicture } from "../status/chain.js";
import { type AbortOutcome, abortRollouts } from "./abort.js";
import { type FailedAnalysis, findFailedAnalysis } from "./analysis-run.js";
import { type DispatchPayload, isAnalysisFailure, payloadIsCurrent } from "./payload.js";
import { chooseTarget, NoKnownGoodError, type TargetChoice } from "./target.js";
import { closedPromotionComment, rollbackNote } from "./text.js";

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
  readonly status: "rolled-back" | "planned" | "stale" | "no-known-good";
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
}

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

export async function rollback(request: RollbackRequest): Promise<RollbackOutcome> {
  const { repo, forge, ledger, argocd } = request;
  const env = environmentByName(repo, request.env);
  const base = repo.config.baseBranch;
  const file = overlayFile(env.name);
  const branch = BranchName.of("rollback", env.name);
  const setting = env.rollback.autoMerge;
  const wanted = autoMergeWanted(env, request.payload);
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
      return {
        ...empty,
        status: "stale",
        message: `dispatch acknowledged and ignored: ${currency.reason} (Git already moved on; nothing to roll back)`,
      };
    }
  }

  const failedVersion = versionIdOf(current);
  request.progress?.(`reading the deployment ledger of ${env.name}`);
  // the last known good is almost always among the newest deployments (each costs a status read on
  // GitHub): look at RECENT first, at up to HISTORY only when no target is found there
  let [deployments, rejections] = await Promise.all([
    ledger.listDeployments(env.name, { limit: RECENT }),
    ledger.listRejections(),
  ]);
  const choose = () =>
    chooseTarget({
      env: env.name,
      deployments,
      rejections,
      failedVersion,
      ...(request.to !== undefined ? { to: request.to } : {}),
    });
  let choice: TargetChoice | undefined;
  let noKnownGood: NoKnownGoodError | undefined;
  try {
    try {
      choice = choose();
    } catch (e) {
      if (deployments.length < RECENT) throw e;
      deployments = await ledger.listDeployments(env.name, { limit: HISTORY });
      choice = choose();
    }
  } catch (e) {
    // a refused --to changes nothing; with no known good the canaries are still stopped and the
    // version still rejected, then the caller gets the alert
    if (!(e instanceof NoKnownGoodError)) throw e;
    noKnownGood = e;
  }

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
  const abort = await abortRollouts({ argocd, app, rollouts, dryRun: Boolean(request.dryRun) });

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
  if (argocd && request.payload && abort.status !== "failed") {
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
    };
  }

  // the ledger: the failing version is rejected everywhere, its deployment failed
  const restoredImages = choice ? changesBetween(current, choice.deployment.images) : current;
  if (!alreadyRejected) {
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
  if (failedDeployment) {
    const marked = failedDeployment.state !== "failure";
    if (marked) {
      await ledger.setStatus(failedDeployment.id, {
        state: "failure",
        environmentUrl: appUrl,
        description: `rolled back: ${request.reason}`,
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
      rejected: !alreadyRejected,
      ...(failedMark ? { failedDeployment: failedMark } : {}),
    };
  }
  if (!choice || !plan) throw new Error("unreachable: no rollback target");

  // open promotions into this environment were computed before the rollback: close them
  const closed: number[] = [];
  const stale = new Set(["promote", "release"].map((k) => `${k}/${env.name}`));
  const open: readonly PullRequest[] = await forge.listOpenPullRequests(base);
  for (const pr of open.filter((p) => stale.has(BranchName.parse(p.head)?.toString() ?? ""))) {
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
        message: `Roll back ${env.name} to ${choice.deployment.version}\n\n${request.reason}\nRejected: ${failedVersion}\n`,
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
    message: `${env.name} rolled back from ${failedVersion} to ${choice.deployment.version}`,
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
    rejected: !alreadyRejected,
    ...(failedMark ? { failedDeployment: failedMark } : {}),
    closedPullRequests: closed,
    publish: published,
    autoMerge,
    ...(restored ? { restored } : {}),
    ...(restoredError ? { restoredError } : {}),
    ...(refresh ? { refresh } : {}),
    text: textFor(published.superseded),
  };
}
