// The repository_dispatch body the Argo Rollouts notification sends (rollouts/notifications/
// configmap.yaml) and .github/workflows/rollback.yaml writes to a file for `rollback --from-dispatch`:
//   {"event_type": "rollout-aborted", "client_payload": {"trigger", "environment", "rollout",
//    "namespace", "revision", "images": ["registry/name:tag@sha256:…", …], "message"}}
// Pure: text in, a typed payload or an InputError naming the field out.
import { InputError } from "../errors.js";
import { logText } from "../output/inert.js";
import { type ImageEntry, parseImageReference } from "../promotion/images.js";

export const DISPATCH_EVENT_TYPE = "rollout-aborted";

/**
 * GitHub's limit on a repository_dispatch: "The maximum number of top-level properties is 10. The
 * total size of the JSON payload must be less than 64KB" (client_payload in GitHub's REST
 * description, github/rest-api-description, POST /repos/{owner}/{repo}/dispatches). A payload at or
 * over it cannot have come through GitHub.
 */
export const CLIENT_PAYLOAD_LIMIT = 64 * 1024;
export const CLIENT_PAYLOAD_MAX_PROPERTIES = 10;
/**
 * the payload file (the event body, possibly pretty-printed by jq) is refused unread above this:
 * four times the limit leaves room for any indentation of a payload GitHub accepted
 */
export const DISPATCH_FILE_LIMIT = 4 * CLIENT_PAYLOAD_LIMIT;

export interface DispatchPayload {
  /** "on-rollout-aborted" | "on-analysis-run-failed" (the notification trigger), when sent */
  readonly trigger?: string;
  readonly environment: string;
  /** the Rollout that aborted (= component name) */
  readonly rollout: string;
  readonly namespace?: string;
  /** the Rollout's rollout.argoproj.io/revision */
  readonly revision?: string;
  /** every container image of the aborted pod template, as pulled */
  readonly images: readonly string[];
  /** the Rollout's status.message (why it aborted) */
  readonly message?: string;
}

function field(file: string, name: string, why: string): InputError {
  return new InputError(`${file}: field ${name} ${why}`, {
    hint: `expected {"event_type": "${DISPATCH_EVENT_TYPE}", "client_payload": {"environment", "rollout", "images": [...], "trigger", "namespace", "revision", "message"}} (see docs/rollback.md)`,
  });
}

function optionalString(file: string, p: Record<string, unknown>, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw field(file, `client_payload.${name}`, `must be a string, got ${typeof v}`);
  return v;
}

/** Parses and validates the dispatch body; `file` names the file in errors. */
export function parseDispatchPayload(text: string, file: string): DispatchPayload {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw field(file, "(root)", "must be an object");
  const body = raw as Record<string, unknown>;
  if (body.event_type !== undefined && body.event_type !== DISPATCH_EVENT_TYPE) {
    throw field(
      file,
      "event_type",
      `is ${JSON.stringify(body.event_type)}, expected "${DISPATCH_EVENT_TYPE}"`,
    );
  }
  const p = body.client_payload;
  if (p === undefined || p === null) throw field(file, "client_payload", "is missing");
  if (typeof p !== "object" || Array.isArray(p)) throw field(file, "client_payload", "must be an object");
  const cp = p as Record<string, unknown>;
  const size = Buffer.byteLength(JSON.stringify(cp), "utf8");
  if (size >= CLIENT_PAYLOAD_LIMIT) {
    throw field(
      file,
      "client_payload",
      `is ${size} bytes; GitHub refuses a repository_dispatch whose client_payload is 64 KB (${CLIENT_PAYLOAD_LIMIT} bytes) or more, so this did not come from GitHub`,
    );
  }
  if (Object.keys(cp).length > CLIENT_PAYLOAD_MAX_PROPERTIES) {
    throw field(
      file,
      "client_payload",
      `has ${Object.keys(cp).length} top-level properties; GitHub allows at most ${CLIENT_PAYLOAD_MAX_PROPERTIES}`,
    );
  }
  const required = (name: string): string => {
    const v = cp[name];
    if (v === undefined || v === null || v === "") throw field(file, `client_payload.${name}`, "is missing");
    if (typeof v !== "string")
      throw field(file, `client_payload.${name}`, `must be a string, got ${typeof v}`);
    return v;
  };
  const environment = required("environment");
  const rollout = required("rollout");
  const images = cp.images;
  if (images === undefined || images === null) throw field(file, "client_payload.images", "is missing");
  if (!Array.isArray(images) || images.length === 0 || images.some((i) => typeof i !== "string" || !i)) {
    throw field(file, "client_payload.images", "must be a non-empty list of image references");
  }
  const trigger = optionalString(file, cp, "trigger");
  const namespace = optionalString(file, cp, "namespace");
  const revision = optionalString(file, cp, "revision");
  const message = optionalString(file, cp, "message");
  return {
    environment,
    rollout,
    images: images as string[],
    ...(trigger ? { trigger } : {}),
    ...(namespace ? { namespace } : {}),
    ...(revision ? { revision } : {}),
    ...(message ? { message } : {}),
  };
}

export type Currency = { readonly current: true } | { readonly current: false; readonly reason: string };

/**
 * Whether the payload is about what Git names now: every payload image that belongs to an overlay
 * entry (same repository) must be exactly that entry (digest, else tag). Sidecars pinned in base are
 * not in the overlay and are ignored. A payload naming none of the overlay's images is stale too.
 */
export function payloadIsCurrent(payload: DispatchPayload, overlay: readonly ImageEntry[]): Currency {
  let matched = 0;
  for (const ref of payload.images) {
    const parsed = parseImageReference(ref);
    if (typeof parsed === "string") continue; // e.g. an unqualified sidecar name: not ours
    const entry = overlay.find((e) => (e.newName ?? e.name) === parsed.name);
    if (!entry) continue;
    matched += 1;
    const same = parsed.digest && entry.digest ? parsed.digest === entry.digest : parsed.tag === entry.newTag;
    if (!same) {
      const now = entry.digest ?? entry.newTag ?? "(none)";
      return {
        current: false,
        reason: `the overlay of ${payload.environment} now names ${parsed.name} ${now}, the aborted Rollout ran ${parsed.digest ?? parsed.tag}`,
      };
    }
  }
  if (matched === 0) {
    return {
      current: false,
      reason: `none of the payload's images (${payload.images.join(", ")}) is in the overlay of ${payload.environment}`,
    };
  }
  return { current: true };
}

/** the notification triggers (rollouts/notifications/configmap.yaml) that mean a failed canary */
export const ANALYSIS_FAILURE_TRIGGERS: readonly string[] = ["on-rollout-aborted", "on-analysis-run-failed"];

/**
 * the dispatch names a failed analysis or an abort (what autoMerge: on-analysis-failure means); a
 * payload without `trigger` is valid input but says neither, so its PR is left for review
 */
export function isAnalysisFailure(payload: DispatchPayload | undefined): boolean {
  return payload?.trigger !== undefined && ANALYSIS_FAILURE_TRIGGERS.includes(payload.trigger);
}

/**
 * the rollback reason a dispatch gives when the caller names none (PR, ledger and rejection): one
 * inert line (the payload is foreign text), at most ~600 characters
 */
export function reasonFromPayload(payload: DispatchPayload): string {
  const what = payload.trigger === "on-analysis-run-failed" ? "analysis failed" : "aborted";
  return `Argo Rollouts ${what} on ${logText(payload.rollout, 100)}${payload.message ? `: ${logText(payload.message, 500)}` : ""}`;
}
