// The controller-model layer of `validate`: each rule set checks one cluster the way one controller
// will consume it (docs/validation.md, "Controllers"). Pure functions over rendered objects.
import { sortFindings } from "../findings.js";
import { checkArgoCd } from "./argo-cd.js";
import { checkArgoRollouts } from "./argo-rollouts.js";
import { checkConfigConnector } from "./config-connector.js";
import { checkExternalSecrets } from "./external-secrets.js";
import { checkKubernetes } from "./kubernetes.js";
import type { ClusterView, RuleResult } from "./model.js";
import { checkNetwork } from "./network.js";
import { checkNotifications } from "./notifications.js";

export type { ClusterView, RuleResult } from "./model.js";

/** One entry per controller; each returns findings (and notes) with object, field and file. */
export const CONTROLLER_RULES: Readonly<Record<string, (view: ClusterView) => RuleResult>> = {
  "argo-rollouts": checkArgoRollouts,
  "external-secrets": checkExternalSecrets,
  "argo-cd": checkArgoCd,
  notifications: checkNotifications,
  "config-connector": checkConfigConnector,
  network: checkNetwork,
  kubernetes: checkKubernetes,
};

export function checkControllers(view: ClusterView): RuleResult {
  const findings = [];
  const notes = [];
  for (const rules of Object.values(CONTROLLER_RULES)) {
    const r = rules(view);
    findings.push(...r.findings);
    notes.push(...r.notes);
  }
  return { findings: sortFindings(findings), notes: sortFindings(notes) };
}
