// Watches the autoscaler during a run through Argo CD (no cluster credentials): every interval it reads
// the application's live Rollouts and HorizontalPodAutoscalers and keeps their replica counts.
//   Rollout: status.replicas (pods of the Rollout) and status.availableReplicas — the columns Argo
//     Rollouts prints for `kubectl get rollout`; the HPA scales the Rollout through its scale
//     subresource (spec.replicas / status.HPAReplicas), argo-rollouts pkg/apis/rollouts/v1alpha1/types.go.
//   HPA (autoscaling/v2): status.currentReplicas, status.desiredReplicas, spec.minReplicas and
//     spec.maxReplicas, kubernetes staging/src/k8s.io/api/autoscaling/v2/types.go.
// A failed read is counted and the watch goes on; the report says how many reads failed.
import type { ArgoCd } from "../adapters/argocd-types.js";

export interface WorkloadReplicas {
  /** the Rollout's status.replicas */
  readonly replicas?: number;
  readonly available?: number;
  /** the HPA's status.desiredReplicas */
  readonly desired?: number;
  /** the HPA's spec.maxReplicas */
  readonly maxReplicas?: number;
  readonly minReplicas?: number;
}

export interface ReplicaPoint {
  /** milliseconds since the run started */
  readonly atMs: number;
  readonly workloads: Readonly<Record<string, WorkloadReplicas>>;
}

export interface WorkloadScaling {
  readonly name: string;
  readonly startReplicas: number;
  readonly maxReplicas: number;
  readonly endReplicas: number;
  /** from the run's start to the first reading above startReplicas */
  readonly timeToScaleOutMs?: number;
  /** the HPA's maxReplicas, when an HPA scales it */
  readonly hpaMaxReplicas?: number;
  /** the workload reached the HPA's maxReplicas (no headroom left) */
  readonly hitMax: boolean;
}

type Manifest = {
  kind?: string;
  metadata?: { name?: string };
  spec?: { maxReplicas?: number; minReplicas?: number; scaleTargetRef?: { kind?: string; name?: string } };
  status?: {
    replicas?: number;
    availableReplicas?: number;
    currentReplicas?: number;
    desiredReplicas?: number;
  };
};

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** One reading of the application's Rollouts and HPAs (by the Rollout's name; an HPA by its target). */
export async function readReplicas(argocd: ArgoCd, app: string): Promise<Record<string, WorkloadReplicas>> {
  const status = await argocd.getApplication(app);
  const refs = status.resources.filter((r) => r.kind === "Rollout" || r.kind === "HorizontalPodAutoscaler");
  const manifests = (await Promise.all(refs.map((r) => argocd.getResource(app, r)))) as Manifest[];
  const out: Record<string, WorkloadReplicas> = {};
  for (const m of manifests) {
    if (m.kind === "Rollout") {
      const name = m.metadata?.name ?? "?";
      const replicas = num(m.status?.replicas);
      const available = num(m.status?.availableReplicas);
      out[name] = {
        ...out[name],
        ...(replicas !== undefined ? { replicas } : {}),
        ...(available !== undefined ? { available } : {}),
      };
    }
  }
  for (const m of manifests) {
    if (m.kind === "HorizontalPodAutoscaler") {
      const name = m.spec?.scaleTargetRef?.name ?? m.metadata?.name ?? "?";
      const desired = num(m.status?.desiredReplicas);
      const current = num(m.status?.currentReplicas);
      const maxReplicas = num(m.spec?.maxReplicas);
      const minReplicas = num(m.spec?.minReplicas);
      const prev = out[name] ?? {};
      out[name] = {
        ...prev,
        // a Deployment-scaled workload (no Rollout) still shows the HPA's current count
        ...(prev.replicas === undefined && current !== undefined ? { replicas: current } : {}),
        ...(desired !== undefined ? { desired } : {}),
        ...(maxReplicas !== undefined ? { maxReplicas } : {}),
        ...(minReplicas !== undefined ? { minReplicas } : {}),
      };
    }
  }
  return out;
}

export class ReplicaWatcher {
  readonly timeline: ReplicaPoint[] = [];
  failedReads = 0;
  lastError?: string;
  private timer?: NodeJS.Timeout;
  private running = false;
  private pending?: Promise<void>;

  constructor(
    private readonly argocd: ArgoCd,
    private readonly app: string,
    private readonly intervalMs: number,
    /** milliseconds since the run started */
    private readonly elapsed: () => number,
  ) {}

  start(): void {
    this.running = true;
    this.tick();
  }

  private tick(): void {
    if (!this.running) return;
    this.pending = this.readOnce().finally(() => {
      if (this.running) this.timer = setTimeout(() => this.tick(), this.intervalMs);
    });
  }

  /** one reading now (also the last one, at the end of the run) */
  async readOnce(): Promise<void> {
    const atMs = this.elapsed();
    try {
      this.timeline.push({ atMs: Math.round(atMs), workloads: await readReplicas(this.argocd, this.app) });
    } catch (e) {
      this.failedReads += 1;
      this.lastError = e instanceof Error ? e.message : String(e);
    }
  }

  /** stops and takes a last reading */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.pending;
    await this.readOnce();
  }
}

/** How each workload scaled over the run. */
export function scalingOf(timeline: readonly ReplicaPoint[]): WorkloadScaling[] {
  const names = [...new Set(timeline.flatMap((p) => Object.keys(p.workloads)))].sort();
  const out: WorkloadScaling[] = [];
  for (const name of names) {
    const points = timeline
      .map((p) => ({ atMs: p.atMs, w: p.workloads[name] }))
      .filter((p): p is { atMs: number; w: WorkloadReplicas } => p.w?.replicas !== undefined);
    if (points.length === 0) continue;
    const start = points[0]?.w.replicas as number;
    const counts = points.map((p) => p.w.replicas as number);
    const firstUp = points.find((p) => (p.w.replicas as number) > start);
    const hpaMax = points.map((p) => p.w.maxReplicas).find((v) => v !== undefined);
    const max = Math.max(...counts);
    out.push({
      name,
      startReplicas: start,
      maxReplicas: max,
      endReplicas: counts[counts.length - 1] as number,
      ...(firstUp ? { timeToScaleOutMs: firstUp.atMs } : {}),
      ...(hpaMax !== undefined ? { hpaMaxReplicas: hpaMax } : {}),
      hitMax:
        hpaMax !== undefined &&
        points.some((p) => (p.w.replicas as number) >= hpaMax || (p.w.desired ?? 0) >= hpaMax),
    });
  }
  return out;
}
