// Checks every environment must pass, asserted on the rendered output of its overlay: labels on
// every pod template (Rollouts included), Pod Security "restricted", resources and probes, network
// policy shape, no secret material, pinned third-party images, Workload Identity service accounts.
import { beforeAll, describe, expect, it } from "vitest";
import {
  containers,
  type Obj,
  PRIVATE_RANGES,
  podTemplate,
  type Rendered,
  render,
  SERVICES,
  workloads,
} from "./rendered.js";

const DIGEST = /@sha256:[0-9a-f]{64}$/;
const REGISTRY = "us-central1-docker.pkg.dev/ngx-agents/ngx/";

export interface EnvExpectations {
  readonly env: string;
  readonly project: string;
  /** app images: "digest" in staging and production, "tag" in dev */
  readonly appImages: "digest" | "tag";
}

/** Renders the overlay once (top-level beforeAll of the calling file) and registers the checks. */
export function commonChecks(x: EnvExpectations): () => Rendered {
  let r: Rendered;
  beforeAll(async () => {
    r = await render(x.env);
  });
  describe(`${x.env}: rendered overlay (common checks)`, () => {
    it("puts every namespaced object in ngx-agents and the namespace under Pod Security 'restricted'", () => {
      const ns = r.get("Namespace", "ngx-agents");
      expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
      const cluster = new Set(["Namespace", "ClusterSecretStore"]);
      for (const o of r.objects.filter((o) => !cluster.has(o.kind))) {
        expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe("ngx-agents");
      }
    });

    it("labels every pod template, Rollouts included, with app, cost-center and environment", () => {
      const ws = workloads(r);
      expect(ws.filter((w) => w.kind === "Rollout").map((w) => w.metadata.name)).toEqual(
        expect.arrayContaining([...SERVICES]),
      );
      for (const w of ws) {
        const labels = podTemplate(w)?.metadata?.labels ?? {};
        expect(labels, `${w.kind}/${w.metadata.name}`).toMatchObject({
          app: w.metadata.name,
          "cost-center": "ai-services",
          environment: x.env,
        });
      }
    });

    it("makes every pod pass the restricted profile, with requests, limits and probes", () => {
      for (const w of workloads(r)) {
        const where = `${w.kind}/${w.metadata.name}`;
        const spec = podTemplate(w)?.spec;
        expect(spec.hostNetwork ?? false, where).toBe(false);
        expect(spec.hostPID ?? false, where).toBe(false);
        expect(
          (spec.volumes ?? []).filter((v: Obj) => v.hostPath),
          where,
        ).toEqual([]);
        expect(spec.securityContext?.seccompProfile?.type, where).toBe("RuntimeDefault");
        const longRunning = w.kind !== "CronJob" && w.kind !== "Job";
        for (const { c, init, sidecar } of containers(spec)) {
          const at = `${where} container ${c.name}`;
          const sc = c.securityContext ?? {};
          expect(sc.runAsNonRoot ?? spec.securityContext?.runAsNonRoot, at).toBe(true);
          expect(sc.allowPrivilegeEscalation, at).toBe(false);
          expect(sc.privileged ?? false, at).toBe(false);
          expect(sc.capabilities?.drop, at).toEqual(["ALL"]);
          expect(sc.capabilities?.add ?? [], at).toEqual([]);
          expect(sc.readOnlyRootFilesystem, at).toBe(true);
          for (const kind of ["requests", "limits"]) {
            expect(c.resources?.[kind]?.cpu, `${at} ${kind}.cpu`).toBeDefined();
            expect(c.resources?.[kind]?.memory, `${at} ${kind}.memory`).toBeDefined();
          }
          if ((longRunning && !init) || sidecar) {
            expect(c.livenessProbe, `${at} livenessProbe`).toBeDefined();
            expect(c.readinessProbe, `${at} readinessProbe`).toBeDefined();
          }
        }
      }
    });

    it("pins third-party images by digest and takes app images from the registry", () => {
      for (const w of workloads(r)) {
        for (const { c } of containers(podTemplate(w)?.spec)) {
          const image = String(c.image);
          if (image.startsWith(REGISTRY)) {
            expect(image, `${w.metadata.name}/${c.name}`).toMatch(
              x.appImages === "digest" ? DIGEST : /:[0-9A-Za-z._-]+$/,
            );
            expect(image.startsWith(`${REGISTRY}${w.metadata.name}`), image).toBe(true);
          } else {
            expect(image, `${w.metadata.name}/${c.name}`).toMatch(DIGEST);
            expect(image.startsWith("ngx/"), `placeholder left: ${image}`).toBe(false);
          }
        }
      }
    });

    it("keeps secrets out of Git: no Secret object, passwords only through ExternalSecrets", () => {
      expect(r.all("Secret")).toEqual([]);
      const es = r.get("ExternalSecret", "redis-auth");
      expect(es.spec.secretStoreRef).toEqual({ kind: "ClusterSecretStore", name: "gcp-secret-manager" });
      const store = r.get("ClusterSecretStore", "gcp-secret-manager");
      expect(store.spec.provider.gcpsm.projectID).toBe(x.project);
      expect(store.spec.provider.gcpsm.auth.workloadIdentity.serviceAccountRef).toEqual({
        name: "external-secrets",
        namespace: "ngx-agents",
      });
      for (const cm of r.all("ConfigMap")) {
        expect(JSON.stringify(cm.data), cm.metadata.name).not.toMatch(/PASSWORD|requirepass|private_key/i);
      }
    });

    it("binds every workload that calls Google APIs to its own Google SA in the environment's project", () => {
      // base placeholders every overlay must replace (gcp-project.patch.yaml)
      expect(r.yaml).not.toMatch(/@PROJECT_ID\.|ID: PROJECT_ID$|CLUSTER_NAME/m);
      const gsas = new Set<string>();
      for (const w of workloads(r).filter((w) => w.metadata.name !== "redis")) {
        const ksa = podTemplate(w)?.spec.serviceAccountName;
        expect(ksa, w.metadata.name).toBe(w.metadata.name);
        const gsa = r.get("ServiceAccount", ksa).metadata.annotations?.["iam.gke.io/gcp-service-account"];
        expect(gsa).toBe(`${ksa}@${x.project}.iam.gserviceaccount.com`);
        gsas.add(gsa);
      }
      expect(gsas.size).toBe(workloads(r).length - 1);
    });

    it("denies by default and allows only the documented flows", () => {
      const policies = r.all("NetworkPolicy");
      const deny = r.get("NetworkPolicy", "default-deny");
      expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      const dns = r.get("NetworkPolicy", "allow-dns").spec.egress;
      expect(dns).toHaveLength(1);
      expect(dns[0].to[0].namespaceSelector.matchLabels).toEqual({
        "kubernetes.io/metadata.name": "kube-system",
      });
      expect(dns[0].to[0].podSelector.matchLabels).toEqual({ "k8s-app": "kube-dns" });
      expect(dns[0].to[1]).toEqual({ ipBlock: { cidr: "169.254.20.10/32" } });
      expect(dns[0].ports).toEqual([
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
      ]);
      let httpsRules = 0;
      for (const p of policies) {
        for (const rule of p.spec.egress ?? []) {
          for (const peer of rule.to ?? []) {
            if (!peer.ipBlock) continue;
            const ports = (rule.ports ?? []).map((pt: Obj) => pt.port);
            expect(
              ports.length,
              `${p.metadata.name}: an ipBlock egress rule must name its ports`,
            ).toBeGreaterThan(0);
            if (peer.ipBlock.cidr === "0.0.0.0/0") {
              expect(ports, p.metadata.name).toEqual([443]);
              expect(peer.ipBlock.except, p.metadata.name).toEqual(PRIVATE_RANGES);
              httpsRules++;
            }
          }
        }
        for (const rule of p.spec.ingress ?? []) {
          expect(rule.from?.length ?? 0, `${p.metadata.name}: ingress from anywhere`).toBeGreaterThan(0);
          expect(rule.ports?.length ?? 0, `${p.metadata.name}: ingress on every port`).toBeGreaterThan(0);
        }
      }
      expect(httpsRules).toBeGreaterThanOrEqual(SERVICES.length);
      // 8080 exactly along the call graph (each caller's env names its callees; validate's
      // network/* rules check the policies against it, test/manifests/controllers/network.test.ts)
      const CALLERS: Record<string, string[]> = {
        "api-gateway": [],
        orchestrator: ["api-gateway"],
        "agent-services": ["orchestrator"],
        "a2a-server": ["orchestrator", "agent-services"],
        "vertex-ai-client": ["a2a-server"],
      };
      for (const name of SERVICES) {
        const p = r.get("NetworkPolicy", name);
        expect(p.spec.podSelector.matchLabels).toEqual({ app: name });
        const callers = CALLERS[name] ?? [];
        const fromApps = p.spec.ingress.find((rule: Obj) => rule.from?.[0]?.podSelector);
        if (callers.length === 0) expect(fromApps, name).toBeUndefined();
        else {
          expect(fromApps.from[0].podSelector.matchExpressions[0].values, name).toEqual(callers);
          expect(fromApps.ports).toEqual([{ protocol: "TCP", port: 8080 }]);
        }
        const scrape = p.spec.ingress.find((rule: Obj) => rule.from?.[0]?.namespaceSelector);
        expect(scrape.from[0].namespaceSelector.matchLabels).toEqual({
          "kubernetes.io/metadata.name": "monitoring",
        });
        expect(scrape.ports).toEqual([{ protocol: "TCP", port: 9090 }]);
      }
      const redisClients = r.get("NetworkPolicy", "redis").spec.ingress[0];
      expect(redisClients.from[0].podSelector.matchExpressions[0].values).toEqual([
        "a2a-server",
        "vertex-ai-client",
      ]);
      expect(redisClients.ports).toEqual([{ protocol: "TCP", port: 6379 }]);
    });

    it("gives each service a Service over all its pods and a canary Service, and ports http/metrics", () => {
      for (const name of SERVICES) {
        const ro = r.get("Rollout", name);
        expect(ro.spec.strategy.canary.canaryService).toBe(`${name}-canary`);
        expect(ro.spec.strategy.canary.stableService).toBeUndefined();
        for (const svcName of [name, `${name}-canary`]) {
          const svc = r.get("Service", svcName);
          expect(svc.spec.selector).toEqual({ app: name });
          expect(svc.spec.ports.map((p: Obj) => p.name)).toEqual(["http", "metrics"]);
        }
        const app = ro.spec.template.spec.containers[0];
        expect(app.ports).toEqual([
          { name: "http", containerPort: 8080 },
          { name: "metrics", containerPort: 9090 },
        ]);
        const analysis = ro.spec.strategy.canary.analysis;
        // the contract's two templates and args; rollouts/ may add a component's own signals
        expect(analysis.templates).toEqual(
          expect.arrayContaining([
            { templateName: "ngx-error-rate", clusterScope: true },
            { templateName: "ngx-latency-p95", clusterScope: true },
          ]),
        );
        expect(analysis.args).toEqual(
          expect.arrayContaining([
            { name: "service", value: name },
            { name: "namespace", value: "ngx-agents" },
            { name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } },
            { name: "stable-hash", valueFrom: { podTemplateHashValue: "Stable" } },
          ]),
        );
      }
    });

    it("exposes only the API gateway, over HTTPS with a managed certificate on the environment's host", () => {
      const host =
        x.env === "production" ? "api.ngx-agents.example.com" : `api.${x.env}.ngx-agents.example.com`;
      const ingresses = r.all("Ingress");
      expect(ingresses.map((i) => i.metadata.name)).toEqual(["api-gateway"]);
      const ing = ingresses[0] as Obj;
      expect(ing.metadata.annotations).toMatchObject({
        "kubernetes.io/ingress.class": "gce",
        "kubernetes.io/ingress.global-static-ip-name": `ngx-agents-api-${x.env}`,
        "networking.gke.io/managed-certificates": "api-gateway",
        "networking.gke.io/v1beta1.FrontendConfig": "api-gateway",
      });
      expect(ing.spec.rules).toEqual([
        {
          host,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "api-gateway", port: { name: "http" } } },
              },
            ],
          },
        },
      ]);
      expect(r.get("ManagedCertificate", "api-gateway").spec.domains).toEqual([host]);
      expect(r.get("FrontendConfig", "api-gateway").spec.redirectToHttps.enabled).toBe(true);
      const svc = r.get("Service", "api-gateway");
      expect(svc.metadata.annotations["cloud.google.com/neg"]).toBe('{"ingress": true}');
      expect(r.get("BackendConfig", "api-gateway").spec.healthCheck).toMatchObject({
        requestPath: "/readyz",
        port: 8080,
      });
      for (const s of r.all("Service")) {
        expect(s.spec.type ?? "ClusterIP", s.metadata.name).toBe("ClusterIP");
      }
    });

    it("reaches Cloud SQL from agent-services through the Auth Proxy native sidecar with IAM login", () => {
      const spec = r.get("Rollout", "agent-services").spec.template.spec;
      const proxy = spec.initContainers[0];
      expect(proxy.name).toBe("cloud-sql-proxy");
      expect(proxy.restartPolicy).toBe("Always");
      expect(proxy.args).toEqual(expect.arrayContaining(["--auto-iam-authn", "--private-ip"]));
      expect(proxy.startupProbe).toBeDefined();
      const env = Object.fromEntries(spec.containers[0].env.map((e: Obj) => [e.name, e.value]));
      expect(env.DB_USER).toBe("agent-services@$(GCP_PROJECT_ID).iam");
      const cm = r.get("ConfigMap", "ngx-agents-config").data;
      expect(cm.CLOUD_SQL_CONNECTION_NAME).toBe(`${x.project}:us-central1:ngx-agents`);
      expect([cm.DB_HOST, cm.DB_PORT]).toEqual(["127.0.0.1", "5432"]);
    });
  });
  return () => r;
}
