// `wait <env> --for rollout|gates|backup`: look, and look again every interval, until the condition
// holds, something says it never will (an aborted Rollout), or the number of looks the timeout allows
// is used up. The timeout is counted in looks (timeout ÷ interval), not read from a clock, so the
// outcome does not depend on the date and tests run with short intervals. Pure apart from `check`.
import type { ArgoCd } from "../adapters/argocd-types.js";
import { rolloutProgress } from "../gates/rollout-state.js";

export interface Look {
  /** the condition holds */
  readonly done: boolean;
  /** it never will without a change (e.g. a Rollout aborted) */
  readonly failed?: boolean;
  /** one line for people */
  readonly summary: string;
}

export interface WaitOutcome {
  readonly outcome: "done" | "failed" | "timeout";
  readonly looks: number;
  readonly last: Look;
}

export async function waitUntil(
  check: () => Promise<Look>,
  options: {
    readonly timeoutMs: number;
    readonly intervalMs: number;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly onLook?: (look: Look, n: number) => void;
  },
): Promise<WaitOutcome> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const allowed = Math.max(1, Math.floor(options.timeoutMs / options.intervalMs) + 1);
  let last: Look = { done: false, summary: "not looked yet" };
  for (let n = 1; n <= allowed; n++) {
    last = await check();
    options.onLook?.(last, n);
    if (last.done) return { outcome: "done", looks: n, last };
    if (last.failed) return { outcome: "failed", looks: n, last };
    if (n < allowed) await sleep(options.intervalMs);
  }
  return { outcome: "timeout", looks: allowed, last };
}

/** The application Synced and Healthy and every Rollout complete; an aborted Rollout fails the wait. */
export function rolloutLook(argocd: ArgoCd, app: string): () => Promise<Look> {
  return async () => {
    const a = await argocd.getApplication(app);
    const rollouts = [];
    for (const r of a.resources.filter((x) => x.kind === "Rollout"))
      rollouts.push(rolloutProgress(await argocd.getResource(a.name, r), r.name));
    const parts = [`${a.syncStatus}, ${a.health}`, ...rollouts.map((r) => `${r.name}: ${r.summary}`)];
    const aborted = rollouts.filter((r) => r.aborted);
    return {
      done: a.syncStatus === "Synced" && a.health === "Healthy" && rollouts.every((r) => r.complete),
      ...(aborted.length > 0 ? { failed: true } : {}),
      summary: parts.join("; "),
    };
  };
}
