// Evaluates the gates configured for promoting into an environment. Every gate is evaluated (people
// see every reason at once); a gate that throws — Argo CD unreachable, nothing configured — is closed
// with the error as its reason.
import type { GateName } from "../config/schema.js";
import { isNgxError } from "../errors.js";
import { analysis } from "./analysis.js";
import { backupFresh } from "./backup-fresh.js";
import { freeze } from "./freeze.js";
import { googleSignals } from "./google-signals.js";
import { loadTest } from "./load-test.js";
import { notRejected } from "./not-rejected.js";
import { rolloutComplete } from "./rollout-complete.js";
import { soak } from "./soak.js";
import { syncedHealthy } from "./synced-healthy.js";
import { type Gate, GateContext, type GateInputs, type GateResult, NotConfigured } from "./types.js";

export { GateContext, type GateInputs, type GateResult } from "./types.js";

export const gates: Record<GateName, Gate> = {
  "synced-healthy": syncedHealthy,
  "rollout-complete": rolloutComplete,
  soak,
  analysis,
  "not-rejected": notRejected,
  "backup-fresh": backupFresh,
  freeze,
  "google-signals": googleSignals,
  "load-test": loadTest,
};

export interface GateReport {
  readonly environment: string;
  readonly from: string;
  readonly version: string;
  readonly images: readonly string[];
  readonly open: boolean;
  readonly gates: readonly GateResult[];
  /** true when some gate could not be evaluated because a remote service failed */
  readonly remoteFailure: boolean;
}

export async function evaluateGates(
  inputs: GateInputs,
  names: readonly GateName[] = inputs.target.gates,
): Promise<GateReport> {
  const ctx = new GateContext(inputs);
  const results: GateResult[] = [];
  let remoteFailure = false;
  for (const name of names) {
    try {
      results.push(await gates[name](ctx));
    } catch (e) {
      if (isNgxError(e) && e.exitCode === 3) remoteFailure = true;
      const message = e instanceof Error ? e.message : String(e);
      const reason = e instanceof NotConfigured ? message : `could not be evaluated: ${message}`;
      results.push({ name, open: false, reason });
    }
  }
  const { imageRef } = await import("../promotion/images.js");
  return {
    environment: inputs.target.name,
    from: inputs.source.name,
    version: await ctx.sourceVersion(),
    images: (await ctx.sourceImages()).map(imageRef),
    open: results.every((r) => r.open),
    gates: results,
    remoteFailure,
  };
}
