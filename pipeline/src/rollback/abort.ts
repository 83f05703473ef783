// Step 1 of a rollback: stop the canaries. Every Rollout of the rendered environment that Argo CD
// reports as still moving (Progressing, Suspended/paused, unknown) gets the "abort" resource action,
// which sends all traffic back to the stable ReplicaSet. Idempotent: a Rollout already aborted
// (Degraded with status.abort) or fully promoted (Healthy) is left alone. Argo CD being unreachable
// is reported, never thrown: the Git rollback still has to happen.
import type { ArgoCd, ResourceRef } from "../adapters/argocd-types.js";
import { errorText } from "./confirm.js";

export type RolloutAbortResult =
  | "aborted"
  | "already-aborted"
  | "not-progressing"
  | "not-live"
  | "failed"
  | "not-done";

export interface AbortOutcome {
  /** done: every moving Rollout was aborted (or none needed it); failed: Argo CD could not be reached
   * or refused an action; not-configured: ARGOCD_SERVER unset; skipped: dry run */
  readonly status: "done" | "failed" | "not-configured" | "skipped";
  readonly rollouts: readonly { name: string; health?: string; result: RolloutAbortResult; error?: string }[];
  readonly error?: string;
  /** Argo CD requests made */
  readonly requests: number;
}

const MOVING = new Set(["Progressing", "Suspended", "Paused", "Unknown", "Missing", ""]);

/** the error with its hint: a 401/403 from Argo CD then names ARGOCD_AUTH_TOKEN (adapters/argocd.ts) */
function message(e: unknown): string {
  return errorText(e);
}

export async function abortRollouts(input: {
  readonly argocd: ArgoCd | undefined;
  readonly app: string;
  /** the Rollouts of the rendered environment; undefined (render failed): the Rollouts Argo CD manages */
  readonly rollouts: readonly ResourceRef[] | undefined;
  readonly dryRun?: boolean;
}): Promise<AbortOutcome> {
  const { argocd, app } = input;
  let rollouts = input.rollouts ?? [];
  if (input.dryRun) {
    return {
      status: "skipped",
      rollouts: rollouts.map((r) => ({ name: r.name, result: "not-done" })),
      requests: 0,
    };
  }
  if (!argocd) {
    return {
      status: "not-configured",
      rollouts: rollouts.map((r) => ({ name: r.name, result: "not-done" })),
      error: "ARGOCD_SERVER is not set",
      requests: 0,
    };
  }
  let requests = 0;
  let health: Map<string, string | undefined>;
  try {
    requests += 1;
    const status = await argocd.getApplication(app);
    const live = status.resources.filter((r) => r.kind === "Rollout");
    health = new Map(live.map((r) => [`${r.namespace}/${r.name}`, r.health]));
    if (!input.rollouts) rollouts = live;
  } catch (e) {
    return {
      status: "failed",
      rollouts: rollouts.map((r) => ({ name: r.name, result: "not-done" })),
      error: message(e),
      requests,
    };
  }
  const results: AbortOutcome["rollouts"][number][] = [];
  let failed: string | undefined;
  for (const ref of rollouts) {
    const key = `${ref.namespace}/${ref.name}`;
    if (!health.has(key)) {
      results.push({ name: ref.name, result: "not-live" });
      continue;
    }
    const h = health.get(key) ?? "";
    try {
      if (h === "Healthy") {
        results.push({ name: ref.name, health: h, result: "not-progressing" });
        continue;
      }
      if (h === "Degraded") {
        // aborted already, or degraded while progressing (then abort it)
        requests += 1;
        const live = await argocd.getResource(app, ref);
        if ((live.status as { abort?: boolean } | undefined)?.abort === true) {
          results.push({ name: ref.name, health: h, result: "already-aborted" });
          continue;
        }
      } else if (!MOVING.has(h)) {
        results.push({ name: ref.name, health: h, result: "not-progressing" });
        continue;
      }
      requests += 1;
      await argocd.runResourceAction(app, ref, "abort");
      results.push({ name: ref.name, health: h, result: "aborted" });
    } catch (e) {
      failed ??= message(e);
      results.push({ name: ref.name, health: h, result: "failed", error: message(e) });
    }
  }
  return {
    status: failed ? "failed" : "done",
    rollouts: results,
    ...(failed ? { error: failed } : {}),
    requests,
  };
}
