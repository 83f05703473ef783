// What a live Argo Rollouts Rollout says about its progress, read from the manifest Argo CD returns:
// status.phase, status.abort, status.pauseConditions / spec.paused, status.currentStepIndex against
// the canary steps, and the canary (status.currentPodHash) and stable (status.stableRS) pod-template hashes.

export interface RolloutProgress {
  readonly name: string;
  /** status.phase: Healthy | Progressing | Paused | Degraded (empty before the controller wrote it) */
  readonly phase: string;
  readonly aborted: boolean;
  readonly paused: boolean;
  /** steps done / steps in total, e.g. 2/4; undefined without canary steps */
  readonly step?: { readonly index: number; readonly total: number };
  readonly canaryHash?: string;
  readonly stableHash?: string;
  /** the controller has seen the latest spec (status.observedGeneration == metadata.generation) */
  readonly observed: boolean;
  /** Healthy, not paused or aborted, every step done and the canary is the stable */
  readonly complete: boolean;
  /** one line: "Healthy, step 4/4", "Paused at step 2/4 (CanaryPauseStep)", "aborted: …" */
  readonly summary: string;
  readonly message?: string;
}

interface LiveRollout {
  metadata?: { name?: string; generation?: number | string };
  spec?: { paused?: boolean; strategy?: { canary?: { steps?: unknown[] } } };
  status?: {
    phase?: string;
    message?: string;
    abort?: boolean;
    pauseConditions?: { reason?: string; startTime?: string }[] | null;
    controllerPause?: boolean;
    currentStepIndex?: number;
    currentPodHash?: string;
    stableRS?: string;
    observedGeneration?: string | number;
  };
}

export function rolloutProgress(manifest: Record<string, unknown>, fallbackName = "?"): RolloutProgress {
  const r = manifest as LiveRollout;
  const st = r.status ?? {};
  const name = r.metadata?.name ?? fallbackName;
  const phase = st.phase ?? "";
  const aborted = st.abort === true;
  const pauseReasons = (st.pauseConditions ?? []).map((p) => p.reason ?? "paused");
  const paused = r.spec?.paused === true || pauseReasons.length > 0 || phase === "Paused";
  const steps = r.spec?.strategy?.canary?.steps;
  const total = Array.isArray(steps) ? steps.length : 0;
  const index = typeof st.currentStepIndex === "number" ? st.currentStepIndex : total;
  const step = total > 0 ? { index, total } : undefined;
  const canaryHash = st.currentPodHash;
  const stableHash = st.stableRS;
  const generation = r.metadata?.generation;
  const observed =
    generation === undefined ||
    st.observedGeneration === undefined ||
    String(st.observedGeneration) === String(generation);
  const stepsDone = !step || step.index >= step.total;
  const promoted = !canaryHash || !stableHash || canaryHash === stableHash;
  const complete = phase === "Healthy" && !aborted && !paused && stepsDone && promoted && observed;
  const at = step ? ` at step ${step.index}/${step.total}` : "";
  let summary: string;
  if (aborted) summary = `aborted${at}${st.message ? `: ${st.message}` : ""}`;
  else if (paused) summary = `paused${at}${pauseReasons.length ? ` (${pauseReasons.join(", ")})` : ""}`;
  else if (complete) summary = `${phase}${step ? `, step ${step.index}/${step.total}` : ""}`;
  else if (!observed) summary = `the controller has not yet seen generation ${generation}`;
  else if (!stepsDone) summary = `${phase || "Progressing"}${at}`;
  else if (!promoted)
    summary = `${phase || "Progressing"}: canary ${canaryHash} is not yet the stable ${stableHash}`;
  else summary = `${phase || "Unknown"}${st.message ? `: ${st.message}` : ""}`;
  return {
    name,
    phase,
    aborted,
    paused,
    ...(step ? { step } : {}),
    ...(canaryHash ? { canaryHash } : {}),
    ...(stableHash ? { stableHash } : {}),
    observed,
    complete,
    summary,
    ...(st.message ? { message: st.message } : {}),
  };
}
