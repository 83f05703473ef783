// The repository's own rollouts/ wiring, rendered with real kustomize: every environment's Rollouts
// reference templates that exist and check; thresholds come from settings.yaml; the Argo CD and
// notification objects agree with environments/promotion.yaml.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { findKustomize } from "../../pipeline/src/adapters/kustomize.js";
import { planAnalysis } from "../../pipeline/src/analysis/run.js";
import {
  canarySteps,
  checkTemplate,
  formatCanarySteps,
  loadTemplates,
  rollouts,
} from "../../pipeline/src/analysis/templates.js";
import { loadRepo, type Repo } from "../../pipeline/src/config/load.js";
import { type K8sObject, parseObjects, renderEnvironment } from "../../pipeline/src/manifests/render.js";
import { REPO_ROOT } from "./fixture-repo.js";

const build = async (dir: string) =>
  parseObjects(await (await findKustomize()).build(join(REPO_ROOT, dir)), dir);

describe("rollouts/ in this repository", () => {
  let repo: Repo;
  const rendered = new Map<string, readonly K8sObject[]>();
  beforeAll(async () => {
    repo = loadRepo(REPO_ROOT);
    for (const env of repo.environments)
      rendered.set(env.name, (await renderEnvironment(repo, env.name)).objects);
  });

  it("every environment's Rollouts plan analysis against templates that exist and check", async () => {
    for (const env of repo.environments) {
      const objects = rendered.get(env.name) ?? [];
      const list = rollouts(objects);
      expect(list.length, env.name).toBe(5);
      const templates = await loadTemplates(repo, objects);
      for (const t of templates.values()) expect(checkTemplate(t), t.metadata.name).toEqual([]);
      const plans = planAnalysis(list, templates, { canaryHash: "abc123", stableHash: "def456" });
      const byRollout = (name: string) => plans.filter((p) => p.rollout === name).map((p) => p.template);
      expect(byRollout("orchestrator"), env.name).toEqual(
        env.name === "dev"
          ? ["ngx-error-rate", "ngx-latency-p95"]
          : ["ngx-error-rate", "ngx-latency-p95", "ngx-error-rate-comparison", "ngx-latency-comparison"],
      );
      for (const p of plans) {
        expect(p.query).toContain('rollouts_pod_template_hash="abc123"');
        expect(p.query).toContain(`app="${p.rollout}"`);
        expect(p.query).toMatch(/or on\(\) vector\(-1\)$/);
      }
      if (env.name !== "dev") {
        expect(byRollout("vertex-ai-client")).toContain("ngx-vertex-ai-error-rate");
        expect(byRollout("a2a-server")).toContain("ngx-a2a-latency-p95");
      }
    }
  });

  it("production runs 20% → 30m → 50% → 1h → 100% on every Rollout, with links and subscriptions", () => {
    for (const r of rollouts(rendered.get("production") ?? [])) {
      expect(formatCanarySteps(canarySteps(r))).toBe("20% → pause 30m → 50% → pause 1h → 100%");
      const a = r.metadata.annotations ?? {};
      expect(a["link.argocd.argoproj.io/runbook"]).toMatch(/^https:\/\//);
      expect(a["link.argocd.argoproj.io/external-link"]).toMatch(/grafana/);
      expect(a).toHaveProperty(["notifications.argoproj.io/subscribe.on-rollout-aborted.github-dispatch"]);
      expect(a).toHaveProperty([
        "notifications.argoproj.io/subscribe.on-analysis-run-failed.github-dispatch",
      ]);
    }
  });

  it("takes thresholds and intervals from settings.yaml only", async () => {
    const settings = parse(readFileSync(join(REPO_ROOT, "rollouts/analysis/settings.yaml"), "utf8")).spec;
    const templates = (await build("rollouts/analysis")).filter((o) => o.kind === "ClusterAnalysisTemplate");
    expect(templates.map((t) => t.metadata.name).sort()).toEqual([
      "ngx-a2a-latency-p95",
      "ngx-error-rate",
      "ngx-error-rate-comparison",
      "ngx-latency-comparison",
      "ngx-latency-p95",
      "ngx-vertex-ai-error-rate",
    ]);
    const text = JSON.stringify(templates);
    expect(text).not.toMatch(
      /WINDOW|MIN_REQUESTS|MAX_|INTERVAL|INITIAL_DELAY|PROMETHEUS_ADDRESS|CRITICAL_Z|MARGIN|QUANTILE|AnalysisSettings/,
    );
    const arg = (name: string, a: string) => {
      const spec = templates.find((t) => t.metadata.name === name)?.spec as
        | { args: { name: string; value?: string }[] }
        | undefined;
      return spec?.args.find((x) => x.name === a)?.value;
    };
    expect(arg("ngx-error-rate", "max-error-ratio")).toBe(settings.errorRate.max);
    expect(arg("ngx-latency-p95", "max-p95-seconds")).toBe(settings.latencyP95.maxSeconds);
    for (const t of templates) {
      const m = (t.spec as { metrics: Record<string, unknown>[] }).metrics[0] ?? {};
      expect(m).toMatchObject({
        interval: settings.interval,
        initialDelay: settings.initialDelay,
        failureLimit: settings.failureLimit,
        inconclusiveLimit: settings.inconclusiveLimit,
        consecutiveErrorLimit: settings.consecutiveErrorLimit,
      });
      expect(m.provider).toEqual({
        prometheus: expect.objectContaining({ address: settings.prometheusAddress }),
      });
    }
  });

  it("renders ClusterAnalysisTemplates without a namespace where kustomize lets us (rollouts/analysis)", async () => {
    for (const t of await build("rollouts/analysis")) expect(t.metadata.namespace).toBeUndefined();
  });

  it("bootstraps Argo CD from the root: one Application per environment of promotion.yaml", async () => {
    const objects = await build(".");
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "AppProject/ngx-agents",
      "ApplicationSet/ngx-agents",
      "ConfigMap/argocd-notifications-cm",
      "ExternalSecret/argocd-notifications-secret",
      "SecretStore/argocd-dispatch-token",
      "ServiceAccount/argocd-dispatch-token",
    ]);
    const appset = objects.find((o) => o.kind === "ApplicationSet") as K8sObject & {
      spec: {
        generators: { list: { elements: { env: string }[] } }[];
        template: { metadata: { name: string } };
      };
    };
    const envs = appset.spec.generators[0]?.list.elements.map((e) => e.env);
    expect(envs).toEqual(repo.environments.map((e) => e.name));
    for (const env of repo.environments)
      expect(appset.spec.template.metadata.name.replace("{{ .env }}", env.name)).toBe(env.argocdApplication);
    const project = objects.find((o) => o.kind === "AppProject") as K8sObject & {
      spec: {
        sourceRepos: string[];
        clusterResourceWhitelist: { kind: string }[];
        namespaceResourceWhitelist: { group: string; kind: string }[];
      };
    };
    expect(project.spec.sourceRepos).toEqual([`https://github.com/${repo.config.repository}.git`]);
    // every kind the overlays render is allowed, and nothing else
    const allowed = new Set(
      [...project.spec.clusterResourceWhitelist, ...project.spec.namespaceResourceWhitelist].map(
        (k) => k.kind,
      ),
    );
    const used = new Set([...rendered.values()].flat().map((o) => o.kind));
    for (const k of (await build("rollouts/notifications")).map((o) => o.kind)) used.add(k);
    expect([...allowed].sort()).toEqual([...used].sort());
  });

  it("notifies GitHub repository_dispatch 'rollout-aborted' on abort and on failed analysis", async () => {
    const [cm] = (await build("rollouts/notifications")).filter((o) => o.kind === "ConfigMap");
    const data = (cm as K8sObject & { data: Record<string, string> }).data;
    expect(cm?.metadata).toMatchObject({
      name: "argo-rollouts-notification-configmap",
      namespace: "argo-rollouts",
    });
    expect(parse(data["service.webhook.github-dispatch"] ?? "")).toMatchObject({
      url: "https://api.github.com",
      headers: expect.arrayContaining([{ name: "Authorization", value: "Bearer $github-token" }]),
    });
    for (const [trigger, template] of [
      ["on-rollout-aborted", "rollout-aborted"],
      ["on-analysis-run-failed", "analysis-run-failed"],
    ] as const) {
      expect(parse(data[`trigger.${trigger}`] ?? "")).toEqual([{ send: [template] }]);
      const hook = parse(data[`template.${template}`] ?? "").webhook["github-dispatch"];
      expect(hook.method).toBe("POST");
      expect(hook.path).toBe(`/repos/${repo.config.repository}/dispatches`);
      expect(hook.body).toContain('"event_type": "rollout-aborted"');
      for (const field of ["environment", "rollout", "revision", "images", "message"])
        expect(hook.body).toContain(`"${field}":`);
    }
  });
});
