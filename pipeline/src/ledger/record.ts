// `record <env>`: records in the ledger what landed in an environment (the overlay's images at a commit)
// and how Argo CD says it is going. Idempotent: the same commit (or a later one with the same version)
// reuses the newest deployment, and a status is only added when the state changed.
import { type ApplicationStatus, type ArgoCd, argoCdApplicationUrl } from "../adapters/argocd-types.js";
import type { Repo } from "../config/load.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { ConfigError } from "../errors.js";
import { imageRef } from "../promotion/images.js";
import { type GitReader, overlayPath } from "./git.js";
import type { DeploymentRecord, DeploymentState, Ledger } from "./types.js";
import { versionOf } from "./version.js";

export interface RecordInput {
  readonly repo: Repo;
  readonly env: EnvironmentConfig;
  readonly ledger: Ledger;
  readonly git: GitReader;
  /** the commit that landed (full sha) */
  readonly sha: string;
  readonly argocd?: ArgoCd;
  /** link to the workflow run, when known */
  readonly logUrl?: string;
  readonly dryRun?: boolean;
  /** the last environment is the production one (GitHub's production_environment flag) */
  readonly production?: boolean;
}

export interface RecordOutcome {
  readonly environment: string;
  readonly sha: string;
  readonly version: string;
  readonly images: readonly string[];
  /** undefined only in a dry run that would create one */
  readonly deploymentId?: string;
  readonly created: boolean;
  readonly previousState?: DeploymentState;
  readonly state: DeploymentState;
  readonly statusChanged: boolean;
  readonly description: string;
  /** earlier successful deployments marked inactive */
  readonly inactivated: readonly string[];
  readonly argocd: "not configured" | { sync: string; revision?: string; health: string; url: string };
  readonly dryRun: boolean;
}

/** What Argo CD's view means for the deployment of `sha`. */
export async function observedState(
  app: ApplicationStatus,
  sha: string,
  version: string,
  env: string,
  git: GitReader,
): Promise<{ state: DeploymentState; description: string }> {
  const rev = app.syncRevision;
  let atRevision = rev === sha;
  if (!atRevision && rev && (await git.isAncestor(sha, rev))) {
    const there = await git.imagesAt(rev, env);
    atRevision = there !== undefined && versionOf(there) === version;
  }
  const at = rev ? rev.slice(0, 7) : "?";
  if (atRevision && app.health === "Degraded") {
    return {
      state: "failure",
      description: `Degraded at ${at}${app.healthMessage ? `: ${app.healthMessage}` : ""}`,
    };
  }
  if (atRevision && (app.operationPhase === "Failed" || app.operationPhase === "Error")) {
    return {
      state: "failure",
      description: `sync ${app.operationPhase}${app.operationMessage ? `: ${app.operationMessage}` : ""}`,
    };
  }
  if (atRevision && app.syncStatus === "Synced" && app.health === "Healthy") {
    return { state: "success", description: `Synced and Healthy at ${at}` };
  }
  if (atRevision) return { state: "in_progress", description: `${app.syncStatus}, ${app.health} at ${at}` };
  return {
    state: "in_progress",
    description: `waiting for Argo CD to sync ${sha.slice(0, 7)} (now ${app.syncStatus} at ${at})`,
  };
}

export async function recordEnvironment(input: RecordInput): Promise<RecordOutcome> {
  const { env, ledger, git, sha } = input;
  const images = await git.imagesAt(sha, env.name);
  if (!images) {
    throw new ConfigError(`${overlayPath(env.name)} does not exist at ${sha.slice(0, 12)}`, {
      file: overlayPath(env.name),
    });
  }
  const version = versionOf(images);
  const deployments = await ledger.listDeployments(env.name, { limit: 30 });
  const newest = deployments[0];
  let existing: DeploymentRecord | undefined;
  if (
    newest &&
    newest.version === version &&
    (newest.sha === sha || (await git.isAncestor(newest.sha, sha)))
  ) {
    existing = newest;
  }

  const url =
    input.argocd?.applicationUrl(env.argocdApplication) ??
    argoCdApplicationUrl(input.repo.config.argocdUrl, env.argocdApplication);
  let app: ApplicationStatus | undefined;
  let observed: { state: DeploymentState; description: string };
  if (input.argocd) {
    app = await input.argocd.getApplication(env.argocdApplication);
    observed = await observedState(app, existing?.sha ?? sha, version, env.name, git);
  } else {
    observed = {
      state: "in_progress",
      description: "recorded; Argo CD not configured, so its progress is unknown",
    };
  }

  const previousState = existing?.state;
  // never step back from success to in_progress (a later resync or scale event); failure can recover
  let state = observed.state;
  if (previousState === "success" && state === "in_progress") state = "success";
  if (!input.argocd && existing) state = existing.state === "pending" ? "in_progress" : existing.state;
  const statusChanged = previousState !== state;
  const dryRun = Boolean(input.dryRun);

  let deploymentId = existing?.id;
  if (!existing && !dryRun) {
    const created = await ledger.recordDeployment({
      environment: env.name,
      sha,
      images,
      version,
      production: input.production ?? false,
      description: `ngx-release record ${env.name}: version ${version}`,
    });
    deploymentId = created.id;
  }
  if (statusChanged && !dryRun && deploymentId) {
    await ledger.setStatus(deploymentId, {
      state,
      environmentUrl: url,
      description: observed.description,
      ...(input.logUrl ? { logUrl: input.logUrl } : {}),
    });
  }
  const inactivated: string[] = [];
  if (state === "success" && statusChanged) {
    for (const d of deployments) {
      if (d.id === deploymentId || d.state !== "success") continue;
      inactivated.push(d.id);
      if (!dryRun) {
        await ledger.setStatus(d.id, {
          state: "inactive",
          environmentUrl: url,
          description: `superseded by ${sha.slice(0, 7)} (version ${version})`,
        });
      }
    }
  }
  return {
    environment: env.name,
    sha: existing?.sha ?? sha,
    version,
    images: images.map(imageRef),
    ...(deploymentId ? { deploymentId } : {}),
    created: !existing,
    ...(previousState ? { previousState } : {}),
    state,
    statusChanged,
    description: observed.description,
    inactivated,
    argocd: app
      ? {
          sync: app.syncStatus,
          ...(app.syncRevision ? { revision: app.syncRevision } : {}),
          health: app.health,
          url,
        }
      : "not configured",
    dryRun,
  };
}
