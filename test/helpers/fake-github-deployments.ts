// GitHub Deployments and commit statuses on a FakeServer, stateful, the way api.github.com answers:
// POST/GET /repos/{o}/{r}/deployments (newest first, paginated with Link headers, ?environment=),
// POST/GET …/deployments/{id}/statuses, POST …/statuses/{sha}. Registers routes on a server the caller
// owns, so it combines with other GitHub fakes (pulls, git data) on the same server.
import type { FakeRequest, FakeResponse, FakeServer } from "./fake-server.js";

export interface FakeDeployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  description: string | null;
  payload: unknown;
  transient_environment: boolean;
  production_environment: boolean;
  created_at: string;
  statuses: FakeDeploymentStatus[];
  /** the login GitHub reports as creator (the token's owner); API-created ones are the pipeline's */
  creator?: string;
}

export interface FakeDeploymentStatus {
  id: number;
  state: string;
  description: string;
  environment_url: string;
  log_url: string;
  created_at: string;
}

export interface FakeCommitStatus {
  sha: string;
  state: string;
  context: string;
  description?: string;
  target_url?: string;
}

export interface GitHubDeploymentsFake {
  readonly deployments: FakeDeployment[];
  readonly commitStatuses: FakeCommitStatus[];
  /** commits the fake knows (refs resolve to these); any 40-hex sha is accepted too */
  readonly refs: Map<string, string>;
  /** seeds a deployment directly (history for tests) */
  seed(d: Partial<FakeDeployment> & Pick<FakeDeployment, "sha" | "environment">): FakeDeployment;
}

/** the creator of deployments made through this fake's API (the token the CLI is given) */
export const PIPELINE_LOGIN = "ngx-bot";

const STATES = new Set(["error", "failure", "inactive", "in_progress", "queued", "pending", "success"]);
const COMMIT_STATES = new Set(["error", "failure", "pending", "success"]);

function validationFailed(message: string, field: string, code = "invalid"): FakeResponse {
  return {
    status: 422,
    body: {
      message: "Validation Failed",
      errors: [{ resource: "DeploymentStatus", code, field, message }],
      documentation_url: "https://docs.github.com/rest/deployments/statuses#create-a-deployment-status",
      status: "422",
    },
  };
}

const notFound: FakeResponse = {
  status: 404,
  body: { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" },
};

export function addGitHubDeployments(
  server: FakeServer,
  options: { repository?: string; perPage?: number; clock?: () => Date } = {},
): GitHubDeploymentsFake {
  const repository = options.repository ?? "ngx-agents/ngx-agents-delivery";
  const base = `/repos/${repository}`;
  const esc = base.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const clock = options.clock ?? (() => new Date());
  let nextId = 1000;
  let tick = 0;
  // strictly increasing timestamps, one second apart, so newest-first ordering is observable
  const now = () => new Date(clock().getTime() + tick++ * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

  const state: GitHubDeploymentsFake = {
    deployments: [],
    commitStatuses: [],
    refs: new Map([["main", "0".repeat(40)]]),
    seed(d) {
      const full: FakeDeployment = {
        id: nextId++,
        ref: d.sha,
        task: "deploy",
        description: null,
        payload: {},
        transient_environment: false,
        production_environment: false,
        created_at: now(),
        statuses: [],
        ...d,
      };
      state.deployments.push(full);
      return full;
    },
  };

  const view = (d: FakeDeployment) => {
    const { statuses: _s, ...rest } = d;
    const { creator, ...fields } = rest;
    return {
      ...fields,
      url: `${server.url}${base}/deployments/${d.id}`,
      creator: { login: creator ?? PIPELINE_LOGIN, type: creator?.endsWith("[bot]") ? "Bot" : "User" },
    };
  };

  const page = (req: FakeRequest, items: unknown[]): FakeResponse => {
    const perPage = Math.min(Number(req.query.get("per_page") ?? 30), options.perPage ?? 100);
    const p = Number(req.query.get("page") ?? 1);
    const slice = items.slice((p - 1) * perPage, p * perPage);
    const headers: Record<string, string> = {};
    if (p * perPage < items.length) {
      const next = new URLSearchParams(req.query);
      next.set("page", String(p + 1));
      headers.link = `<${server.url}${req.path}?${next}>; rel="next"`;
    }
    return { body: slice, headers };
  };

  server.allow("POST", `${base}/deployments`, (req) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.ref !== "string" || b.ref === "") {
      return { status: 422, body: { message: 'Invalid request.\n\n"ref" wasn\'t supplied.', status: "422" } };
    }
    const sha = /^[0-9a-f]{40}$/.test(b.ref) ? b.ref : state.refs.get(b.ref);
    if (!sha) return { status: 422, body: { message: `No ref found for: ${b.ref}`, status: "422" } };
    const d = state.seed({
      sha,
      ref: b.ref,
      task: typeof b.task === "string" ? b.task : "deploy",
      environment: typeof b.environment === "string" ? b.environment : "production",
      description: typeof b.description === "string" ? b.description : null,
      payload: b.payload ?? {},
      transient_environment: Boolean(b.transient_environment),
      production_environment: Boolean(b.production_environment),
    });
    return { status: 201, body: view(d) };
  });

  server.allow("GET", `${base}/deployments`, (req) => {
    const env = req.query.get("environment");
    const sha = req.query.get("sha");
    const list = state.deployments
      .filter((d) => (env ? d.environment === env : true) && (sha ? d.sha === sha : true))
      .sort((a, b) => b.id - a.id)
      .map(view);
    return page(req, list);
  });

  server.allow("POST", new RegExp(`^${esc}/deployments/(\\d+)/statuses$`), (req) => {
    const d = state.deployments.find((x) => x.id === Number(req.params[0]));
    if (!d) return notFound;
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.state !== "string" || !STATES.has(b.state)) {
      return validationFailed(`state is not included in the list`, "state", "inclusion");
    }
    if (typeof b.description === "string" && b.description.length > 140) {
      return validationFailed("description is too long (maximum is 140 characters)", "description", "custom");
    }
    const s: FakeDeploymentStatus = {
      id: nextId++,
      state: b.state,
      description: typeof b.description === "string" ? b.description : "",
      environment_url: typeof b.environment_url === "string" ? b.environment_url : "",
      log_url: typeof b.log_url === "string" ? b.log_url : "",
      created_at: now(),
    };
    d.statuses.push(s);
    return { status: 201, body: { ...s, deployment_url: `${server.url}${base}/deployments/${d.id}` } };
  });

  server.allow("GET", new RegExp(`^${esc}/deployments/(\\d+)/statuses$`), (req) => {
    const d = state.deployments.find((x) => x.id === Number(req.params[0]));
    if (!d) return notFound;
    // GitHub lists a deployment's statuses newest first
    return page(req, [...d.statuses].reverse());
  });

  server.allow("POST", new RegExp(`^${esc}/statuses/([0-9a-f]{40})$`), (req) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.state !== "string" || !COMMIT_STATES.has(b.state)) {
      return {
        status: 422,
        body: {
          message: "Validation Failed",
          errors: [{ resource: "Status", code: "custom", field: "state" }],
        },
      };
    }
    const s: FakeCommitStatus = {
      sha: req.params[0] ?? "",
      state: b.state,
      context: typeof b.context === "string" ? b.context : "default",
      ...(typeof b.description === "string" ? { description: b.description } : {}),
      ...(typeof b.target_url === "string" ? { target_url: b.target_url } : {}),
    };
    state.commitStatuses.push(s);
    return { status: 201, body: { id: nextId++, ...s, created_at: now() } };
  });

  return state;
}
