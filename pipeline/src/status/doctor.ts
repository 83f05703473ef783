// `doctor`: read-only checks of every service the pipeline talks to, each a line with what to fix.
// Nothing here writes: GitHub is read (the base branch, pull requests), Argo CD is read (each
// environment's application), Prometheus answers one query, Google credentials are looked for on disk.
// Write permissions cannot be proven without writing; the GitHub line says which ones are needed.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ArgoCd } from "../adapters/argocd-types.js";
import type { Forge } from "../adapters/forge.js";
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
}

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
        fix: "writes are not tried here: the token also needs contents:write, pull-requests:write and deployments:write",
      });
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
