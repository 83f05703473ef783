// One load test: find what runs in the environment (Argo CD's synced revision and the version it
// carries), check the entry point answers, drive the profile's stages at constant arrival rates while
// watching the autoscaler, then judge the SLOs. The plan (profile.ts) is already checked; this is
// its application. Nothing is recorded here (record.ts).
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { ArgoCd } from "../adapters/argocd-types.js";
import type { Prometheus } from "../adapters/prometheus.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { RemoteError } from "../errors.js";
import type { GitReader } from "../ledger/git.js";
import { versionOf } from "../ledger/version.js";
import type { Clock } from "../time/clock.js";
import { runAgent, runStage, type Sample } from "./generator.js";
import { type LoadProfile, mixPicker } from "./profile.js";
import { type ServerSideFigures, serverSideFigures } from "./server-side.js";
import { type Figures, figuresOf, ms, pct, type SloBreach, sloBreaches } from "./stats.js";
import { ReplicaWatcher, scalingOf, type WorkloadScaling } from "./watch.js";

export interface StageResult {
  readonly phase: "ramp" | "hold" | "capacity";
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  readonly errorRate: number;
  readonly p95Ms: number;
  readonly breaches: readonly string[];
}

export interface LoadTestResult {
  readonly environment: string;
  readonly url: string;
  readonly mode: "profile" | "capacity";
  readonly version: string;
  /** the Git revision the environment ran (Argo CD's synced revision, else HEAD) */
  readonly revision: string;
  readonly revisionFrom: "argocd" | "git";
  readonly application?: string;
  /** ISO-8601, from the injected clock */
  readonly startedAt: string;
  readonly finishedAt: string;
  /** measured on the monotonic clock */
  readonly elapsedMs: number;
  readonly targetRate: number;
  /** arrivals per second actually sent at the target rate (hold) or the highest capacity step held */
  readonly heldRate: number;
  /** Ctrl-C: the run was stopped before its end */
  readonly stopped: boolean;
  readonly figures: Figures;
  readonly routes: readonly { label: string; requests: number; errors: number; p95Ms: number }[];
  readonly stages: readonly StageResult[];
  readonly slo: { readonly p95Ms: number; readonly errorRate: number };
  readonly breaches: readonly SloBreach[];
  /** other reasons the run does not count as passed (stopped, revision changed, rate not held) */
  readonly problems: readonly string[];
  readonly passed: boolean;
  /** --find-capacity: the highest rate that kept the SLOs, and where they broke */
  readonly capacity?: {
    readonly highestRateHeld?: number;
    readonly brokeAt?: number;
    readonly reason?: string;
  };
  readonly scaling: readonly WorkloadScaling[];
  /** replicas per workload over time (at most ~24 points) */
  readonly replicaTimeline: readonly {
    readonly atS: number;
    readonly replicas: Readonly<Record<string, number>>;
  }[];
  readonly watch: {
    readonly argocd: boolean;
    readonly reads: number;
    readonly failedReads: number;
    readonly lastError?: string;
  };
  readonly serverSide?: ServerSideFigures;
}

export interface RunDeps {
  readonly env: EnvironmentConfig;
  readonly root: string;
  readonly git: GitReader;
  /** HEAD of the clone: the version when Argo CD is not configured */
  readonly head: string;
  readonly argocd?: ArgoCd;
  readonly prometheus?: Prometheus;
  readonly clock: Clock;
  /** monotonic milliseconds (performance.now) */
  readonly monotonic: () => number;
  readonly signal?: AbortSignal;
  readonly watchIntervalMs: number;
  /** a line of progress (stderr) */
  readonly progress?: (line: string) => void;
}

/** What runs in the environment now: Argo CD's synced revision and the version its overlay carries. */
export async function currentRevision(
  deps: Pick<RunDeps, "env" | "git" | "head" | "argocd">,
): Promise<{ revision: string; revisionFrom: "argocd" | "git"; version: string; application?: string }> {
  const { env, git, argocd } = deps;
  let revision = deps.head;
  let revisionFrom: "argocd" | "git" = "git";
  if (argocd) {
    const app = await argocd.getApplication(env.argocdApplication);
    if (app.syncRevision) {
      revision = app.syncRevision;
      revisionFrom = "argocd";
    }
  }
  const images = (await git.imagesAt(revision, env.name)) ?? (await git.imagesAt(deps.head, env.name)) ?? [];
  return {
    revision,
    revisionFrom,
    version: versionOf(images),
    ...(argocd ? { application: env.argocdApplication } : {}),
  };
}

/** One request to the first route: an entry point that does not answer at all is exit 3, before load. */
export async function probe(profile: LoadProfile, timeoutMs = 10_000): Promise<void> {
  const url = new URL(profile.url);
  const route = profile.routes[0];
  const path = `${url.pathname.replace(/\/+$/, "")}${route?.path ?? "/"}`;
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  await new Promise<void>((resolve, reject) => {
    const req = request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || undefined,
        path,
        method: route?.method === "POST" ? "GET" : (route?.method ?? "GET"),
        headers: { "user-agent": "ngx-release-loadtest" },
      },
      (res) => {
        res.resume();
        res.once("end", () => resolve());
        res.once("error", () => resolve());
      },
    );
    req.setTimeout(timeoutMs, () =>
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })),
    );
    req.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        new RemoteError("load-test target", `${profile.url} is unreachable: ${e.code ?? e.message}`, {
          cause: e,
          hint: `check environments/promotion.yaml loadTest.url of ${profile.environment}, DNS and the Ingress (nothing was sent)`,
        }),
      ),
    );
    req.end();
  });
}

export async function runLoadTest(profile: LoadProfile, deps: RunDeps): Promise<LoadTestResult> {
  const where = await currentRevision(deps);
  await probe(profile, Math.min(profile.timeoutMs, 10_000));

  const url = new URL(profile.url);
  const agent = runAgent(url, profile.maxConnections);
  const t0 = deps.monotonic();
  const startedAt = deps.clock();
  const samples: Sample[] = [];
  const pick = mixPicker(profile.routes);
  let seqBase = 0;
  const watcher = deps.argocd
    ? new ReplicaWatcher(
        deps.argocd,
        deps.env.argocdApplication,
        deps.watchIntervalMs,
        () => deps.monotonic() - t0,
      )
    : undefined;
  watcher?.start();

  const stageResults: StageResult[] = [];
  const sentPer: number[] = [];
  let stopped = deps.signal?.aborted ?? false;
  let capacity: LoadTestResult["capacity"];
  let highest: number | undefined;
  const ticker = setInterval(() => deps.progress?.(progressLine(profile, samples, t0, deps, watcher)), 1000);
  ticker.unref();
  try {
    for (const [i, stage] of profile.stages.entries()) {
      if (deps.signal?.aborted) {
        stopped = true;
        break;
      }
      deps.progress?.(`${profile.environment}: ${stage.phase} ${stage.rate} req/s for ${stage.seconds}s`);
      const base = seqBase;
      const { sent } = await runStage({
        url,
        stage: i,
        rate: stage.rate,
        seconds: stage.seconds,
        pick: (n) => pick(base + n),
        timeoutMs: profile.timeoutMs,
        agent,
        monotonic: deps.monotonic,
        onSample: (s) => samples.push(s),
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
      seqBase += sent;
      sentPer[i] = sent;
      if (deps.signal?.aborted) stopped = true;
      const f = figuresOf(samples.filter((s) => s.stage === i));
      const breaches = sloBreaches(f, profile.slo).map((b) => b.message);
      stageResults.push({
        phase: stage.phase,
        rate: stage.rate,
        seconds: stage.seconds,
        sent,
        errorRate: f.errorRate,
        p95Ms: f.latency.p95Ms,
        breaches,
      });
      if (stopped) break;
      if (stage.phase === "capacity") {
        if (breaches.length > 0) {
          capacity = {
            ...(highest !== undefined ? { highestRateHeld: highest } : {}),
            brokeAt: stage.rate,
            reason: breaches.join("; "),
          };
          break;
        }
        highest = stage.rate;
      }
    }
  } finally {
    clearInterval(ticker);
    agent.destroy();
    await watcher?.stop();
  }
  const elapsedMs = deps.monotonic() - t0;
  const finishedAt = deps.clock();
  if (profile.mode === "capacity" && !capacity) {
    capacity = highest !== undefined ? { highestRateHeld: highest } : {};
  }

  const figures = figuresOf(samples);
  if (figures.requests > 0 && figures.answered === 0) {
    throw new RemoteError(
      "load-test target",
      `${profile.url} did not answer any of ${figures.requests} requests (${Object.keys(figures.outcomes).join(", ")})`,
      { hint: "the entry point went away during the run; nothing was recorded" },
    );
  }
  const problems: string[] = [];
  if (stopped) problems.push("stopped before the end (Ctrl-C): the profile did not run in full");
  // SLO judged on the whole run in profile mode; in capacity mode on the configured rate's step
  let breaches: SloBreach[];
  if (profile.mode === "profile") {
    breaches = sloBreaches(figures, profile.slo);
  } else {
    const first = profile.stages.findIndex((s) => s.phase === "capacity");
    breaches = sloBreaches(figuresOf(samples.filter((s) => s.stage === first)), profile.slo);
  }
  const holdIndex = profile.stages.findIndex((s) => s.phase === "hold");
  const holdStage = profile.stages[holdIndex];
  let heldRate = 0;
  if (profile.mode === "profile" && holdStage) {
    // the timer fires at the start and at each interval up to the end inclusive: one arrival more
    // than rate × seconds is the fence post, not a higher rate
    const asked = Math.ceil(holdStage.rate * holdStage.seconds);
    heldRate = round2(Math.min(sentPer[holdIndex] ?? 0, asked) / holdStage.seconds);
    if (!stopped && heldRate < profile.targetRate * 0.95) {
      problems.push(
        `the generator sent ${heldRate} req/s of the ${profile.targetRate} req/s asked (see bench:loadtest)`,
      );
    }
  } else {
    heldRate = capacity?.highestRateHeld ?? 0;
  }
  let revisionChanged: string | undefined;
  if (deps.argocd && where.revisionFrom === "argocd") {
    try {
      const after = await deps.argocd.getApplication(deps.env.argocdApplication);
      if (after.syncRevision && after.syncRevision !== where.revision) revisionChanged = after.syncRevision;
    } catch {
      problems.push("Argo CD could not be read after the run: the revision is not confirmed");
    }
  }
  if (revisionChanged) {
    problems.push(
      `Argo CD synced ${revisionChanged.slice(0, 7)} during the run (started at ${where.revision.slice(0, 7)})`,
    );
  }
  let serverSide: ServerSideFigures | undefined;
  if (deps.prometheus) {
    serverSide = await serverSideFigures(deps.prometheus, deps.root, {
      namespace: deps.env.namespace,
      service: "api-gateway",
      windowS: elapsedMs / 1000,
      end: finishedAt,
    });
  }
  const byRoute = profile.routes.map((r, idx) => {
    const f = figuresOf(samples.filter((s) => s.route === idx));
    return { label: r.label, requests: f.requests, errors: f.errors, p95Ms: f.latency.p95Ms };
  });
  const timeline = watcher?.timeline ?? [];
  const passed = breaches.length === 0 && problems.length === 0 && figures.requests > 0;
  return {
    environment: profile.environment,
    url: profile.url,
    mode: profile.mode,
    ...where,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    elapsedMs: Math.round(elapsedMs),
    targetRate: profile.targetRate,
    heldRate,
    stopped,
    figures,
    routes: byRoute,
    stages: stageResults,
    slo: profile.slo,
    breaches,
    problems,
    passed,
    ...(capacity ? { capacity } : {}),
    scaling: scalingOf(timeline),
    replicaTimeline: downsample(timeline, 24).map((p) => ({
      atS: Math.round(p.atMs / 100) / 10,
      replicas: Object.fromEntries(
        Object.entries(p.workloads)
          .filter(([, w]) => w.replicas !== undefined)
          .map(([k, w]) => [k, w.replicas as number]),
      ),
    })),
    watch: {
      argocd: Boolean(watcher),
      reads: timeline.length,
      failedReads: watcher?.failedReads ?? 0,
      ...(watcher?.lastError ? { lastError: watcher.lastError } : {}),
    },
    ...(serverSide ? { serverSide } : {}),
  };
}

function progressLine(
  profile: LoadProfile,
  samples: readonly Sample[],
  t0: number,
  deps: RunDeps,
  watcher: ReplicaWatcher | undefined,
): string {
  const elapsed = Math.round((deps.monotonic() - t0) / 1000);
  const recent = samples.slice(-500);
  const f = figuresOf(recent);
  const last = watcher?.timeline.at(-1);
  const replicas = last
    ? Object.entries(last.workloads)
        .filter(([, w]) => w.replicas !== undefined)
        .map(([k, w]) => `${k} ${w.replicas}`)
        .slice(0, 3)
        .join(", ")
    : "";
  return `${profile.environment}: ${elapsed}s/${Math.round(profile.totalSeconds)}s · ${samples.length} answers · errors ${pct(f.errorRate)} · p95 ${ms(f.latency.p95Ms)} (last 500)${replicas ? ` · replicas ${replicas}` : ""}`;
}

function downsample<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))] as T);
  return out;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
