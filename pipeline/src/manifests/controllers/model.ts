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
  /** every object Argo CD applies to the environment's cluster: overlay first, then other sources */
  readonly objects: readonly K8sObject[];
  /** the Application's source paths other than the overlay, with what each rendered */
  readonly otherSources: readonly { readonly path: string; readonly objects: readonly K8sObject[] }[];
  /** repository file an object is defined in (kind, name), when known */
  readonly fileOf: (kind: string, name: string) => string | undefined;
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
}
