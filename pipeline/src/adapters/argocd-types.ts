// The Argo CD interface core code receives. The REST implementation is adapters/argocd.ts; tests use
// a protocol fake (test/helpers/fake-argocd.ts). Nothing here needs cluster credentials.

export interface ResourceRef {
  readonly group: string; // "" for core, "argoproj.io", "batch", …
  readonly version: string; // "v1", "v1alpha1"
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface ApplicationStatus {
  readonly name: string;
  /** "Synced" | "OutOfSync" | "Unknown" */
  readonly syncStatus: string;
  /** the Git revision Argo CD last synced to */
  readonly syncRevision?: string;
  /** "Healthy" | "Progressing" | "Degraded" | "Suspended" | "Missing" | "Unknown" */
  readonly health: string;
  readonly healthMessage?: string;
  /** status.operationState.phase of the last operation, e.g. "Succeeded", "Failed", "Running" */
  readonly operationPhase?: string;
  readonly operationMessage?: string;
  /** when the last operation finished (ISO-8601), if known */
  readonly operationFinishedAt?: string;
  /** status.resources: what the application manages */
  readonly resources: readonly (ResourceRef & { readonly health?: string; readonly status?: string })[];
  /** the Argo CD UI link for people */
  readonly url: string;
  /** spec.project: the AppProject whose roles govern the application (RBAC objects are <project>/<app>) */
  readonly project?: string;
}

/** One node of an application's resource tree: managed resources and their children (e.g. Jobs). */
export interface ResourceNode extends ResourceRef {
  readonly uid?: string;
  /** node health status when Argo CD knows it ("Healthy", "Progressing", "Degraded", …) */
  readonly health?: string;
  readonly healthMessage?: string;
  readonly createdAt?: string;
  /** owners of this node (a Job created by a CronJob names the CronJob) */
  readonly parentRefs: readonly ResourceRef[];
}

export interface ArgoCd {
  /** Argo CD UI URL of an application */
  applicationUrl(app: string): string;
  getApplication(app: string): Promise<ApplicationStatus>;
  /** the live manifest of one managed resource (or a child in the resource tree, e.g. a Job) */
  getResource(app: string, ref: ResourceRef): Promise<Record<string, unknown>>;
  /** every node of the application's resource tree (GET …/resource-tree), e.g. to find a kind's live objects */
  resourceTree(app: string): Promise<readonly ResourceNode[]>;
  /** runs a resource action (e.g. Rollout "abort", CronJob "create-job"); v2 endpoint, v1 fallback */
  runResourceAction(app: string, ref: ResourceRef, action: string): Promise<void>;
  /** asks Argo CD to sync the application (optionally to a revision) */
  sync(app: string, options?: { revision?: string }): Promise<void>;
  /**
   * asks Argo CD to re-read Git now (GET …?refresh=normal) instead of waiting for its polling
   * interval; unlike a sync it never applies a cached older revision
   */
  refresh(app: string): Promise<void>;
  /**
   * asks Argo CD whether the token may do `action` on `resource` `object` (GET
   * /api/v1/account/can-i/{resource}/{action}/{subresource}); read-only. "refused" when the server
   * will not answer that question (InvalidArgument: the action is not one it knows, see argocd.ts).
   */
  canI(resource: string, action: string, object: string): Promise<CanIAnswer>;
}

/** Argo CD's answer to can-i ({"value":"yes"|"no"}), or "refused" when it rejects the question itself. */
export type CanIAnswer = "yes" | "no" | "refused";

/** The Argo CD UI link of an application (apps live in the `argocd` namespace: /applications/<ns>/<name>). */
export function argoCdApplicationUrl(argocdUrl: string, app: string, appNamespace = "argocd"): string {
  return `${argocdUrl.replace(/\/+$/, "")}/applications/${encodeURIComponent(appNamespace)}/${encodeURIComponent(app)}`;
}
