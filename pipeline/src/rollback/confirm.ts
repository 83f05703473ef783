// A dispatch is a request, not a fact: anyone who can call POST /repos/{o}/{r}/dispatches (a token
// with contents: write) can send one. Before `rollback --from-dispatch` writes anything it asks
// Argo CD (read-only) whether the Rollout the payload names really failed:
//   - status.abort is true (Argo Rollouts sets it when it aborts an update; Argo CD's Rollout health
//     check reports such a Rollout Degraded), or
//   - Argo CD reports the Rollout Degraded (e.g. progress deadline exceeded), or
//   - a child AnalysisRun of the Rollout is phase Failed at the payload's revision. Argo Rollouts
//     (rollout/analysis.go, newAnalysisRunFromRollout) annotates every AnalysisRun it creates with
//     rollout.argoproj.io/revision = the Rollout's revision and names it <rollout>-<podHash>-<revision>;
//     reconcileAnalysisRun aborts the Rollout when a run ends Failed or Error, so a Failed run is
//     seen a moment before status.abort is.
// Anything else (Healthy, Progressing, Suspended without a failed run) refutes the dispatch.
// Argo CD unreachable, refusing the token, or not configured: "unconfirmed" — the caller opens the
// pull request for review only. Pure apart from the reads through the ArgoCd interface.
import type { ArgoCd, ResourceNode, ResourceRef } from "../adapters/argocd-types.js";
import { logText } from "../output/inert.js";
import type { DispatchPayload } from "./payload.js";

/** Argo Rollouts' annotation of the revision (utils/annotations: RevisionAnnotation) */
export const REVISION_ANNOTATION = "rollout.argoproj.io/revision";

export type Confirmation =
  | {
      readonly status: "confirmed";
      /** which fact confirmed it */
      readonly by: "aborted" | "degraded" | "analysis-failed";
      /** what Argo CD reported, one line */
      readonly reported: string;
      readonly requests: number;
    }
  | { readonly status: "refuted"; readonly reported: string; readonly requests: number }
  | {
      readonly status: "unconfirmed";
      /** why Argo CD could not be asked (the error with its hint, or "ARGOCD_SERVER is not set") */
      readonly error: string;
      readonly requests: number;
    };

/** an error's message with its hint (the adapters put e.g. "ARGOCD_AUTH_TOKEN is … expired" there) */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const hint = (e as { hint?: unknown }).hint;
  return typeof hint === "string" && hint ? `${e.message} (${hint})` : e.message;
}

interface LiveRollout {
  metadata?: { annotations?: Record<string, string> };
  status?: { abort?: boolean; phase?: string; message?: string };
}

interface LiveAnalysisRun {
  metadata?: { name?: string; annotations?: Record<string, string> };
  status?: { phase?: string; message?: string };
}

export async function confirmDispatch(input: {
  readonly argocd: ArgoCd | undefined;
  readonly app: string;
  readonly payload: DispatchPayload;
  /** the environment's namespace, when the payload names none */
  readonly namespace: string;
}): Promise<Confirmation> {
  const { argocd, app, payload } = input;
  if (!argocd) return { status: "unconfirmed", error: "ARGOCD_SERVER is not set", requests: 0 };
  const name = payload.rollout;
  const namespace = payload.namespace ?? input.namespace;
  const shown = logText(name, 100);
  let requests = 0;
  try {
    requests += 1;
    const application = await argocd.getApplication(app);
    const managed = application.resources.find(
      (r) => r.kind === "Rollout" && r.name === name && r.namespace === namespace,
    );
    if (!managed) {
      return {
        status: "refuted",
        reported: `Argo CD application ${app} manages no Rollout ${shown} in namespace ${logText(namespace, 100)}`,
        requests,
      };
    }
    const ref: ResourceRef = {
      group: managed.group,
      version: managed.version,
      kind: "Rollout",
      namespace,
      name,
    };
    requests += 1;
    const live = (await argocd.getResource(app, ref)) as LiveRollout;
    const health = managed.health ?? "Unknown";
    const liveRevision = live.metadata?.annotations?.[REVISION_ANNOTATION];
    const at = liveRevision ? ` at revision ${liveRevision}` : "";
    const why = live.status?.message ? `: ${logText(live.status.message, 300)}` : "";
    if (live.status?.abort === true) {
      return {
        status: "confirmed",
        by: "aborted",
        reported: `Rollout ${shown}${at} is aborted (status.abort), health ${health}${why}`,
        requests,
      };
    }
    if (health === "Degraded") {
      return {
        status: "confirmed",
        by: "degraded",
        reported: `Rollout ${shown}${at} is Degraded${why}`,
        requests,
      };
    }
    const revision = payload.revision;
    if (revision !== undefined) {
      requests += 1;
      const runs: ResourceNode[] = (await argocd.resourceTree(app))
        .filter(
          (n) =>
            n.kind === "AnalysisRun" &&
            n.namespace === namespace &&
            n.parentRefs.some((p) => p.kind === "Rollout" && p.name === name),
        )
        .sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""))
        .slice(0, 5);
      for (const node of runs) {
        requests += 1;
        const run = (await argocd.getResource(app, node)) as LiveAnalysisRun;
        if (run.metadata?.annotations?.[REVISION_ANNOTATION] !== revision) continue;
        if (run.status?.phase === "Failed") {
          return {
            status: "confirmed",
            by: "analysis-failed",
            reported: `AnalysisRun ${logText(node.name, 100)} of Rollout ${shown} is Failed at revision ${logText(revision, 20)}${run.status.message ? `: ${logText(run.status.message, 300)}` : ""}`,
            requests,
          };
        }
      }
    }
    return {
      status: "refuted",
      reported: `Argo CD reports Rollout ${shown}${at} ${health}, not aborted (status.abort unset) and no Failed AnalysisRun${revision !== undefined ? ` at revision ${logText(revision, 20)}` : " (the payload names no revision)"}`,
      requests,
    };
  } catch (e) {
    return { status: "unconfirmed", error: errorText(e), requests };
  }
}
