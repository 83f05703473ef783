// `status`: one screen per environment — versions in Git, Argo CD sync and health with the UI link,
// rollout phase and step, last deployment and its state, rejected versions, last backup age, open
// promotion PR. Works without Argo CD (says so); a configured Argo CD that fails is reported per
// environment and makes the command exit 3.
import type { ApplicationStatus, ArgoCd } from "../adapters/argocd-types.js";
import { argoCdApplicationUrl } from "../adapters/argocd-types.js";
import type { Forge } from "../adapters/forge.js";
import type { Repo } from "../config/load.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { isNgxError } from "../errors.js";
import type { GateReport } from "../gates/index.js";
import { type RolloutProgress, rolloutProgress } from "../gates/rollout-state.js";
import type { GitReader } from "../ledger/git.js";
import type { DeploymentState, Ledger, Rejection } from "../ledger/types.js";
import { versionOf } from "../ledger/version.js";
import { guardLog, logText } from "../output/inert.js";
import { type DeepLink, environmentLinks, rolloutLinks } from "../output/links.js";
import { imageRef } from "../promotion/images.js";
import { readableVersion } from "./picture.js";

export interface EnvironmentStatus {
  readonly name: string;
  readonly application: string;
  readonly url: string;
  readonly git: {
    readonly version: string;
    /** the version as people read it: the shared tag, or each component's (status/picture.ts) */
    readonly label: string;
    readonly images: readonly { component: string; image: string }[];
  };
  readonly argocd:
    | { readonly state: "not configured" }
    | { readonly state: "unreachable"; readonly error: string }
    | {
        readonly state: "ok";
        readonly sync: string;
        readonly revision?: string;
        readonly health: string;
        readonly healthMessage?: string;
        readonly operation?: string;
        /** the synced revision carries what Git has at HEAD */
        readonly atHead?: boolean;
      };
  readonly rollouts?: readonly RolloutProgress[];
  /** deep links per Rollout: Argo CD node, Rollouts dashboard, Grafana canary over the last deployment */
  readonly links?: readonly DeepLink[];
  readonly lastDeployment?: {
    readonly id: string;
    readonly sha: string;
    readonly version: string;
    readonly state: DeploymentState;
    readonly at: string;
    readonly createdAt: string;
    readonly succeededAt?: string;
  };
  readonly ledgerError?: string;
  readonly backup?:
    | { readonly summary: string; readonly age?: string; readonly satisfiesRpo: boolean }
    | { readonly error: string };
  /** the promotion INTO this environment and its gates (when status was asked to evaluate them) */
  readonly promotion?: {
    readonly from: string;
    readonly open?: boolean;
    readonly gates?: readonly { name: string; open: boolean; reason: string }[];
    readonly error?: string;
  };
  readonly promotionPr?:
    | { readonly number: number; readonly url: string; readonly headSha: string }
    | { readonly error: string };
}

export interface StatusReport {
  readonly ledger: string;
  readonly argocd: "configured" | "not configured";
  readonly environments: readonly EnvironmentStatus[];
  readonly rejected: readonly Rejection[];
  /** Argo CD is configured but failed for at least one environment */
  readonly argocdUnreachable: boolean;
  /** the ledger or the forge (GitHub) failed after retries: the message of the first failure */
  readonly remoteFailure?: string;
}

export interface StatusInputs {
  readonly repo: Repo;
  readonly envs: readonly EnvironmentConfig[];
  readonly head: string;
  readonly git: GitReader;
  readonly ledger: Ledger;
  readonly argocd?: ArgoCd;
  readonly forge?: Forge;
  readonly backup?: (
    env: EnvironmentConfig,
  ) => Promise<{ summary: string; age?: string; satisfiesRpo: boolean }>;
  /** evaluates the gates of promoting into an environment (read-only); absent: gates not shown */
  readonly gates?: (target: EnvironmentConfig) => Promise<GateReport>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** a remote service failed after retries (a RemoteError), as opposed to missing data */
const isRemote = (e: unknown) => isNgxError(e) && e.exitCode === 3;

export async function collectStatus(input: StatusInputs): Promise<StatusReport> {
  let rejected: Rejection[] = [];
  let rejectedError: string | undefined;
  let remoteFailure: string | undefined;
  try {
    rejected = (await input.ledger.listRejections()).filter((r) => r.rejected);
  } catch (e) {
    rejectedError = message(e);
    if (isRemote(e)) remoteFailure ??= rejectedError;
  }
  const environments: EnvironmentStatus[] = [];
  let argocdUnreachable = false;
  for (const env of input.envs) {
    const images = (await input.git.imagesAt(input.head, env.name)) ?? [];
    const version = versionOf(images);
    const url =
      input.argocd?.applicationUrl(env.argocdApplication) ??
      argoCdApplicationUrl(input.repo.config.argocdUrl, env.argocdApplication);
    let argocd: EnvironmentStatus["argocd"] = { state: "not configured" };
    let rollouts: RolloutProgress[] | undefined;
    if (input.argocd) {
      try {
        const app: ApplicationStatus = await input.argocd.getApplication(env.argocdApplication);
        let atHead: boolean | undefined;
        if (app.syncRevision) {
          const there = await input.git.imagesAt(app.syncRevision, env.name);
          atHead = there !== undefined && versionOf(there) === version;
        }
        argocd = {
          state: "ok",
          sync: app.syncStatus,
          ...(app.syncRevision ? { revision: app.syncRevision } : {}),
          health: app.health,
          ...(app.healthMessage ? { healthMessage: app.healthMessage } : {}),
          ...(app.operationPhase ? { operation: app.operationPhase } : {}),
          ...(atHead !== undefined ? { atHead } : {}),
        };
        rollouts = [];
        for (const r of app.resources.filter((x) => x.kind === "Rollout")) {
          rollouts.push(rolloutProgress(await input.argocd.getResource(app.name, r), r.name));
        }
      } catch (e) {
        argocdUnreachable = argocdUnreachable || (isNgxError(e) && e.exitCode === 3);
        argocd = { state: "unreachable", error: message(e) };
      }
    }
    let lastDeployment: EnvironmentStatus["lastDeployment"];
    let ledgerError: string | undefined = rejectedError;
    try {
      const d = (await input.ledger.listDeployments(env.name, { limit: 1 }))[0];
      if (d) {
        lastDeployment = {
          id: d.id,
          sha: d.sha,
          version: d.version,
          state: d.state,
          at: d.statuses.at(-1)?.createdAt ?? d.createdAt,
          createdAt: d.createdAt,
          ...(d.succeededAt ? { succeededAt: d.succeededAt } : {}),
        };
      }
    } catch (e) {
      ledgerError = message(e);
      if (isRemote(e)) remoteFailure ??= ledgerError;
    }
    let backup: EnvironmentStatus["backup"];
    if (env.backup && input.backup && argocd.state === "ok") {
      try {
        const f = await input.backup(env);
        backup = { summary: f.summary, ...(f.age ? { age: f.age } : {}), satisfiesRpo: f.satisfiesRpo };
      } catch (e) {
        backup = { error: message(e) };
      }
    }
    let promotionPr: EnvironmentStatus["promotionPr"];
    if (input.forge && env !== input.repo.environments[0]) {
      try {
        const pr = await input.forge.findOpenPullRequest(`promote/${env.name}`, input.repo.config.baseBranch);
        if (pr) promotionPr = { number: pr.number, url: pr.url, headSha: pr.headSha };
      } catch (e) {
        promotionPr = { error: message(e) };
        if (isRemote(e)) remoteFailure ??= promotionPr.error;
      }
    }
    let promotion: EnvironmentStatus["promotion"];
    const index = input.repo.environments.indexOf(env);
    const source = index > 0 ? input.repo.environments[index - 1] : undefined;
    if (input.gates && source) {
      try {
        const g = await input.gates(env);
        promotion = {
          from: source.name,
          open: g.open,
          gates: g.gates.map((x) => ({ name: x.name, open: x.open, reason: x.reason })),
        };
      } catch (e) {
        promotion = { from: source.name, error: message(e) };
      }
    }
    const envLinks = environmentLinks(input.repo.config, env);
    const links = (rollouts ?? []).flatMap((r) =>
      rolloutLinks(envLinks, r.name, {
        ...(lastDeployment ? { range: { from: new Date(lastDeployment.createdAt) } } : {}),
      }),
    );
    environments.push({
      name: env.name,
      application: env.argocdApplication,
      url,
      git: {
        version,
        label: readableVersion(images),
        images: images.map((im) => ({ component: im.name.replace(/^ngx\//, ""), image: imageRef(im) })),
      },
      argocd,
      ...(rollouts ? { rollouts } : {}),
      ...(links.length > 0 ? { links } : {}),
      ...(lastDeployment ? { lastDeployment } : {}),
      ...(ledgerError ? { ledgerError } : {}),
      ...(backup ? { backup } : {}),
      ...(promotion ? { promotion } : {}),
      ...(promotionPr ? { promotionPr } : {}),
    });
  }
  return {
    ledger: input.ledger.kind,
    argocd: input.argocd ? "configured" : "not configured",
    environments,
    rejected,
    argocdUnreachable,
    ...(remoteFailure ? { remoteFailure } : {}),
  };
}

/** The human screen: one block per environment. */
export function renderStatus(report: StatusReport, now: Date): string {
  const out: string[] = [];
  const ago = (iso: string) => {
    const ms = now.getTime() - Date.parse(iso);
    const m = Math.round(ms / 60_000);
    return m < 60
      ? `${m}m ago`
      : m < 48 * 60
        ? `${Math.floor(m / 60)}h ${m % 60}m ago`
        : `${Math.floor(m / 1440)}d ago`;
  };
  for (const e of report.environments) {
    out.push(`== ${e.name} (${e.application})  ${e.url}`);
    out.push(
      `  git       version ${e.git.version}: ${e.git.images.map((i) => `${i.component} ${shortImage(i.image)}`).join(", ") || "(no images)"}`,
    );
    const a = e.argocd;
    if (a.state === "not configured")
      out.push("  argo cd   Argo CD not configured (set ARGOCD_SERVER and ARGOCD_AUTH_TOKEN)");
    else if (a.state === "unreachable") out.push(`  argo cd   UNREACHABLE: ${a.error}`);
    else
      out.push(
        `  argo cd   ${a.sync} at ${a.revision?.slice(0, 7) ?? "?"}${a.atHead === false ? " (not yet what Git has)" : ""}, ${a.health}${a.healthMessage ? `: ${a.healthMessage}` : ""}${a.operation ? `, last operation ${a.operation}` : ""}`,
      );
    if (e.rollouts) {
      if (e.rollouts.length === 0) out.push("  rollouts  none");
      for (const r of e.rollouts) out.push(`  rollout   ${r.name}: ${r.summary}`);
    }
    for (const l of e.links ?? []) out.push(`  link      ${l.label}: ${l.url}`);
    if (e.lastDeployment) {
      const d = e.lastDeployment;
      out.push(`  deployed  ${d.sha.slice(0, 7)} version ${d.version}: ${d.state} ${ago(d.at)}`);
    } else if (e.ledgerError) out.push(`  deployed  ledger unavailable: ${e.ledgerError}`);
    else out.push(`  deployed  nothing recorded (ngx-release record ${e.name})`);
    if (e.backup)
      out.push(`  backup    ${"error" in e.backup ? `unknown: ${e.backup.error}` : e.backup.summary}`);
    if (e.promotionPr) {
      out.push(
        `  promotion ${"error" in e.promotionPr ? `unknown: ${e.promotionPr.error}` : `PR #${e.promotionPr.number} open (${e.promotionPr.url})`}`,
      );
    }
    if (e.promotion) {
      const p = e.promotion;
      const closed = (p.gates ?? []).filter((g) => !g.open);
      out.push(
        `  gates     from ${p.from}: ${
          p.error
            ? `not evaluated: ${p.error}`
            : closed.length === 0
              ? `open (${p.gates?.length ?? 0} gates)`
              : `CLOSED: ${closed.map((g) => `${g.name}: ${g.reason}`).join("; ")}`
        }`,
      );
    }
    out.push("");
  }
  if (report.rejected.length > 0) {
    out.push("rejected versions:");
    for (const r of report.rejected)
      out.push(
        `  ${logText(r.version)}${r.environment ? ` (${logText(r.environment)})` : ""} ${r.at}: ${logText(r.reason)}`,
      );
  } else out.push("rejected versions: none");
  // Argo CD messages, ledger records and reasons are foreign: no line of theirs is a workflow command
  return guardLog(out.join("\n"));
}

function shortImage(ref: string): string {
  const at = ref.indexOf("@sha256:");
  const name = ref.slice(0, at >= 0 ? at : undefined);
  const tag = name.includes(":") ? name.slice(name.lastIndexOf(":") + 1) : "";
  return at >= 0 ? `${tag ? `${tag} ` : ""}@${ref.slice(at + 8, at + 20)}` : tag || ref;
}
