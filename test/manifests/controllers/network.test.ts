// NetworkPolicy reachability, computed with NetworkPolicy semantics, against the flows the services'
// configuration asks for: every needed flow allowed, nothing else between the cluster's pods.
import { describe, expect, it } from "vitest";
import { checkNetwork } from "../../../pipeline/src/manifests/controllers/network.js";
import type { K8sObject } from "../../../pipeline/src/manifests/render.js";
import { ROOT, syntheticView, TODAY, viewOf } from "./view.js";

describe("network/flow-outside-call-graph", () => {
  it.each(["staging", "production"])(
    "%s before the fix: every app could call every other app on 8080",
    async (env) => {
      const outside = checkNetwork(await viewOf(TODAY, env))
        .findings.filter((f) => f.rule === "network/flow-outside-call-graph")
        .map((f) => f.message.replace(/ \(http\).*/, ""));
      expect(outside).toEqual(
        expect.arrayContaining([
          "lets Rollout/vertex-ai-client reach Rollout/api-gateway on port 8080",
          "lets Rollout/a2a-server reach Rollout/orchestrator on port 8080",
        ]),
      );
    },
  );

  it("the repository: exactly the call graph its configuration names, nothing else", async () => {
    for (const env of ["dev", "staging", "production"])
      expect(checkNetwork(await viewOf(ROOT, env)).findings, env).toEqual([]);
  });

  it("a flow outside the call graph is a finding on the policy rule that allows it (file and field)", async () => {
    const prod = await viewOf(ROOT, "production");
    // api-gateway may now send to vertex-ai-client, and vertex-ai-client accept it: nothing calls it
    const objects = prod.objects.map((o) => {
      if (o.kind !== "NetworkPolicy" || !["vertex-ai-client", "api-gateway"].includes(o.metadata.name))
        return o;
      const copy = structuredClone(o) as K8sObject & {
        spec: { ingress: { from?: unknown[] }[]; egress: { to?: unknown[] }[] };
      };
      if (o.metadata.name === "vertex-ai-client")
        copy.spec.ingress[0]?.from?.push({ podSelector: { matchLabels: { app: "api-gateway" } } });
      else copy.spec.egress[0]?.to?.push({ podSelector: { matchLabels: { app: "vertex-ai-client" } } });
      return copy;
    });
    const found = checkNetwork({ ...prod, objects }).findings;
    expect(found).toEqual([
      expect.objectContaining({
        object: "NetworkPolicy/vertex-ai-client",
        file: "environments/base/vertex-ai-client/networkpolicy.yaml",
        path: "spec.ingress[0]",
        rule: "network/flow-outside-call-graph",
        message:
          "lets Rollout/api-gateway reach Rollout/vertex-ai-client on port 8080 (http), which no configuration of Rollout/api-gateway calls",
      }),
    ]);
  });

  it("a flow the configuration needs but the policies deny is a finding on the configuration", async () => {
    const prod = await viewOf(ROOT, "production");
    const objects = prod.objects
      .filter((o) => !(o.kind === "NetworkPolicy" && o.metadata.name === "redis"))
      .concat({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "redis", namespace: "ngx-agents" },
        spec: {
          podSelector: { matchLabels: { app: "redis" } },
          ingress: [
            { from: [{ podSelector: { matchLabels: { app: "a2a-server" } } }], ports: [{ port: 6379 }] },
          ],
        },
      });
    const found = checkNetwork({ ...prod, objects }).findings.map((f) => [f.object, f.rule, f.path]);
    expect(found).toEqual([
      [
        "Rollout/vertex-ai-client",
        "network/needed-flow-denied",
        expect.stringMatching(/^spec\.template\.spec\.containers\[0\]\.env\[\d+\]\.value$/),
      ],
    ]);
  });
});

describe("NetworkPolicy semantics", () => {
  const pod = (
    app: string,
    ports: { name: string; containerPort: number }[] = [{ name: "http", containerPort: 8080 }],
    env: { name: string; value: string }[] = [],
  ): K8sObject => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: app, namespace: "apps" },
    spec: { template: { metadata: { labels: { app } }, spec: { containers: [{ name: app, ports, env }] } } },
  });
  const svc = (app: string): K8sObject => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: app, namespace: "apps" },
    spec: { selector: { app }, ports: [{ port: 80, targetPort: "http" }] },
  });
  const policy = (name: string, spec: Record<string, unknown>): K8sObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: "apps" },
    spec,
  });
  const denyAll = policy("deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  const web = pod("web", undefined, [{ name: "API_URL", value: "http://api" }]);
  const rules = (objects: K8sObject[]) => checkNetwork(syntheticView(objects)).findings.map((f) => f.rule);

  it("needs both the source's egress and the destination's ingress; named ports resolve on the destination", () => {
    const egress = policy("web", {
      podSelector: { matchLabels: { app: "web" } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ podSelector: { matchLabels: { app: "api" } } }], ports: [{ port: "http" }] }],
    });
    const ingress = policy("api", {
      podSelector: { matchLabels: { app: "api" } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: 8080 }] }],
    });
    expect(rules([web, pod("api"), svc("api"), denyAll, egress, ingress])).toEqual([]);
    expect(rules([web, pod("api"), svc("api"), denyAll, egress])).toEqual(["network/needed-flow-denied"]);
    expect(rules([web, pod("api"), svc("api"), denyAll, ingress])).toEqual(["network/needed-flow-denied"]);
  });

  it("no policy selecting a pod leaves it open; an empty from admits every pod; ipBlock reaches no pod", () => {
    const unrelated = policy("other", { podSelector: { matchLabels: { app: "other" } } });
    expect(rules([web, pod("api"), svc("api"), unrelated])).toEqual(["network/flow-outside-call-graph"]); // api → web
    const open = policy("api", { podSelector: { matchLabels: { app: "api" } }, ingress: [{}] });
    const web2 = policy("web", {
      podSelector: { matchLabels: { app: "web" } },
      ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }],
      egress: [{}],
    });
    expect(rules([web, pod("api"), svc("api"), open, web2])).toEqual([]);
  });
});
