// Argo CD over its REST API (the grpc-gateway in front of argocd-server) with Node's fetch.
// ARGOCD_SERVER is a host ("argocd.example.com" → https://) or a full http(s):// URL; ARGOCD_AUTH_TOKEN
// is sent as a bearer token and never appears in messages. Every request has a timeout; 5xx answers
// (except 501) and connection errors are retried with exponential backoff; 401/403/404 become a
// RemoteError saying what to check.
import { ConfigError, RemoteError } from "../errors.js";
import {
  type ApplicationStatus,
  type ArgoCd,
  argoCdApplicationUrl,
  type CanIAnswer,
  type ResourceNode,
  type ResourceRef,
} from "./argocd-types.js";
import { type Attempt, withRetries } from "./retry.js";

export interface ArgoCdSettings {
  /** ARGOCD_SERVER: host[:port] or http(s)://host[:port][/path] */
  readonly server: string;
  /** ARGOCD_AUTH_TOKEN */
  readonly token?: string;
  /** UI base for links (promotion.yaml argocdUrl); defaults to the API base */
  readonly uiUrl?: string;
  /** the namespace Applications live in (UI links, apps-in-any-namespace); default "argocd" */
  readonly appNamespace?: string;
  /** per-request timeout (default 15 s) */
  readonly timeoutMs?: number;
  /** retries after the first attempt for 5xx and connection errors (default 3) */
  readonly retries?: number;
  /** first backoff delay, doubled each retry (default 500 ms) */
  readonly retryDelayMs?: number;
}

const SERVICE = "Argo CD";

/** "argocd.example.com" → "https://argocd.example.com"; full URLs are kept (without a trailing slash). */
export function argoCdBaseUrl(server: string): string {
  const trimmed = server.trim().replace(/\/+$/, "");
  const url = /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  try {
    new URL(url);
  } catch (e) {
    // bad configuration (exit 2), found before any request
    throw new ConfigError(`ARGOCD_SERVER "${server}" is neither a host[:port] nor an http(s):// URL`, {
      cause: e,
      hint: "export ARGOCD_SERVER=argocd.example.com (as for the argocd CLI) or https://argocd.example.com/argo-cd",
    });
  }
  return url;
}

/** The Argo CD adapter from the environment, or undefined when ARGOCD_SERVER is not set. */
export function argoCdFromEnv(
  env: NodeJS.ProcessEnv,
  config: { readonly argocdUrl: string },
): RestArgoCd | undefined {
  const server = env.ARGOCD_SERVER?.trim();
  if (!server) return undefined;
  const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  return new RestArgoCd({
    server,
    token: env.ARGOCD_AUTH_TOKEN || undefined,
    uiUrl: config.argocdUrl,
    timeoutMs: num(env.NGX_ARGOCD_TIMEOUT_MS),
    retries: num(env.NGX_ARGOCD_RETRIES),
    retryDelayMs: num(env.NGX_ARGOCD_RETRY_DELAY_MS),
  });
}

interface ArgoErrorBody {
  readonly error?: string;
  readonly code?: number;
  readonly message?: string;
}

/** An HTTP answer that is not 2xx, before it is turned into a RemoteError (kept for the v1 fallback). */
class HttpAnswerError extends Error {
  constructor(
    readonly status: number,
    readonly body: ArgoErrorBody | undefined,
    readonly text: string,
  ) {
    super(`HTTP ${status}`);
  }
}

export class RestArgoCd implements ArgoCd {
  readonly baseUrl: string;
  private readonly uiUrl: string;
  private readonly appNamespace: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;

  constructor(private readonly settings: ArgoCdSettings) {
    this.baseUrl = argoCdBaseUrl(settings.server);
    this.uiUrl = settings.uiUrl ?? this.baseUrl;
    this.appNamespace = settings.appNamespace ?? "argocd";
    this.timeoutMs = settings.timeoutMs ?? 15_000;
    this.retries = settings.retries ?? 3;
    this.retryDelayMs = settings.retryDelayMs ?? 500;
  }

  applicationUrl(app: string): string {
    return argoCdApplicationUrl(this.uiUrl, app, this.appNamespace);
  }

  async getApplication(app: string): Promise<ApplicationStatus> {
    const raw = (await this.call("GET", appPath(app), { what: `read application ${app}` })) as RawApp;
    return toApplicationStatus(app, raw, this.applicationUrl(app));
  }

  async getResource(app: string, ref: ResourceRef): Promise<Record<string, unknown>> {
    const answer = (await this.call("GET", `${appPath(app)}/resource`, {
      query: refQuery(ref),
      what: `read ${describe(ref)} of ${app}`,
    })) as { manifest?: string };
    if (typeof answer?.manifest !== "string" || answer.manifest === "") {
      throw new RemoteError(SERVICE, `read ${describe(ref)} of ${app}: the answer has no manifest`);
    }
    try {
      return JSON.parse(answer.manifest) as Record<string, unknown>;
    } catch (e) {
      throw new RemoteError(SERVICE, `read ${describe(ref)} of ${app}: the manifest is not JSON`, {
        cause: e,
      });
    }
  }

  async resourceTree(app: string): Promise<readonly ResourceNode[]> {
    const answer = (await this.call("GET", `${appPath(app)}/resource-tree`, {
      what: `read the resource tree of ${app}`,
    })) as { nodes?: RawNode[] };
    return (answer?.nodes ?? []).map(toNode);
  }

  async runResourceAction(app: string, ref: ResourceRef, action: string): Promise<void> {
    const what = `run action "${action}" on ${describe(ref)} of ${app}`;
    try {
      // Argo CD ≥ 3.1: the action and the resource travel in a JSON body.
      await this.call("POST", `${appPath(app)}/resource/actions/v2`, {
        what,
        body: {
          name: app,
          namespace: ref.namespace,
          resourceName: ref.name,
          version: ref.version,
          group: ref.group,
          kind: ref.kind,
          action,
          appNamespace: this.appNamespace,
        },
        raw: true,
      });
      return;
    } catch (e) {
      // Older servers have no v2 route: the gateway answers 404 "Not Found" (no route), 405 (method
      // not allowed on a matching path) or 501 (gRPC Unimplemented). Anything else is a real error.
      if (!(e instanceof HttpAnswerError && isMissingRoute(e))) {
        throw e instanceof HttpAnswerError ? this.toRemote(e, what) : e;
      }
    }
    // v1: resource in the query, the action name as a JSON string body.
    await this.call("POST", `${appPath(app)}/resource/actions`, {
      what,
      query: { ...refQuery(ref), appNamespace: this.appNamespace },
      body: action,
    });
  }

  async refresh(app: string): Promise<void> {
    await this.call("GET", appPath(app), { what: `refresh ${app}`, query: { refresh: "normal" } });
  }

  async sync(app: string, options: { revision?: string } = {}): Promise<void> {
    await this.call("POST", `${appPath(app)}/sync`, {
      what: `sync ${app}`,
      body: { name: app, ...(options.revision ? { revision: options.revision } : {}), prune: false },
    });
  }

  async canI(resource: string, action: string, object: string): Promise<CanIAnswer> {
    // Argo CD's AccountService.CanI (server/account/account.go) answers {"value":"yes"} or
    // {"value":"no"} from its Casbin enforcer; it first rejects with InvalidArgument (HTTP 400) an
    // action or resource outside util/rbac's rbac.Actions / rbac.Resources lists (get, create, update,
    // delete, sync, override, action, invoke), so a single resource action such as
    // "action/argoproj.io/Rollout/abort" is refused as a question rather than answered. Each path
    // segment is percent-encoded: the object "<project>/<app>" and such actions contain slashes.
    const what = `ask can-i ${resource} ${action} ${object}`;
    const path = `/api/v1/account/can-i/${[resource, action, object].map(encodeURIComponent).join("/")}`;
    let answer: unknown;
    try {
      answer = await this.call("GET", path, { what, raw: true });
    } catch (e) {
      if (e instanceof HttpAnswerError) {
        if (e.status === 400 && (e.body?.code === 3 || e.body?.code === undefined)) return "refused";
        throw this.toRemote(e, what);
      }
      throw e;
    }
    const value = (answer as { value?: unknown } | undefined)?.value;
    if (value === "yes" || value === "no") return value;
    throw new RemoteError(SERVICE, `${what}: the answer has no "value" of "yes" or "no"`);
  }

  /** One request with timeout and retries. With `raw`, a non-2xx answer is thrown as HttpAnswerError. */
  private async call(
    method: "GET" | "POST",
    path: string,
    options: { what: string; query?: Record<string, string>; body?: unknown; raw?: boolean },
  ): Promise<unknown> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";

    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    /** a retryable failure: what went wrong, for the final message */
    type Failure = { readonly problem: string; readonly cause: unknown; readonly status?: number };
    const once = async (): Promise<Attempt<unknown, Failure>> => {
      let res: Response;
      try {
        res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (e) {
        // connection refused, DNS, TLS, timeout: retry
        return {
          ok: false,
          retry: true,
          failure: { problem: connectionProblem(e, this.timeoutMs), cause: e },
        };
      }
      const text = await res.text().catch(() => "");
      if (res.ok) {
        if (text === "") return { ok: true, value: undefined };
        try {
          return { ok: true, value: JSON.parse(text) as unknown };
        } catch (e) {
          throw new RemoteError(
            SERVICE,
            `${options.what}: the answer is not JSON (is ARGOCD_SERVER the API?)`,
            {
              cause: e,
              status: res.status,
            },
          );
        }
      }
      const answer = new HttpAnswerError(res.status, parseErrorBody(text), text);
      if (res.status >= 500 && res.status !== 501) {
        const problem = `HTTP ${res.status}${answer.body?.message ? `: ${answer.body.message}` : ""}`;
        return { ok: false, retry: true, failure: { problem, cause: answer, status: res.status } };
      }
      if (options.raw) throw answer;
      throw this.toRemote(answer, options.what);
    };
    const r = await withRetries(this.retries + 1, this.retryDelayMs, once);
    if (r.ok) return r.value;
    throw new RemoteError(
      SERVICE,
      `${options.what} failed after ${r.tried} attempts at ${this.baseUrl}: ${r.failure.problem}`,
      {
        cause: r.failure.cause,
        status: r.failure.status,
        hint: "check ARGOCD_SERVER and that argocd-server is reachable from here",
      },
    );
  }

  private toRemote(e: HttpAnswerError, what: string): RemoteError {
    const detail = e.body?.message ?? e.body?.error ?? (e.text.slice(0, 200) || "no details");
    const hint =
      e.status === 401
        ? "ARGOCD_AUTH_TOKEN is missing, invalid or expired (create one with `argocd account generate-token`)"
        : e.status === 403
          ? "the account of ARGOCD_AUTH_TOKEN lacks this permission in Argo CD RBAC (applications get/sync/action on the project), or the application does not exist (Argo CD answers 403 for both)"
          : e.status === 404
            ? "check argocdApplication in environments/promotion.yaml and the resource's group/version/kind/namespace/name"
            : undefined;
    return new RemoteError(SERVICE, `${what} failed (HTTP ${e.status}): ${detail}`, {
      cause: e,
      status: e.status,
      hint,
    });
  }
}

function isMissingRoute(e: HttpAnswerError): boolean {
  if (e.status === 405 || e.status === 501) return true;
  if (e.status !== 404) return false;
  // the gateway's own 404 says just "Not Found"; a missing application or resource says which
  const message = e.body?.message ?? e.body?.error ?? e.text;
  return message.trim() === "" || /^not found$/i.test(message.trim()) || e.body === undefined;
}

function parseErrorBody(text: string): ArgoErrorBody | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" ? (v as ArgoErrorBody) : undefined;
  } catch {
    return undefined;
  }
}

function connectionProblem(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === "TimeoutError" || err?.name === "AbortError") return `no answer within ${timeoutMs} ms`;
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}

function appPath(app: string): string {
  return `/api/v1/applications/${encodeURIComponent(app)}`;
}

function refQuery(ref: ResourceRef): Record<string, string> {
  return {
    namespace: ref.namespace,
    resourceName: ref.name,
    version: ref.version,
    kind: ref.kind,
    group: ref.group,
  };
}

function describe(ref: ResourceRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

interface RawApp {
  spec?: { project?: string };
  status?: {
    sync?: { status?: string; revision?: string; revisions?: string[] };
    health?: { status?: string; message?: string };
    operationState?: {
      phase?: string;
      message?: string;
      finishedAt?: string;
      syncResult?: { revision?: string };
    };
    resources?: {
      group?: string;
      version?: string;
      kind?: string;
      namespace?: string;
      name?: string;
      status?: string;
      health?: { status?: string };
    }[];
  };
}

interface RawNode {
  group?: string;
  version?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  createdAt?: string;
  health?: { status?: string; message?: string };
  parentRefs?: { group?: string; version?: string; kind?: string; namespace?: string; name?: string }[];
}

function toApplicationStatus(name: string, raw: RawApp, url: string): ApplicationStatus {
  const s = raw?.status ?? {};
  const revision = s.sync?.revision ?? s.sync?.revisions?.[0];
  const op = s.operationState;
  return {
    name,
    syncStatus: s.sync?.status ?? "Unknown",
    ...(revision ? { syncRevision: revision } : {}),
    health: s.health?.status ?? "Unknown",
    ...(s.health?.message ? { healthMessage: s.health.message } : {}),
    ...(op?.phase ? { operationPhase: op.phase } : {}),
    ...(op?.message ? { operationMessage: op.message } : {}),
    ...(op?.finishedAt ? { operationFinishedAt: op.finishedAt } : {}),
    resources: (s.resources ?? []).map((r) => ({
      group: r.group ?? "",
      version: r.version ?? "",
      kind: r.kind ?? "",
      namespace: r.namespace ?? "",
      name: r.name ?? "",
      ...(r.status ? { status: r.status } : {}),
      ...(r.health?.status ? { health: r.health.status } : {}),
    })),
    url,
    ...(raw?.spec?.project ? { project: raw.spec.project } : {}),
  };
}

function toNode(n: RawNode): ResourceNode {
  return {
    group: n.group ?? "",
    version: n.version ?? "",
    kind: n.kind ?? "",
    namespace: n.namespace ?? "",
    name: n.name ?? "",
    ...(n.uid ? { uid: n.uid } : {}),
    ...(n.health?.status ? { health: n.health.status } : {}),
    ...(n.health?.message ? { healthMessage: n.health.message } : {}),
    ...(n.createdAt ? { createdAt: n.createdAt } : {}),
    parentRefs: (n.parentRefs ?? []).map((p) => ({
      group: p.group ?? "",
      version: p.version ?? "",
      kind: p.kind ?? "",
      namespace: p.namespace ?? "",
      name: p.name ?? "",
    })),
  };
}
