// Notifications (notifications-engine) as the controller reads its ConfigMap and Secret: triggers
// send defined templates, templates use defined services, every $key is in the synced Secret, and
// subscriptions name defined triggers and services.
import { describe, expect, it } from "vitest";
import { checkNotifications } from "../../../pipeline/src/manifests/controllers/notifications.js";
import type { K8sObject } from "../../../pipeline/src/manifests/render.js";
import { ROOT, syntheticView, viewOf } from "./view.js";

const cm = (data: Record<string, string>): K8sObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "argo-rollouts-notification-configmap", namespace: "argo-rollouts" },
  data,
});
const secret: K8sObject = {
  apiVersion: "external-secrets.io/v1",
  kind: "ExternalSecret",
  metadata: { name: "s", namespace: "argo-rollouts" },
  spec: {
    target: { name: "argo-rollouts-notification-secret" },
    data: [{ secretKey: "github-token", remoteRef: { key: "k" } }],
  },
};
const rollout = (annotations: Record<string, string>): K8sObject => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "api", namespace: "apps", annotations },
});
const good = {
  "service.webhook.github":
    "url: https://api.github.com\nheaders:\n  - name: Authorization\n    value: Bearer $github-token\n",
  "trigger.on-rollout-aborted": "- send: [aborted]\n",
  "template.aborted": "webhook:\n  github:\n    method: POST\n    path: /x\n",
};

describe("notifications", () => {
  it("the repository's Argo Rollouts and Argo CD notification configs are consistent", async () => {
    const prod = await viewOf(ROOT, "production");
    expect(checkNotifications(prod).findings).toEqual([]);
    expect(checkNotifications(syntheticView(prod.bootstrap ?? [])).findings).toEqual([]);
  });

  it("a consistent config passes; each break is a finding on its data key", () => {
    const ok = [
      cm(good),
      secret,
      rollout({ "notifications.argoproj.io/subscribe.on-rollout-aborted.github": "" }),
    ];
    expect(checkNotifications(syntheticView(ok)).findings).toEqual([]);
    const broken = [
      cm({
        ...good,
        "service.webhook.github": good["service.webhook.github"].replace("$github-token", "$token"),
        "trigger.on-rollout-aborted": "- send: [abort]\n",
        "template.x": "webhook:\n  slack: {}\n",
      }),
      secret,
      rollout({ "notifications.argoproj.io/subscribe.on-aborted.github": "" }),
    ];
    const found = checkNotifications(syntheticView(broken)).findings.map((f) => [f.rule, f.path]);
    expect(found).toEqual([
      ["notifications/secret-key", "data.service.webhook.github"],
      ["notifications/trigger-template", "data.trigger.on-rollout-aborted"],
      ["notifications/template-service", "data.template.x"],
      [
        "notifications/subscription",
        'metadata.annotations["notifications.argoproj.io/subscribe.on-aborted.github"]',
      ],
    ]);
  });
});
