// The production figures of the NGX Agents configuration, asserted on the RENDERED production
// overlay (kustomize build environments/production), not on the source files.
import { describe, expect, it } from "vitest";
import { commonChecks } from "./common.js";
import { confLines, type Obj, podTemplate, SERVICES, workloads } from "./rendered.js";

const rendered = commonChecks({ env: "production", project: "ngx-agents-prod", appImages: "digest" });

const RESOURCES: Record<string, { requests: Obj; limits: Obj }> = {
  orchestrator: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2000m", memory: "2Gi" } },
  "agent-services": { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1000m", memory: "1Gi" } },
  "a2a-server": { requests: { cpu: "1000m", memory: "2Gi" }, limits: { cpu: "4000m", memory: "4Gi" } },
  "vertex-ai-client": { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2000m", memory: "2Gi" } },
};

describe("production: figures of the production configuration", () => {
  it("gives each component the requests and limits of the configuration table", () => {
    const r = rendered();
    for (const [name, resources] of Object.entries(RESOURCES)) {
      const app = r.get("Rollout", name).spec.template.spec.containers[0];
      expect(app.name).toBe(name);
      expect(app.resources, name).toEqual(resources);
    }
  });

  it("autoscales every service on its Rollout: HPA v2, min 3, max 10, CPU 70 %, memory 80 %", () => {
    const r = rendered();
    expect(r.all("HorizontalPodAutoscaler").map((h) => h.metadata.name)).toEqual(
      expect.arrayContaining([...SERVICES]),
    );
    expect(r.all("ScaledObject")).toEqual([]);
    for (const name of SERVICES) {
      const hpa = r.get("HorizontalPodAutoscaler", name);
      expect(hpa.apiVersion).toBe("autoscaling/v2");
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name });
      expect(r.get("Rollout", name).spec.replicas, "replicas belong to the HPA").toBeUndefined();
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 10]);
      expect(hpa.spec.metrics).toEqual([
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
        },
        {
          type: "Resource",
          resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } },
        },
      ]);
    }
  });

  it("spreads each service: preferred anti-affinity per node (weight 100), zones, PDB", () => {
    const r = rendered();
    for (const name of SERVICES) {
      const spec = r.get("Rollout", name).spec.template.spec;
      expect(spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: "kubernetes.io/hostname",
            labelSelector: { matchLabels: { app: name } },
          },
        },
      ]);
      expect(spec.topologySpreadConstraints[0]).toMatchObject({
        topologyKey: "topology.kubernetes.io/zone",
        maxSkew: 1,
        labelSelector: { matchLabels: { app: name } },
      });
      const pdb = r.get("PodDisruptionBudget", name);
      expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { app: name } } });
    }
  });

  it("runs the full canary: 20 % → 30 min → 50 % → 1 h on every Rollout", () => {
    const r = rendered();
    for (const name of SERVICES) {
      expect(r.get("Rollout", name).spec.strategy.canary.steps, name).toEqual([
        { setWeight: 20 },
        { pause: { duration: "30m" } },
        { setWeight: 50 },
        { pause: { duration: "1h" } },
      ]);
    }
  });

  it("configures Redis as the configuration says, with a 10Gi RWO SSD volume and a required password", () => {
    const r = rendered();
    const conf = confLines(r.get("ConfigMap", "redis-config").data["redis.conf"]);
    expect(conf).toEqual(
      expect.arrayContaining([
        "maxmemory 2gb",
        "maxmemory-policy allkeys-lru",
        "appendonly yes",
        "save 900 1",
        "save 300 10",
        "save 60 10000",
        "tcp-keepalive 60",
        "timeout 300",
        "notify-keyspace-events KEA",
        "include /etc/redis/auth/auth.conf",
      ]),
    );
    const sts = r.get("StatefulSet", "redis");
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      storageClassName: "premium-rwo",
      resources: { requests: { storage: "10Gi" } },
    });
    const redis = sts.spec.template.spec.containers[0];
    expect(redis.command).toEqual(["redis-server", "/etc/redis/redis.conf"]);
    expect(redis.args, "production keeps maxmemory 2gb").toBeUndefined();
    // the container must hold maxmemory (2 GiB) plus fork headroom
    expect(redis.resources.limits.memory).toBe("3Gi");
    const auth = sts.spec.template.spec.volumes.find((v: Obj) => v.name === "auth");
    expect(auth.secret.secretName).toBe("redis-auth");
    const es = r.get("ExternalSecret", "redis-auth");
    expect(es.spec.target.template.data["auth.conf"]).toMatch(/^requirepass \{\{ \.password \}\}/);
    expect(es.spec.data).toEqual([
      { secretKey: "password", remoteRef: { key: "ngx-agents-redis-password" } },
    ]);
    for (const client of ["a2a-server", "vertex-ai-client"]) {
      const env = r.get("Rollout", client).spec.template.spec.containers[0].env;
      expect(env).toContainEqual({
        name: "REDIS_PASSWORD",
        valueFrom: { secretKeyRef: { name: "redis-auth", key: "password" } },
      });
    }
  });

  it("holds every configuration key, with a current Gemini model instead of text-bison", () => {
    const data = rendered().get("ConfigMap", "ngx-agents-config").data;
    expect(data).toMatchObject({
      ENVIRONMENT: "production",
      LOG_LEVEL: "info",
      A2A_MAX_RETRIES: "3",
      A2A_RETRY_DELAY: "1000",
      A2A_CIRCUIT_BREAKER_THRESHOLD: "5",
      A2A_CIRCUIT_BREAKER_TIMEOUT: "30000",
      VERTEX_AI_PROJECT_ID: "ngx-agents-prod",
      VERTEX_AI_LOCATION: "us-central1",
      VERTEX_AI_MODEL_ID: "gemini-2.5-flash",
      VERTEX_AI_CACHE_TTL: "3600",
      VERTEX_AI_POOL_SIZE: "10",
      VERTEX_AI_MAX_TOKENS: "1024",
      REDIS_DB: "0",
      REDIS_CACHE_TTL: "3600",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector:4317",
      OTEL_SERVICE_NAME: "ngx-agents",
      OTEL_RESOURCE_ATTRIBUTES: "service.namespace=ngx,deployment.environment=production",
      DB_HOST: "127.0.0.1",
      DB_PORT: "5432",
      DB_NAME: "ngx_agents",
      // the Auth Proxy encrypts the hop to Cloud SQL and does not speak TLS on localhost
      DB_SSL_MODE: "disable",
    });
    expect(JSON.stringify(data)).not.toContain("text-bison");
    // where a service connects is set only on its callers (the call graph the NetworkPolicies allow)
    const envOf = (name: string) =>
      Object.fromEntries(
        (
          rendered().get("Rollout", name).spec.template.spec.containers as {
            name: string;
            env?: { name: string; value?: string }[];
          }[]
        )
          .find((c) => c.name === name)
          ?.env?.filter((e) => e.value !== undefined)
          .map((e) => [e.name, e.value]) ?? [],
      );
    expect(envOf("orchestrator")).toMatchObject({ A2A_SERVER_HOST: "a2a-server", A2A_SERVER_PORT: "8080" });
    expect(envOf("agent-services")).toMatchObject({ A2A_SERVER_HOST: "a2a-server", A2A_SERVER_PORT: "8080" });
    for (const client of ["a2a-server", "vertex-ai-client"])
      expect(envOf(client)).toMatchObject({ REDIS_HOST: "redis", REDIS_PORT: "6379" });
    for (const other of ["api-gateway", "vertex-ai-client"])
      expect(envOf(other).A2A_SERVER_HOST).toBeUndefined();
    for (const name of SERVICES) {
      const c = rendered().get("Rollout", name).spec.template.spec.containers[0];
      expect(c.envFrom).toEqual([{ configMapRef: { name: "ngx-agents-config" } }]);
      expect(c.env).toContainEqual({ name: "OTEL_SERVICE_NAME", value: name });
    }
  });

  it("backs up ngx_agents daily at 02:00 with a bounded, non-overlapping CronJob", () => {
    const r = rendered();
    const cj = r.get("CronJob", "db-backup");
    expect(cj.spec).toMatchObject({
      schedule: "0 2 * * *",
      timeZone: "Europe/Madrid",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    const job = cj.spec.jobTemplate.spec;
    expect(job.backoffLimit).toBe(2);
    expect(job.activeDeadlineSeconds).toBe(1800);
    const pod = podTemplate(cj)?.spec;
    expect(pod.serviceAccountName).toBe("db-backup");
    expect(pod.initContainers[0].restartPolicy).toBe("Always");
    expect(pod.initContainers[0].args).toEqual(expect.arrayContaining(["--auto-iam-authn", "--private-ip"]));
    const dump = pod.initContainers[1].command.join(" ");
    expect(dump).toContain("pg_dump --format=custom");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell variables of the job's script
    expect(dump).toContain("ngx_agents/${day}/ngx_agents-${stamp}.dump");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell variables of the job's script
    expect(pod.containers[0].command.join(" ")).toContain("gs://${BACKUP_BUCKET}/");
    expect(pod.containers[0].command.join(" ")).toContain("> /dev/termination-log");
    expect(r.get("ConfigMap", "ngx-agents-config").data.BACKUP_BUCKET).toBe("ngx-agents-backups-production");
  });

  it("runs only non-critical workloads on Spot VMs", () => {
    const r = rendered();
    const onSpot = workloads(r)
      .filter((w) => podTemplate(w)?.spec.nodeSelector?.["cloud.google.com/gke-spot"] === "true")
      .map((w) => w.metadata.name);
    expect(onSpot).toEqual(["otel-collector"]);
    const spec = r.get("Deployment", "otel-collector").spec.template.spec;
    expect(spec.tolerations).toEqual([
      { key: "cloud.google.com/gke-spot", operator: "Equal", value: "true", effect: "NoSchedule" },
    ]);
  });

  it("receives OTLP on 4317 in the collector and points every service at it", () => {
    const r = rendered();
    const svc = r.get("Service", "otel-collector");
    expect(svc.spec.ports).toContainEqual(expect.objectContaining({ name: "otlp-grpc", port: 4317 }));
    const conf = r.get("ConfigMap", "otel-collector-config").data["config.yaml"];
    expect(conf).toContain("endpoint: 0.0.0.0:4317");
    const p = r.get("NetworkPolicy", "otel-collector");
    expect(p.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 4317 }]);
  });
});
