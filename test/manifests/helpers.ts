// Small builders for manifest unit tests: a clean restricted pod template and deep copies to break.
import { resolve } from "node:path";
import type { K8sObject } from "../../pipeline/src/manifests/render.js";

export const FIXTURES = resolve(import.meta.dirname, "../fixtures/manifests");
export const CHAIN = resolve(FIXTURES, "chain");
export const BROKEN = resolve(FIXTURES, "broken");

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** A Deployment that passes every policy (restricted profile, resources, probes, digest). */
// biome-ignore lint/suspicious/noExplicitAny: a test builder whose spec tests mutate freely
export function deployment(name = "web"): K8sObject & { spec: any } {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "shop", labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name,
              image: `registry.example.com/${name}@sha256:${"a".repeat(64)}`,
              ports: [{ name: "http", containerPort: 8080 }],
              resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "128Mi" } },
              livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
              readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
    },
  };
}

export function service(name: string, selector: Record<string, string>): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "shop", labels: { app: name } },
    spec: { selector, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  };
}
