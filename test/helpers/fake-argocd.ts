// A stateful fake of the Argo CD REST API on FakeServer: Applications (sync status, revision, health,
// operation state), live resources (Rollouts, CronJobs, Jobs, …), the resource tree, resource actions
// through v2 (Argo CD ≥ 3.1) or only v1 (older servers: the v2 route answers the gateway's 404), sync,
// and the real error bodies ({"error", "code", "message"} with gRPC codes) for 401/403/404.
import type { ResourceRef } from "../../pipeline/src/adapters/argocd-types.js";
import { type FakeRequest, type FakeResponse, FakeServer } from "./fake-server.js";

export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
};

export interface FakeApp {
  name: string;
  syncStatus: string;
  revision?: string;
  health: string;
  healthMessage?: string;
  operationPhase?: string;
  operationMessage?: string;
  operationFinishedAt?: string;
  /** managed resources (status.resources) */
  resources: Manifest[];
  /** children in the resource tree that are not managed (Jobs created from CronJobs) */
  children: { manifest: Manifest; parent: ResourceRef; health?: string }[];
}

export interface RecordedAction {
  readonly app: string;
  readonly api: "v1" | "v2";
  readonly action: string;
  readonly ref: ResourceRef;
}

export interface FakeArgoCdOptions {
  /** bearer token the fake accepts (default "argocd-test-token"); requests without it get 401 */
  readonly token?: string;
  /** "v1-only" makes the fake behave like a server older than 3.1 (no v2 actions route) */
  readonly actionsApi?: "v2" | "v1-only";
}

const err = (status: number, code: number, message: string): FakeResponse => ({
  status,
  body: { error: message, code, message },
});

/** util/rbac rbac.Actions and rbac.Resources (Argo CD 3.x): the only words can-i accepts */
const RBAC_ACTIONS = ["get", "create", "update", "delete", "sync", "override", "action", "invoke"];
const RBAC_RESOURCES = [
  "clusters",
  "projects",
  "applications",
  "applicationsets",
  "repositories",
  "write-repositories",
  "certificates",
  "accounts",
  "gpgkeys",
  "logs",
  "exec",
  "extensions",
];

export function refOf(m: Manifest): ResourceRef {
  const [group, version] = m.apiVersion.includes("/") ? m.apiVersion.split("/") : ["", m.apiVersion];
  return {
    group: group ?? "",
    version: version ?? "",
    kind: m.kind,
    namespace: m.metadata.namespace ?? "",
    name: m.metadata.name,
  };
}

const sameRef = (a: ResourceRef, b: ResourceRef) =>
  a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;

export class FakeArgoCd {
  readonly apps = new Map<string, FakeApp>();
  readonly actions: RecordedAction[] = [];
  readonly syncs: { app: string; revision?: string }[] = [];
  /** apps the token may not see (403 "permission denied") */
  readonly forbidden = new Set<string>();
  /**
   * can-i questions answered "no", as "<resource> <action> <object>" (e.g. "applications get
   * ngx-agents/ngx-agents-dev"); every other well-formed question about a known, visible app is "yes"
   */
  readonly denied = new Set<string>();
  /** when > 0, this many next requests answer 503 (to exercise retries) */
  failNext = 0;
  /** when set, every request answers this (e.g. 503 for "Argo CD down") */
  outage?: FakeResponse;
  /** called after create-job so a test can script the Job's status transitions */
  onCreateJob?: (job: Manifest, app: FakeApp) => void;
  private jobCounter = 0;

  private constructor(
    readonly server: FakeServer,
    readonly token: string,
    readonly actionsApi: "v2" | "v1-only",
  ) {}

  static async start(options: FakeArgoCdOptions = {}): Promise<FakeArgoCd> {
    const server = await FakeServer.start();
    const fake = new FakeArgoCd(server, options.token ?? "argocd-test-token", options.actionsApi ?? "v2");
    fake.routes();
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  /** environment variables for the CLI under test (short retry delays) */
  env(): Record<string, string> {
    return {
      ARGOCD_SERVER: this.url,
      ARGOCD_AUTH_TOKEN: this.token,
      NGX_ARGOCD_RETRY_DELAY_MS: "10",
      NGX_ARGOCD_TIMEOUT_MS: "5000",
    };
  }

  withApp(name: string, state: Partial<Omit<FakeApp, "name">> = {}): this {
    this.apps.set(name, {
      name,
      syncStatus: "Synced",
      health: "Healthy",
      operationPhase: "Succeeded",
      resources: [],
      children: [],
      ...state,
    });
    return this;
  }

  app(name: string): FakeApp {
    const a = this.apps.get(name);
    if (!a) throw new Error(`fake Argo CD: no app ${name}`);
    return a;
  }

  /** adds or replaces a live resource of an app */
  withResource(app: string, manifest: Manifest): this {
    const a = this.app(app);
    const ref = refOf(manifest);
    const i = a.resources.findIndex((m) => sameRef(refOf(m), ref));
    if (i >= 0) a.resources[i] = manifest;
    else a.resources.push(manifest);
    return this;
  }

  resource(app: string, kind: string, name: string): Manifest | undefined {
    const a = this.app(app);
    return [...a.resources, ...a.children.map((c) => c.manifest)].find(
      (m) => m.kind === kind && m.metadata.name === name,
    );
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private routes(): void {
    const s = this.server;
    // AccountService.CanI (server/account/account.go): an action or resource outside util/rbac's
    // rbac.Actions / rbac.Resources is InvalidArgument (gRPC 3 → HTTP 400) before any enforcement;
    // otherwise {"value":"yes"|"no"}. The gateway matches single segments, so slashes arrive as %2F.
    s.allow("GET", /^\/api\/v1\/account\/can-i\/([^/]+)\/([^/]+)\/([^/]+)$/, (req): FakeResponse => {
      if (this.outage) return this.outage;
      if (req.headers.authorization !== `Bearer ${this.token}`) return err(401, 16, "no session information");
      const [resource, action, object] = req.params.map((p) => decodeURIComponent(p ?? ""));
      if (!RBAC_ACTIONS.includes(action ?? "")) {
        return err(400, 3, `[${RBAC_ACTIONS.join(" ")}] does not contain ${action}`);
      }
      if (!RBAC_RESOURCES.includes(resource ?? "")) {
        return err(400, 3, `[${RBAC_RESOURCES.join(" ")}] does not contain ${resource}`);
      }
      const app = (object ?? "").split("/").pop() ?? "";
      const no =
        this.denied.has(`${resource} ${action} ${object}`) ||
        (resource === "applications" && (!this.apps.has(app) || this.forbidden.has(app)));
      return { body: { value: no ? "no" : "yes" } };
    });
    const guard =
      (handler: (req: FakeRequest, app: FakeApp) => FakeResponse) =>
      (req: FakeRequest): FakeResponse => {
        if (this.outage) return this.outage;
        if (this.failNext > 0) {
          this.failNext -= 1;
          return { status: 503, body: "upstream connect error or disconnect/reset before headers" };
        }
        if (req.headers.authorization !== `Bearer ${this.token}`) {
          return err(401, 16, "no session information");
        }
        const name = decodeURIComponent(req.params[0] ?? "");
        const app = this.apps.get(name);
        // Argo CD answers "permission denied" both for forbidden and for unknown applications
        if (!app || this.forbidden.has(name)) return err(403, 7, "permission denied");
        return handler(req, app);
      };
    s.allow(
      "GET",
      /^\/api\/v1\/applications\/([^/]+)$/,
      guard((_req, app) => ({ body: this.applicationJson(app) })),
    );
    s.allow(
      "GET",
      /^\/api\/v1\/applications\/([^/]+)\/resource$/,
      guard((req, app) => {
        const q = req.query;
        const found = this.find(app, {
          group: q.get("group") ?? "",
          version: q.get("version") ?? "",
          kind: q.get("kind") ?? "",
          namespace: q.get("namespace") ?? "",
          name: q.get("resourceName") ?? "",
        });
        if (!found) {
          return err(
            404,
            5,
            `${q.get("kind")} ${q.get("namespace")}/${q.get("resourceName")} not found as part of application ${app.name}`,
          );
        }
        return { body: { manifest: JSON.stringify(found) } };
      }),
    );
    s.allow(
      "GET",
      /^\/api\/v1\/applications\/([^/]+)\/resource-tree$/,
      guard((_req, app) => ({
        body: {
          nodes: [
            ...app.resources.map((m) => ({ ...refOf(m), uid: `uid-${m.metadata.name}`, parentRefs: [] })),
            ...app.children.map((c) => ({
              ...refOf(c.manifest),
              uid: `uid-${c.manifest.metadata.name}`,
              createdAt: (c.manifest.metadata.creationTimestamp as string | undefined) ?? undefined,
              ...(c.health ? { health: { status: c.health } } : {}),
              parentRefs: [c.parent],
            })),
          ],
        },
      })),
    );
    s.allow("POST", /^\/api\/v1\/applications\/([^/]+)\/resource\/actions\/v2$/, (req): FakeResponse => {
      // an older server has no such route: its gateway answers a plain 404
      if (this.actionsApi === "v1-only") return err(404, 5, "Not Found");
      return guard((r, app) => {
        const b = (r.body ?? {}) as Record<string, string>;
        if (typeof r.body !== "object" || !b.action) return err(400, 3, "action is required");
        return this.runAction(app, "v2", b.action, {
          group: b.group ?? "",
          version: b.version ?? "",
          kind: b.kind ?? "",
          namespace: b.namespace ?? "",
          name: b.resourceName ?? "",
        });
      })(req);
    });
    s.allow(
      "POST",
      /^\/api\/v1\/applications\/([^/]+)\/resource\/actions$/,
      guard((req, app) => {
        if (typeof req.body !== "string") {
          return err(
            400,
            3,
            "invalid character '{' looking for beginning of value: body must be a JSON string",
          );
        }
        const q = req.query;
        return this.runAction(app, "v1", req.body, {
          group: q.get("group") ?? "",
          version: q.get("version") ?? "",
          kind: q.get("kind") ?? "",
          namespace: q.get("namespace") ?? "",
          name: q.get("resourceName") ?? "",
        });
      }),
    );
    s.allow(
      "POST",
      /^\/api\/v1\/applications\/([^/]+)\/sync$/,
      guard((req, app) => {
        const body = (req.body ?? {}) as { revision?: string };
        this.syncs.push({ app: app.name, ...(body.revision ? { revision: body.revision } : {}) });
        if (body.revision) app.revision = body.revision;
        app.syncStatus = "Synced";
        app.operationPhase = "Succeeded";
        app.operationFinishedAt = new Date().toISOString();
        return { body: this.applicationJson(app) };
      }),
    );
  }

  private find(app: FakeApp, ref: ResourceRef): Manifest | undefined {
    return [...app.resources, ...app.children.map((c) => c.manifest)].find((m) => sameRef(refOf(m), ref));
  }

  private runAction(app: FakeApp, api: "v1" | "v2", action: string, ref: ResourceRef): FakeResponse {
    const target = this.find(app, ref);
    if (!target) {
      return err(
        404,
        5,
        `${ref.kind} ${ref.namespace}/${ref.name} not found as part of application ${app.name}`,
      );
    }
    const status = ((target.status as Record<string, unknown> | undefined) ?? {}) as Record<string, unknown>;
    const spec = ((target.spec as Record<string, unknown> | undefined) ?? {}) as Record<string, unknown>;
    if (target.kind === "Rollout" && action === "abort") {
      target.status = {
        ...status,
        abort: true,
        phase: "Degraded",
        message: "RolloutAborted: Rollout aborted",
      };
    } else if (target.kind === "Rollout" && action === "resume") {
      target.status = { ...status, pauseConditions: [], controllerPause: false };
      target.spec = { ...spec, paused: false };
    } else if (target.kind === "Rollout" && action === "retry") {
      target.status = { ...status, abort: false, phase: "Progressing" };
    } else if (target.kind === "CronJob" && action === "create-job") {
      this.jobCounter += 1;
      const job: Manifest = {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: {
          name: `${target.metadata.name}-${String(this.jobCounter).padStart(5, "0")}`,
          namespace: target.metadata.namespace ?? "",
          creationTimestamp: new Date().toISOString(),
          annotations: { "cronjob.kubernetes.io/instantiate": "manual" },
        },
        spec: (spec.jobTemplate as Record<string, unknown> | undefined)?.spec ?? {},
        status: {},
      };
      app.children.push({ manifest: job, parent: refOf(target), health: "Progressing" });
      this.onCreateJob?.(job, app);
    } else {
      // what Argo CD says when no Lua action of that name exists for the kind
      return err(400, 3, `error getting Lua resource action: built-in script does not exist`);
    }
    this.actions.push({ app: app.name, api, action, ref });
    return { body: {} };
  }

  private applicationJson(app: FakeApp): Record<string, unknown> {
    return {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: { name: app.name, namespace: "argocd" },
      spec: { project: "ngx-agents" },
      status: {
        sync: { status: app.syncStatus, ...(app.revision ? { revision: app.revision } : {}) },
        health: { status: app.health, ...(app.healthMessage ? { message: app.healthMessage } : {}) },
        ...(app.operationPhase
          ? {
              operationState: {
                phase: app.operationPhase,
                ...(app.operationMessage ? { message: app.operationMessage } : {}),
                ...(app.operationFinishedAt ? { finishedAt: app.operationFinishedAt } : {}),
                ...(app.revision ? { syncResult: { revision: app.revision } } : {}),
              },
            }
          : {}),
        resources: app.resources.map((m) => ({
          ...refOf(m),
          status: "Synced",
          health: { status: resourceHealth(m) },
        })),
      },
    };
  }
}

/** a rough Argo CD health for a managed resource */
function resourceHealth(m: Manifest): string {
  if (m.kind !== "Rollout") return "Healthy";
  const st = (m.status ?? {}) as { abort?: boolean; phase?: string; pauseConditions?: unknown[] };
  if (st.abort) return "Degraded";
  if (st.pauseConditions && st.pauseConditions.length > 0) return "Suspended";
  return st.phase ?? "Healthy";
}

export interface RolloutState {
  readonly name: string;
  readonly namespace?: string;
  readonly phase?: string;
  readonly steps?: number;
  readonly currentStepIndex?: number;
  readonly paused?: boolean;
  readonly abort?: boolean;
  readonly stableHash?: string;
  readonly canaryHash?: string;
}

/** a live Rollout manifest the way Argo Rollouts writes its status */
export function rollout(s: RolloutState): Manifest {
  const steps = Array.from({ length: s.steps ?? 4 }, (_, i) =>
    i % 2 === 0 ? { setWeight: 20 + i * 15 } : { pause: { duration: "30m" } },
  );
  const stable = s.stableHash ?? "6d8f7b9c4";
  const canary = s.canaryHash ?? stable;
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: s.name, namespace: s.namespace ?? "ngx-agents", generation: 3 },
    spec: { strategy: { canary: { canaryService: `${s.name}-canary`, steps } } },
    status: {
      phase: s.phase ?? (s.abort ? "Degraded" : s.paused ? "Paused" : "Healthy"),
      currentStepIndex: s.currentStepIndex ?? steps.length,
      currentPodHash: canary,
      stableRS: stable,
      observedGeneration: "3",
      ...(s.abort ? { abort: true, message: "RolloutAborted: Rollout aborted update to revision 4" } : {}),
      ...(s.paused
        ? {
            pauseConditions: [{ reason: "CanaryPauseStep", startTime: "2026-11-26T08:00:00Z" }],
            controllerPause: true,
          }
        : {}),
    },
  };
}
