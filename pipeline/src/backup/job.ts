// What a backup Job's live manifest (batch/v1 Job, read through Argo CD) says about it: pending,
// running, succeeded or failed, with the reason Kubernetes gives. Pure functions over plain objects.

export type JobPhase = "pending" | "running" | "succeeded" | "failed" | "suspended";

export interface JobCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

export interface LiveJob {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly creationTimestamp?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly ownerReferences?: readonly { kind?: string; name?: string }[];
  };
  readonly spec?: {
    readonly activeDeadlineSeconds?: number;
    readonly backoffLimit?: number;
    readonly template?: {
      readonly metadata?: { readonly annotations?: Record<string, string> };
      readonly spec?: {
        readonly containers?: readonly {
          readonly name?: string;
          readonly env?: readonly { name?: string; value?: string }[];
        }[];
      };
    };
  };
  readonly status?: {
    readonly active?: number;
    readonly ready?: number;
    readonly succeeded?: number;
    readonly failed?: number;
    readonly startTime?: string;
    readonly completionTime?: string;
    readonly conditions?: readonly JobCondition[];
  };
}

export interface JobState {
  readonly name: string;
  readonly phase: JobPhase;
  /** one line for people: "running (1 pod ready)", "failed: BackoffLimitExceeded: Job has reached …" */
  readonly summary: string;
  /** Kubernetes' reason for a failure (BackoffLimitExceeded, DeadlineExceeded, …) */
  readonly reason?: string;
  readonly message?: string;
  readonly startTime?: string;
  /** when it completed (success) or failed */
  readonly finishedAt?: string;
  readonly active: number;
  readonly ready: number;
  readonly failedPods: number;
}

function trueCondition(job: LiveJob, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === "True");
}

export function jobState(job: LiveJob): JobState {
  const name = job.metadata?.name ?? "(unnamed Job)";
  const s = job.status ?? {};
  const active = s.active ?? 0;
  const ready = s.ready ?? 0;
  const failedPods = s.failed ?? 0;
  const base = {
    name,
    active,
    ready,
    failedPods,
    ...(s.startTime ? { startTime: s.startTime } : {}),
  };
  const failed = trueCondition(job, "Failed") ?? trueCondition(job, "FailureTarget");
  if (failed) {
    const reason = failed.reason ?? "Failed";
    return {
      ...base,
      phase: "failed",
      reason,
      ...(failed.message ? { message: failed.message } : {}),
      ...(failed.lastTransitionTime ? { finishedAt: failed.lastTransitionTime } : {}),
      summary: `failed: ${reason}${failed.message ? `: ${failed.message}` : ""}`,
    };
  }
  const complete = trueCondition(job, "Complete") ?? trueCondition(job, "SuccessCriteriaMet");
  if (complete || ((s.succeeded ?? 0) > 0 && active === 0 && s.completionTime)) {
    const finishedAt = s.completionTime ?? complete?.lastTransitionTime;
    return { ...base, phase: "succeeded", ...(finishedAt ? { finishedAt } : {}), summary: "succeeded" };
  }
  const suspended = trueCondition(job, "Suspended");
  if (suspended) {
    return { ...base, phase: "suspended", reason: suspended.reason ?? "Suspended", summary: "suspended" };
  }
  const retries = failedPods > 0 ? `, ${failedPods} failed attempt${failedPods === 1 ? "" : "s"}` : "";
  if (active > 0 && ready > 0) {
    return {
      ...base,
      phase: "running",
      summary: `running (${ready} pod${ready === 1 ? "" : "s"} ready${retries})`,
    };
  }
  if (active > 0) {
    return {
      ...base,
      phase: "pending",
      summary: `pending (${active} pod${active === 1 ? "" : "s"} not ready yet${retries})`,
    };
  }
  return { ...base, phase: "pending", summary: `pending (no pod yet${retries})` };
}

export interface LivePod {
  readonly metadata?: { readonly name?: string };
  readonly status?: {
    readonly phase?: string;
    readonly reason?: string;
    readonly message?: string;
    readonly conditions?: readonly JobCondition[];
    readonly containerStatuses?: readonly ContainerStatus[];
    readonly initContainerStatuses?: readonly ContainerStatus[];
  };
}

export interface ContainerStatus {
  readonly name?: string;
  readonly state?: {
    readonly waiting?: { reason?: string; message?: string };
    readonly running?: { startedAt?: string };
    readonly terminated?: { reason?: string; message?: string; exitCode?: number; startedAt?: string };
  };
}

/**
 * Why a pod is not running, in one line: "Pending: Unschedulable: 0/3 nodes are available: …",
 * "Pending: ImagePullBackOff: …". Undefined when the pod is running or nothing is known.
 */
export function podWaitingReason(pod: LivePod): string | undefined {
  const st = pod.status ?? {};
  const phase = st.phase ?? "Unknown";
  if (phase === "Running" || phase === "Succeeded") return undefined;
  const unscheduled = st.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  if (unscheduled) {
    return `${phase}: ${unscheduled.reason ?? "not scheduled"}${unscheduled.message ? `: ${unscheduled.message}` : ""}`;
  }
  for (const c of st.containerStatuses ?? []) {
    const w = c.state?.waiting;
    if (w?.reason) return `${phase}: ${w.reason}${w.message ? `: ${w.message}` : ""}`;
  }
  if (st.reason) return `${phase}: ${st.reason}${st.message ? `: ${st.message}` : ""}`;
  return phase;
}

/** The termination message a backup container wrote (the object it uploaded), when there is one. */
export function podTerminationMessage(pod: LivePod): string | undefined {
  for (const c of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    const t = c.state?.terminated;
    if (t && t.exitCode === 0 && t.message?.trim()) return t.message.trim();
  }
  return undefined;
}
