// A gate answers one question about promoting INTO an environment (about the environment before it):
// open or closed, with a one-line reason. A gate that cannot be evaluated (Argo CD or Prometheus not
// configured or unreachable, nothing recorded) is closed, never open.
import type { ApplicationStatus, ArgoCd } from "../adapters/argocd-types.js";
import type { Repo } from "../config/load.js";
import type { EnvironmentConfig, GateName } from "../config/schema.js";
import type { GitReader } from "../ledger/git.js";
import type { DeploymentRecord, Ledger } from "../ledger/types.js";
import type { MetricsSource } from "../metrics/source.js";
import type { ImageEntry } from "../promotion/images.js";

export interface GateResult {
  readonly name: GateName;
  readonly open: boolean;
  /** one line for people */
  readonly reason: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** a Markdown block the promotion pull request shows under the gate (figures, a chart) */
  readonly markdown?: string;
}

/** Runs the environment's analysis now; the verdict and one line for people. */
export type AnalysisRunner = (
  env: EnvironmentConfig,
  hashes: readonly { rollout: string; canaryHash?: string; stableHash?: string }[],
) => Promise<{ verdict: string; summary: string; details?: Record<string, unknown> }>;

/** Freshness of the target environment's backup (backup/freshness.ts backupFreshness). */
export type BackupChecker = (
  env: EnvironmentConfig,
) => Promise<{ satisfiesRpo: boolean; summary: string; lastSuccessAt?: string; age?: string }>;

/** Opens Cloud Monitoring for a project, behind MetricsSource (google-signals); the caller closes it. */
export type MonitoringOpener = (projectId: string) => Promise<MetricsSource & { close(): Promise<void> }>;

export interface GateInputs {
  readonly repo: Repo;
  /** the environment being promoted into */
  readonly target: EnvironmentConfig;
  /** the environment before it, whose state the gates judge */
  readonly source: EnvironmentConfig;
  /** the commit whose source overlay carries the versions being promoted (HEAD of the base) */
  readonly head: string;
  readonly git: GitReader;
  readonly ledger: Ledger;
  /** undefined when ARGOCD_SERVER is not set */
  readonly argocd?: ArgoCd;
  readonly analysis?: AnalysisRunner;
  readonly backup?: BackupChecker;
  /** Cloud Monitoring (google-signals gate) */
  readonly cloudMonitoring?: MonitoringOpener;
  /** the project of an environment without googleCloudProject (GOOGLE_CLOUD_PROJECT) */
  readonly defaultGoogleCloudProject?: string;
  readonly now: Date;
}

/** Everything gates share, each read once (several gates need the same application or deployments). */
export class GateContext {
  private cache = new Map<string, Promise<unknown>>();
  constructor(readonly inputs: GateInputs) {}

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = load();
      // a rejected promise is shared too, but must not be reported as unhandled when unused
      p.catch(() => {});
      this.cache.set(key, p);
    }
    return p;
  }

  get target(): EnvironmentConfig {
    return this.inputs.target;
  }
  get source(): EnvironmentConfig {
    return this.inputs.source;
  }
  get now(): Date {
    return this.inputs.now;
  }

  /** the images of the source overlay at head: the versions being promoted */
  sourceImages(): Promise<ImageEntry[]> {
    return this.once(
      "images",
      async () => (await this.inputs.git.imagesAt(this.inputs.head, this.source.name)) ?? [],
    );
  }

  sourceVersion(): Promise<string> {
    return this.once("version", async () => {
      const { versionOf } = await import("../ledger/version.js");
      return versionOf(await this.sourceImages());
    });
  }

  sourceDeployments(): Promise<readonly DeploymentRecord[]> {
    // the version being promoted is among the newest deployments; older history is not needed
    return this.once("deployments", () =>
      this.inputs.ledger.listDeployments(this.source.name, { limit: 30 }),
    );
  }

  /** the newest recorded deployment of the source environment with the version being promoted */
  async sourceDeployment(): Promise<DeploymentRecord | undefined> {
    const version = await this.sourceVersion();
    return (await this.sourceDeployments()).find((d) => d.version === version);
  }

  /**
   * The commit that carries the versions being promoted: the recorded deployment's commit, else the
   * newest commit that changed the source overlay.
   */
  carryingCommit(): Promise<{ sha: string; from: "ledger" | "git" } | undefined> {
    return this.once("carrying", async () => {
      const d = await this.sourceDeployment();
      if (d) return { sha: d.sha, from: "ledger" as const };
      const { overlayPath } = await import("../ledger/git.js");
      const sha = await this.inputs.git.lastCommitTouching(overlayPath(this.source.name), this.inputs.head);
      return sha ? { sha, from: "git" as const } : undefined;
    });
  }

  sourceApplication(): Promise<ApplicationStatus> {
    return this.once("app", async () => {
      if (!this.inputs.argocd)
        throw new NotConfigured("Argo CD not configured (set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN)");
      return this.inputs.argocd.getApplication(this.source.argocdApplication);
    });
  }

  /** live Rollouts of the source application */
  sourceRollouts(): Promise<{ name: string; manifest: Record<string, unknown> }[]> {
    return this.once("rollouts", async () => {
      const app = await this.sourceApplication();
      const argocd = this.inputs.argocd as ArgoCd;
      const out: { name: string; manifest: Record<string, unknown> }[] = [];
      for (const r of app.resources.filter((x) => x.kind === "Rollout")) {
        out.push({ name: r.name, manifest: await argocd.getResource(app.name, r) });
      }
      return out;
    });
  }
}

/** A prerequisite is not configured: the gate is closed with this message. */
export class NotConfigured extends Error {
  override readonly name = "NotConfigured";
}

export type Gate = (ctx: GateContext) => Promise<GateResult>;

export const short = (sha: string | undefined) => (sha ? sha.slice(0, 7) : "?");
