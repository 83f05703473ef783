// `doctor`: read-only checks of every service the pipeline talks to, each a line with what to fix.
// Nothing here writes: GitHub is read (the base branch, pull requests), Argo CD is read (each
// environment's application), Prometheus answers one query, Google credentials are looked for on disk.
// Permissions are asked, not tried: Argo CD's can-i for exactly the actions the pipeline uses, and the
// GitHub token's scopes / the repository's permissions for the writes it needs.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ArgoCd, CanIAnswer } from "../adapters/argocd-types.js";
import type { Forge } from "../adapters/forge.js";
import {
  GITHUB_WRITES,
  type GitHubTokenPermissions,
  missingGitHubWrites,
} from "../adapters/github-permissions.js";
import type { Prometheus } from "../adapters/prometheus.js";
import type { Repo } from "../config/load.js";

export type CheckState = "ok" | "warn" | "fail";

export interface DoctorCheck {
  readonly name: string;
  readonly state: CheckState;
  readonly detail: string;
  /** what to do about it (absent when ok) */
  readonly fix?: string;
}

export interface DoctorInputs {
  readonly repo: Repo;
  readonly env: NodeJS.ProcessEnv;
  /** where GITHUB_TOKEN came from, if set */
  readonly tokenSource?: string;
  readonly forge?: Forge;
  readonly argocd?: ArgoCd;
  readonly prometheus?: Prometheus;
  /** reads the GitHub token's scopes / repository permissions (one GET, no write) */
  readonly githubPermissions?: () => Promise<GitHubTokenPermissions>;
}

/**
 * The Argo CD RBAC (resource, action) pairs the pipeline uses on each environment's application:
 * reading it (gates, status, doctor), the Rollout `abort` action (rollback) and the CronJob
 * `create-job` action (backup run); rollouts/argocd/appproject.yaml grants exactly these. An action's
 * RBAC action is `action/<group>/<kind>/<action-name>` (Argo CD docs, operator-manual/rbac.md).
 */
export const ARGOCD_PERMISSIONS = [
  { short: "get", action: "get", usedBy: "gates, status, wait, doctor" },
  { short: "abort", action: "action/argoproj.io/Rollout/abort", usedBy: "rollback" },
  { short: "create-job", action: "action/batch/CronJob/create-job", usedBy: "backup --run" },
] as const;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function runDoctor(i: DoctorInputs): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const { repo } = i;
  checks.push({
    name: "config",
    state: "ok",
    detail: `environments/promotion.yaml: ${repo.environments.map((e) => e.name).join(" → ")}`,
  });

  // GitHub
  if (!i.tokenSource || !i.forge || i.forge.kind !== "github") {
    checks.push({
      name: "github",
      state: "warn",
      detail:
        "no GitHub token: branches and commits are made in the local checkout, the ledger is .git/ngx-ledger.json",
      fix: "set GITHUB_TOKEN (or GH_TOKEN, or run gh auth login) and GITHUB_REPOSITORY to open pull requests",
    });
  } else {
    try {
      const sha = await i.forge.branchSha(repo.config.baseBranch);
      if (!sha) throw new Error(`base branch ${repo.config.baseBranch} not found`);
      await i.forge.listOpenPullRequests(repo.config.baseBranch);
      checks.push({
        name: "github",
        state: "ok",
        detail: `${i.forge.repository ?? "repository"} readable with the token from ${i.tokenSource}: ${repo.config.baseBranch} at ${sha.slice(0, 7)}, pull requests listed`,
      });
      if (i.githubPermissions) checks.push(await githubWritesCheck(i.githubPermissions));
    } catch (e) {
      checks.push({
        name: "github",
        state: "fail",
        detail: `token from ${i.tokenSource}: ${message(e)}`,
        fix: "check GITHUB_REPOSITORY and that the token can read the repository (contents:read, pull-requests:read)",
      });
    }
  }

  // Argo CD: each environment's application
  for (const env of repo.environments) {
    const name = `argocd ${env.name}`;
    if (!i.argocd) {
      checks.push({
        name,
        state: "warn",
        detail: "Argo CD not configured: gates about live state stay closed, rollback cannot abort",
        fix: "set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN (a project role token, see rollouts/argocd/appproject.yaml)",
      });
      continue;
    }
    try {
      const app = await i.argocd.getApplication(env.argocdApplication);
      const rollouts = app.resources.filter((r) => r.kind === "Rollout").length;
      checks.push({
        name,
        state: "ok",
        detail: `${env.argocdApplication}: ${app.syncStatus}, ${app.health}; ${rollouts} Rollout(s)`,
      });
      checks.push(...(await canIChecks(i.argocd, env.name, env.argocdApplication, app.project)));
    } catch (e) {
      checks.push({
        name,
        state: "fail",
        detail: `${env.argocdApplication}: ${message(e)}`,
        fix: `the token must be allowed to get ${env.argocdApplication} (Argo CD answers "permission denied" for a missing application too); check argocdApplication in promotion.yaml`,
      });
    }
  }

  // Prometheus: reachable and answering
  if (!i.prometheus) {
    checks.push({
      name: "prometheus",
      state: "warn",
      detail: "PROMETHEUS_URL not set: the analysis gate stays closed and analyze cannot run",
      fix: "set PROMETHEUS_URL (and PROMETHEUS_BEARER_TOKEN or PROMETHEUS_AUTH=google if it needs them)",
    });
  } else {
    try {
      await i.prometheus.query("vector(1)");
      checks.push({ name: "prometheus", state: "ok", detail: `${i.prometheus.url} answers queries` });
    } catch (e) {
      checks.push({
        name: "prometheus",
        state: "fail",
        detail: message(e),
        fix: "check PROMETHEUS_URL and its credentials",
      });
    }
  }

  // Google Cloud (google-signals gate, metrics --export): a project and credentials on disk
  const needsGoogle = repo.environments.some((e) => e.gates.includes("google-signals"));
  const project = i.env.GOOGLE_CLOUD_PROJECT?.trim();
  const projects = repo.environments.filter((e) => e.googleCloudProject).map((e) => e.googleCloudProject);
  const adcFile = i.env.GOOGLE_APPLICATION_CREDENTIALS?.trim();
  const gcloudAdc = join(
    i.env.HOME ?? homedir(),
    ".config",
    "gcloud",
    "application_default_credentials.json",
  );
  const credentials = adcFile
    ? existsSync(adcFile)
      ? `GOOGLE_APPLICATION_CREDENTIALS (${adcFile})`
      : undefined
    : existsSync(gcloudAdc)
      ? "gcloud application-default credentials"
      : i.env.METADATA_SERVER_DETECTION === "assume-present"
        ? "the metadata server (METADATA_SERVER_DETECTION=assume-present)"
        : undefined;
  if (credentials) {
    checks.push({
      name: "google",
      state: "ok",
      detail: `credentials from ${credentials}; projects ${[...new Set([...projects, ...(project ? [project] : [])])].join(", ") || "(none set)"}`,
      fix: "the gates read Cloud Monitoring: the identity needs roles/monitoring.viewer (metrics --export: roles/monitoring.metricWriter)",
    });
  } else {
    checks.push({
      name: "google",
      state: needsGoogle ? "fail" : "warn",
      detail: adcFile
        ? `GOOGLE_APPLICATION_CREDENTIALS names ${adcFile}, which does not exist`
        : "no Google credentials found (google-signals and metrics --export need them)",
      fix: "gcloud auth application-default login, or set GOOGLE_APPLICATION_CREDENTIALS; in GKE set METADATA_SERVER_DETECTION=assume-present",
    });
  }
  return checks;
}

async function githubWritesCheck(read: () => Promise<GitHubTokenPermissions>): Promise<DoctorCheck> {
  const name = "github writes";
  const needed = GITHUB_WRITES.map((w) => `${w}:write`).join(", ");
  let p: GitHubTokenPermissions;
  try {
    p = await read();
  } catch (e) {
    return {
      name,
      state: "warn",
      detail: `could not read the token's permissions: ${message(e)}`,
      fix: `the token needs ${needed}`,
    };
  }
  const missing = missingGitHubWrites(p);
  if (missing.length > 0) {
    return {
      name,
      state: "fail",
      detail: `missing: ${missing.map((w) => `${w}:write`).join(", ")}${p.kind === "classic" ? ` (classic token scopes: ${p.scopes?.join(", ") || "none"})` : " (the repository says push: false)"}`,
      fix:
        p.kind === "classic"
          ? `give the classic token the repo scope, or use a fine-grained token / GitHub App with ${needed}`
          : `grant ${needed} (a workflow's permissions: block, the GitHub App's or the fine-grained token's repository permissions)`,
    };
  }
  if (p.kind === "classic") {
    return { name, state: "ok", detail: `classic token scopes ${p.scopes?.join(", ")} cover ${needed}` };
  }
  return {
    name,
    state: "warn",
    detail: `fine-grained token or GitHub App: the repository is writable${p.acceptedPermissions ? ` (this read needed ${p.acceptedPermissions})` : ""}, but GitHub does not tell which permissions the token holds`,
    fix: `make sure it has ${needed} (in a workflow: permissions: contents: write, pull-requests: write, deployments: write, statuses: write)`,
  };
}

async function canIChecks(
  argocd: ArgoCd,
  envName: string,
  app: string,
  project: string | undefined,
): Promise<DoctorCheck[]> {
  const proj = project ?? "default";
  const object = `${proj}/${app}`;
  const out: DoctorCheck[] = [];
  for (const p of ARGOCD_PERMISSIONS) {
    const name = `argocd ${envName} can-i ${p.short}`;
    const policy = `p, proj:${proj}:<the token's role>, applications, ${p.action}, ${object}, allow`;
    let answer: CanIAnswer;
    try {
      answer = await argocd.canI("applications", p.action, object);
    } catch (e) {
      out.push({
        name,
        state: "fail",
        detail: message(e),
        fix: `check ARGOCD_AUTH_TOKEN; the role needs: ${policy}`,
      });
      continue;
    }
    if (answer === "yes") {
      out.push({ name, state: "ok", detail: `applications ${p.action} ${object}: yes (${p.usedBy})` });
    } else if (answer === "no") {
      out.push({
        name,
        state: "fail",
        detail: `applications ${p.action} ${object}: no (${p.usedBy} cannot work)`,
        fix: `add to the AppProject ${proj} role of ARGOCD_AUTH_TOKEN (rollouts/argocd/appproject.yaml) or argocd-rbac-cm policy.csv: ${policy}`,
      });
    } else {
      out.push({
        name,
        state: "warn",
        detail: `Argo CD's can-i does not answer for a single resource action (it accepts only get, create, update, delete, sync, override, action, invoke); ${p.usedBy} needs it`,
        fix: `make sure the role of ARGOCD_AUTH_TOKEN has (rollouts/argocd/appproject.yaml): ${policy}`,
      });
    }
  }
  return out;
}
