// dev and staging, asserted on their rendered overlays: the common checks, smaller than
// production, KEDA scale-to-zero instead of the HPAs (never both on one Rollout), their canary
// steps, images, and the backup schedule (staging weekly, dev none).
import { beforeAll, describe, expect, it } from "vitest";
import { commonChecks } from "./common.js";
import { type Obj, quantity, type Rendered, render, SERVICES } from "./rendered.js";

const dev = commonChecks({ env: "dev", project: "ngx-agents-dev", appImages: "tag" });
const staging = commonChecks({ env: "staging", project: "ngx-agents-staging", appImages: "digest" });

let production: Rendered;
beforeAll(async () => {
  production = await render("production");
});

function appResources(r: Rendered, name: string): Obj {
  return r.get("Rollout", name).spec.template.spec.containers[0].resources;
}

describe.each([
  ["dev", dev],
  ["staging", staging],
] as const)("%s: smaller than production, asleep outside working hours", (env, rendered) => {
  it("gives every service less CPU and memory than production (requests and limits)", () => {
    for (const name of SERVICES) {
      const mine = appResources(rendered(), name);
      const prod = appResources(production, name);
      for (const kind of ["requests", "limits"]) {
        for (const res of ["cpu", "memory"]) {
          expect(quantity(mine[kind][res]), `${env} ${name} ${kind}.${res}`).toBeLessThanOrEqual(
            quantity(prod[kind][res]),
          );
        }
      }
      const total = (r: Obj) => quantity(r.requests.cpu) + quantity(r.requests.memory) / 2 ** 30;
      expect(total(mine), `${env} ${name}`).toBeLessThan(total(prod));
    }
    const redis = rendered().get("StatefulSet", "redis").spec.template.spec.containers[0];
    const maxmemory = quantity(redis.args[1].replace("mb", "Mi").replace("gb", "Gi"));
    expect(redis.args[0]).toBe("--maxmemory");
    expect(maxmemory, "maxmemory must fit the container").toBeLessThan(
      quantity(redis.resources.limits.memory),
    );
  });

  it("scales each Rollout with one KEDA ScaledObject (cron + CPU/memory) and no HPA", () => {
    const r = rendered();
    expect(r.all("HorizontalPodAutoscaler")).toEqual([]);
    const scaled = r.all("ScaledObject");
    expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual([...SERVICES].sort());
    for (const so of scaled) {
      expect(so.spec.scaleTargetRef.kind).toBe("Rollout");
      expect(so.spec.scaleTargetRef.apiVersion).toBe("argoproj.io/v1alpha1");
      expect(so.spec.minReplicaCount).toBe(0);
      expect(so.spec.maxReplicaCount).toBeLessThan(10);
      expect(so.spec.triggers.map((t: Obj) => t.type)).toEqual(["cron", "cpu", "memory"]);
      expect(so.spec.triggers[0].metadata).toMatchObject({
        timezone: "Europe/Madrid",
        start: "0 8 * * 1-5",
        end: "0 20 * * 1-5",
        desiredReplicas: "1",
      });
      expect(r.get("Rollout", so.spec.scaleTargetRef.name).spec.replicas).toBeUndefined();
    }
  });

  it("sets its own environment, project and model", () => {
    const data = rendered().get("ConfigMap", "ngx-agents-config").data;
    expect(data.ENVIRONMENT).toBe(env);
    expect(data.VERTEX_AI_PROJECT_ID).toBe(`ngx-agents-${env}`);
    expect(data.VERTEX_AI_MODEL_ID).toMatch(/^gemini-/);
    expect(data.BACKUP_BUCKET).toBe(`ngx-agents-backups-${env}`);
  });
});

describe("dev and staging: canary steps and backups", () => {
  it("runs the dev canary (50 %, 1 min) and the staging one (20 %, 5 min, 50 %, 10 min)", () => {
    for (const name of SERVICES) {
      expect(dev().get("Rollout", name).spec.strategy.canary.steps).toEqual([
        { setWeight: 50 },
        { pause: { duration: "1m" } },
      ]);
      expect(staging().get("Rollout", name).spec.strategy.canary.steps).toEqual([
        { setWeight: 20 },
        { pause: { duration: "5m" } },
        { setWeight: 50 },
        { pause: { duration: "10m" } },
      ]);
    }
  });

  it("backs up staging weekly and dev not at all", () => {
    const cj = staging().get("CronJob", "db-backup");
    expect(cj.spec.schedule).toBe("0 2 * * 0");
    expect(cj.spec.timeZone).toBe("Europe/Madrid");
    expect(cj.spec.concurrencyPolicy).toBe("Forbid");
    expect(dev().all("CronJob")).toEqual([]);
    expect(
      dev()
        .all("ServiceAccount")
        .map((s) => s.metadata.name),
    ).not.toContain("db-backup");
  });
});
