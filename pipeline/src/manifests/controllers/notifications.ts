// Argo CD and Argo Rollouts notifications (argoproj/notifications-engine, embedded in both), as the
// controller reads its ConfigMap and Secret. Facts encoded:
// - pkg/api/config.go `ParseConfig`: `service.<type>.<name>` keys define services, `trigger.<name>`
//   a list of conditions each naming the templates it `send`s, `template.<name>` a template whose
//   `webhook.<name>` (etc.) blocks go to the service of that name; every `$key` in a service's
//   configuration is replaced from the controller's notification Secret (`replaceStringSecret`,
//   pattern `[$][\w-_]+`) — a key the Secret lacks stays the literal text "$key" (only a warning in
//   the log), so the webhook is sent with e.g. "Bearer $github-token" and GitHub answers 401.
// - pkg/subscriptions/annotations.go: `notifications.argoproj.io/subscribe.<trigger>.<service>` on a
//   Rollout or Application subscribes it; an unknown trigger or service sends nothing.
// The ConfigMap/Secret pairs: Argo Rollouts `argo-rollouts-notification-configmap` /
// `argo-rollouts-notification-secret` (namespace argo-rollouts); Argo CD `argocd-notifications-cm` /
// `argocd-notifications-secret` (namespace argocd).
import { parse } from "yaml";
import { fieldPath } from "../findings.js";
import type { K8sObject } from "../render.js";
import { get, isObj, list, namespaceOf } from "../workloads.js";
import { secretKeys, targetName } from "./external-secrets.js";
import { type ClusterView, Reporter, type RuleResult } from "./model.js";

const PAIRS: Record<string, string> = {
  "argo-rollouts-notification-configmap": "argo-rollouts-notification-secret",
  "argocd-notifications-cm": "argocd-notifications-secret",
};
const SUBSCRIBE = "notifications.argoproj.io/subscribe.";

interface Parsed {
  readonly cm: K8sObject;
  readonly services: Set<string>;
  readonly triggers: Set<string>;
}

function yamlOf(text: unknown): unknown {
  try {
    return parse(String(text ?? ""));
  } catch {
    return undefined;
  }
}

/** Keys the notification Secret will hold: a rendered Secret's, or those an ExternalSecret writes. */
function notificationSecretKeys(view: ClusterView, ns: string, name: string): Set<string> | undefined {
  const secret = view.objects.find(
    (o) => o.kind === "Secret" && o.metadata?.name === name && namespaceOf(o) === ns,
  );
  if (secret)
    return new Set([
      ...Object.keys((get(secret, "data") as object) ?? {}),
      ...Object.keys((get(secret, "stringData") as object) ?? {}),
    ]);
  const keys = new Set<string>();
  let found = false;
  for (const es of view.objects) {
    if (es.kind !== "ExternalSecret" || namespaceOf(es) !== ns || targetName(es) !== name) continue;
    found = true;
    const k = secretKeys(es);
    if (!k) return undefined;
    for (const x of k) keys.add(x);
  }
  return found ? keys : new Set();
}

function checkConfig(view: ClusterView, cm: K8sObject, r: Reporter): Parsed {
  const data = (get(cm, "data") ?? {}) as Record<string, string>;
  const services = new Set<string>();
  const triggers = new Set<string>();
  const templates = new Set<string>();
  for (const key of Object.keys(data)) {
    const s = /^service\.[\w-]+\.([\w-]+)$/.exec(key) ?? /^service\.([\w-]+)$/.exec(key);
    if (s) services.add(s[1] as string);
    if (key.startsWith("trigger.")) triggers.add(key.slice("trigger.".length));
    if (key.startsWith("template.")) templates.add(key.slice("template.".length));
  }
  const secretName = PAIRS[cm.metadata.name] as string;
  const keys = notificationSecretKeys(view, namespaceOf(cm), secretName);
  for (const [key, text] of Object.entries(data)) {
    if (key.startsWith("service.")) {
      for (const m of String(text).matchAll(/[$]([\w-]+)/g)) {
        if (keys?.has(m[1] as string)) continue;
        if (keys === undefined) continue; // dataFrom: keys unknowable from Git
        r.add(
          cm,
          fieldPath(["data", key]),
          "notifications/secret-key",
          `"$${m[1]}" is not a key of Secret ${namespaceOf(cm)}/${secretName}${keys.size === 0 ? " (nothing in Git writes that Secret)" : ` (keys: ${[...keys].join(", ")})`}: the controller sends the literal text "$${m[1]}"`,
          `write key ${m[1]} into ${secretName} (its ExternalSecret's data[].secretKey), or fix the reference`,
        );
      }
    }
    if (key.startsWith("trigger.")) {
      list(yamlOf(text)).forEach((cond, i) => {
        for (const t of list(get(cond, "send")))
          if (!templates.has(String(t)))
            r.add(
              cm,
              fieldPath(["data", key]),
              "notifications/trigger-template",
              `condition ${i} sends template "${String(t)}", which ${cm.metadata.name} does not define (templates: ${[...templates].join(", ") || "none"})`,
              `add data."template.${String(t)}" or fix the name`,
            );
      });
    }
    if (key.startsWith("template.")) {
      const tpl = yamlOf(text);
      if (!isObj(tpl)) continue;
      for (const [kind, block] of Object.entries(tpl)) {
        if (!isObj(block) || ["message", "title", "body"].includes(kind)) continue;
        for (const svc of Object.keys(block))
          if (kind === "webhook" && !services.has(svc))
            r.add(
              cm,
              fieldPath(["data", key]),
              "notifications/template-service",
              `webhook "${svc}" has no service.webhook.${svc} in ${cm.metadata.name}: the notification is never sent`,
              `add data."service.webhook.${svc}" or fix the name`,
            );
      }
    }
  }
  return { cm, services, triggers };
}

function subscriptions(
  o: K8sObject,
  annotations: Record<string, string> | undefined,
  at: string,
  config: Parsed | undefined,
  r: Reporter,
): void {
  for (const a of Object.keys(annotations ?? {})) {
    if (!a.startsWith(SUBSCRIBE)) continue;
    const rest = a.slice(SUBSCRIBE.length);
    const dot = rest.indexOf(".");
    const trigger = dot < 0 ? rest : rest.slice(0, dot);
    const service = dot < 0 ? "" : rest.slice(dot + 1);
    if (!config) {
      r.addIfComplete(
        o,
        at,
        "notifications/subscription",
        `subscribes to ${trigger}, but no notification ConfigMap is rendered for this controller`,
        "add the notification ConfigMap to the cluster's sources",
      );
      continue;
    }
    if (!config.triggers.has(trigger))
      r.add(
        o,
        `${at}["${a}"]`,
        "notifications/subscription",
        `trigger "${trigger}" is not defined in ${config.cm.metadata.name}`,
        `add data."trigger.${trigger}" or fix the annotation`,
      );
    if (service && !config.services.has(service))
      r.add(
        o,
        `${at}["${a}"]`,
        "notifications/subscription",
        `service "${service}" is not defined in ${config.cm.metadata.name}`,
        `add data."service.webhook.${service}" or fix the annotation`,
      );
  }
}

export function checkNotifications(view: ClusterView): RuleResult {
  const r = new Reporter(view);
  const configs = new Map<string, Parsed>();
  for (const o of view.objects)
    if (o.kind === "ConfigMap" && PAIRS[o.metadata?.name])
      configs.set(o.metadata.name, checkConfig(view, o, r));
  for (const o of view.objects) {
    if (o.kind === "Rollout")
      subscriptions(
        o,
        o.metadata?.annotations,
        "metadata.annotations",
        configs.get("argo-rollouts-notification-configmap"),
        r,
      );
    if (o.kind === "ApplicationSet")
      subscriptions(
        o,
        get(o, "spec", "template", "metadata", "annotations") as Record<string, string> | undefined,
        "spec.template.metadata.annotations",
        configs.get("argocd-notifications-cm"),
        r,
      );
  }
  return r.result;
}
