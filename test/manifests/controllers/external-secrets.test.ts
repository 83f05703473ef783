// External Secrets as its controller consumes an ExternalSecret: the store it names must exist and
// admit its namespace (shouldProcessSecret), the store's Google SA must read exactly the secrets its
// ExternalSecrets fetch, and pods read keys the Secret will have.
import { describe, expect, it } from "vitest";
import { checkExternalSecrets } from "../../../pipeline/src/manifests/controllers/external-secrets.js";
import type { K8sObject } from "../../../pipeline/src/manifests/render.js";
import { ROOT, syntheticView, TODAY, viewOf } from "./view.js";

const es = (
  ns: string,
  store: string,
  kind = "ClusterSecretStore",
  extra: Record<string, unknown> = {},
): K8sObject => ({
  apiVersion: "external-secrets.io/v1",
  kind: "ExternalSecret",
  metadata: { name: "token", namespace: ns },
  spec: {
    secretStoreRef: { kind, name: store },
    target: { name: "token" },
    data: [{ secretKey: "github-token", remoteRef: { key: "dispatch-token" } }],
    ...extra,
  },
});
const store = (name: string, conditions?: unknown[]): K8sObject => ({
  apiVersion: "external-secrets.io/v1",
  kind: "ClusterSecretStore",
  metadata: { name },
  spec: {
    provider: {
      gcpsm: {
        projectID: "p",
        auth: { workloadIdentity: { serviceAccountRef: { name: "eso", namespace: "apps" } } },
      },
    },
    ...(conditions ? { conditions } : {}),
  },
});
const ksa: K8sObject = {
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: {
    name: "eso",
    namespace: "apps",
    annotations: { "iam.gke.io/gcp-service-account": "eso@p.iam.gserviceaccount.com" },
  },
};
const grant = (secret: string): K8sObject => ({
  apiVersion: "iam.cnrm.cloud.google.com/v1beta1",
  kind: "IAMPolicyMember",
  metadata: { name: `eso-${secret}` },
  spec: {
    memberFrom: { serviceAccountRef: { name: "eso" } },
    role: "roles/secretmanager.secretAccessor",
    resourceRef: { kind: "SecretManagerSecret", name: secret },
  },
});
const rules = (objects: K8sObject[]) =>
  checkExternalSecrets(syntheticView(objects)).findings.map((f) => f.rule);

describe("external-secrets/store-condition (client_manager.go shouldProcessSecret)", () => {
  it.each(["dev", "staging", "production"])(
    "%s before the fix: the notifications token never syncs",
    async (env) => {
      const { findings } = checkExternalSecrets(await viewOf(TODAY, env));
      expect(findings.filter((f) => f.rule === "external-secrets/store-condition")).toEqual([
        expect.objectContaining({
          object: "ExternalSecret/argo-rollouts-notification-secret",
          file: "rollouts/notifications/externalsecret.yaml",
          path: "spec.secretStoreRef",
          message: expect.stringContaining(
            'ClusterSecretStore "gcp-secret-manager" does not admit namespace argo-rollouts',
          ),
        }),
      ]);
      // and the store that serves ngx-agents could read the dispatch token nobody there uses
      expect(findings.filter((f) => f.rule === "external-secrets/least-privilege")).toEqual([
        expect.objectContaining({
          object: "ClusterSecretStore/gcp-secret-manager",
          message: expect.stringContaining('can read "ngx-agents-github-dispatch-token"'),
        }),
      ]);
    },
  );

  it("the repository: every ExternalSecret admitted by its store, each secret readable only by its own store", async () => {
    for (const env of ["dev", "staging", "production"])
      expect(checkExternalSecrets(await viewOf(ROOT, env)).findings, env).toEqual([]);
  });

  it("a store that does not admit its namespace is a finding with file and field", () => {
    const { findings } = checkExternalSecrets(
      syntheticView([store("vault", [{ namespaces: ["apps"] }]), ksa, es("tools", "vault")], {
        "ExternalSecret/token": "apps/tools/externalsecret.yaml",
      }),
    );
    expect(findings.find((f) => f.rule === "external-secrets/store-condition")).toMatchObject({
      object: "ExternalSecret/token",
      file: "apps/tools/externalsecret.yaml",
      path: "spec.secretStoreRef",
    });
  });

  it("admits as upstream does: no conditions, namespaces, namespaceSelector on the namespace's labels, regexes", () => {
    const ns: K8sObject = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "tools", labels: { team: "ops" } },
    };
    const refused = (conditions?: unknown[]) =>
      rules([store("vault", conditions), ksa, ns, es("tools", "vault")]).includes(
        "external-secrets/store-condition",
      );
    expect(refused()).toBe(false);
    expect(refused([{ namespaces: ["tools"] }])).toBe(false);
    expect(refused([{ namespaceSelector: { matchLabels: { team: "ops" } } }])).toBe(false);
    expect(refused([{ namespaceRegexes: ["^to"] }])).toBe(false);
    expect(refused([{ namespaces: ["apps"] }, { namespaceSelector: { matchLabels: { team: "dev" } } }])).toBe(
      true,
    );
  });
});

describe("the other External Secrets rules", () => {
  it("store-missing: a SecretStore serves only its own namespace; a store nowhere in Git is a note", () => {
    const elsewhere: K8sObject = {
      ...store("vault"),
      kind: "SecretStore",
      metadata: { name: "vault", namespace: "apps" },
    };
    expect(rules([elsewhere, es("tools", "vault", "SecretStore")])).toContain(
      "external-secrets/store-missing",
    );
    const alone = checkExternalSecrets(syntheticView([es("tools", "vault", "SecretStore")]));
    expect(alone.findings).toEqual([]);
    expect(alone.notes.map((n) => n.rule)).toEqual(["external-secrets/store-missing"]);
  });

  it("secret-access and least-privilege: the store's Google SA reads exactly what its ExternalSecrets fetch", () => {
    expect(rules([store("vault"), ksa, grant("dispatch-token"), es("apps", "vault")])).toEqual([]);
    expect(rules([store("vault"), ksa, grant("other"), es("apps", "vault")])).toEqual([
      "external-secrets/secret-access",
      "external-secrets/least-privilege",
    ]);
    // no grant in Git: a note, not silence
    const view = checkExternalSecrets(syntheticView([store("vault"), ksa, es("apps", "vault")]));
    expect(view.findings).toEqual([]);
    expect(view.notes.map((n) => n.rule)).toEqual(["external-secrets/secret-access"]);
  });

  it("template-key and secret-key: templates read fetched values, pods read keys the Secret will have", () => {
    const templated = es("apps", "vault", "ClusterSecretStore", {
      target: { name: "token", template: { data: { auth: "Bearer {{ .githubtoken }}" } } },
    });
    const pod: K8sObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "bot", namespace: "apps" },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "bot",
                env: [{ name: "T", valueFrom: { secretKeyRef: { name: "token", key: "github-token" } } }],
              },
            ],
          },
        },
      },
    };
    expect(rules([store("vault"), ksa, grant("dispatch-token"), templated, pod])).toEqual([
      "external-secrets/template-key",
      "external-secrets/secret-key",
    ]);
  });
});
