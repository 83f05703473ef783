// What the controller-model rules receive: one cluster as its controllers will see it (the
// environment's overlay plus the other sources of its Argo CD Application), and where each object
// came from in Git, so a finding can name the file to edit.
import { type Finding, type FindingSite, finding } from "../findings.js";
import { type K8sObject, objectRef } from "../render.js";

export interface ClusterView {
  /** environment name (findings are reported under it) */
  readonly env: string;
  /** the Google Cloud project of the environment (environments/promotion.yaml googleCloudProject) */
  readonly project?: string;
  /** the Google Cloud projects of the other environments, by environment name */
  readonly otherProjects?: Readonly<Record<string, string>>;
  /** every object Argo CD applies to the environment's cluster: overlay first, then other sources */
  readonly objects: readonly K8sObject[];
  /**
   * true when the ApplicationSet that generates this environment's Application was found, so the
   * view holds everything Argo CD applies to the cluster; rules that conclude "nothing else uses
   * it" report a note instead when it is false
   */
  readonly complete?: boolean;
  /** the Application's source paths other than the overlay, with what each rendered */
  readonly otherSources: readonly { readonly path: string; readonly objects: readonly K8sObject[] }[];
  /** repository file an object is defined in (kind, name), when known */
  readonly fileOf: (kind: string, name: string) => string | undefined;
  /** the root kustomization (`kubectl apply -k .` on the Argo CD cluster): AppProject, ApplicationSet */
  readonly bootstrap?: readonly K8sObject[];
  /** repository root (rules that check paths the ApplicationSet names) */
  readonly root?: string;
  /** true for the view of the Argo CD cluster's bootstrap itself (no sync waves: kubectl applies it) */
  readonly isBootstrap?: boolean;
}

/** "apps/v1" → "apps", "v1" → "" */
export function groupOf(o: Pick<K8sObject, "apiVersion">): string {
  const i = o.apiVersion?.indexOf("/") ?? -1;
  return i < 0 ? "" : o.apiVersion.slice(0, i);
}

/** The Argo CD sync wave of an object (annotation; 0 when absent or not a number, as Argo CD reads it). */
export function waveOf(o: K8sObject): number {
  const text = o.metadata?.annotations?.["argocd.argoproj.io/sync-wave"];
  const n = text === undefined ? 0 : Number.parseInt(text, 10);
  return Number.isFinite(n) && String(n) === String(text ?? "0").trim() ? n : 0;
}

export interface RuleResult {
  readonly findings: Finding[];
  /** what cannot be judged from Git alone (the live cluster, IAM granted outside Git) */
  readonly notes: Finding[];
}

export function emptyResult(): RuleResult {
  return { findings: [], notes: [] };
}

/** Collects findings and notes for one cluster, each with its object, field and file. */
export class Reporter {
  readonly result: RuleResult = emptyResult();
  constructor(readonly view: ClusterView) {}
  private make(o: K8sObject, path: string, rule: string, message: string, hint: string): Finding {
    const site: FindingSite = { env: this.view.env, object: objectRef(o) };
    const file = this.view.fileOf(o.kind, o.metadata?.name);
    return { ...finding(site, path, rule, message, hint), ...(file ? { file } : {}) };
  }
  add(o: K8sObject, path: string, rule: string, message: string, hint: string): void {
    this.result.findings.push(this.make(o, path, rule, message, hint));
  }
  note(o: K8sObject, path: string, rule: string, message: string, hint: string): void {
    this.result.notes.push(this.make(o, path, rule, message, hint));
  }
  /** a finding when the view holds the whole cluster, else a note (something outside it may settle it) */
  addIfComplete(o: K8sObject, path: string, rule: string, message: string, hint: string): void {
    if (this.view.complete === false)
      this.note(
        o,
        path,
        rule,
        `${message} (judged without the Argo CD Application's other sources: no ApplicationSet generates this environment)`,
        hint,
      );
    else this.add(o, path, rule, message, hint);
  }
}
