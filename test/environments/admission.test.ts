// The cluster's registry allowlist: the ValidatingAdmissionPolicy of every rendered environment,
// evaluated with the CEL implementation validate uses (@bufbuild/cel, pipeline/src/manifests/cel.ts) the way the API server applies it —
// matchConditions, then variables in order, then validations and their messageExpression
// (kubernetes.io "Validating Admission Policy": variables are evaluated lazily in the order
// listed, validations fail the request with the message when false). It admits every workload the
// overlays render and refuses a foreign or look-alike registry in any container of a Pod,
// Deployment, CronJob or Rollout template.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { evaluateExpression } from "../../pipeline/src/manifests/cel.js";
import { type Obj, type Rendered, ROOT, render } from "./rendered.js";

const config = parse(readFileSync(join(ROOT, "environments", "promotion.yaml"), "utf8")) as {
  allowedRegistries: string[];
  environments: { name: string; namespace: string }[];
};
const cel = { evaluate: evaluateExpression };

interface Verdict {
  readonly matched: boolean;
  readonly allowed: boolean;
  readonly message?: string;
}

/** Applies the policy to an object as the API server's CEL admission does. */
function admit(policy: Obj, object: Obj): Verdict {
  const context: { object: Obj; variables: Record<string, unknown> } = { object, variables: {} };
  for (const c of policy.spec.matchConditions ?? []) {
    if (cel.evaluate(c.expression, context) !== true) return { matched: false, allowed: true };
  }
  for (const v of policy.spec.variables ?? [])
    context.variables[v.name] = cel.evaluate(v.expression, context);
  for (const v of policy.spec.validations) {
    if (cel.evaluate(v.expression, context) !== true)
      return { matched: true, allowed: false, message: String(cel.evaluate(v.messageExpression, context)) };
  }
  return { matched: true, allowed: true };
}

const NAME = "ngx-agents-allowed-registries";
const envs = config.environments.map((e) => e.name);
const rendered = new Map<string, Rendered>();
beforeAll(async () => {
  for (const env of envs) rendered.set(env, await render(env));
});
const policyOf = (env: string) => rendered.get(env)?.get("ValidatingAdmissionPolicy", NAME) as Obj;

/** the pod spec inside an object the policy matches */
function podSpecOf(o: Obj): Obj {
  if (o.kind === "Pod") return o.spec;
  if (o.kind === "CronJob") return o.spec.jobTemplate.spec.template.spec;
  return o.spec.template.spec;
}
const MATCHED_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Rollout"];

describe.each(envs)("%s: ValidatingAdmissionPolicy on the registry allowlist", (env) => {
  it("holds exactly allowedRegistries of environments/promotion.yaml", () => {
    const expression = policyOf(env).spec.variables.find((v: Obj) => v.name === "allowedRegistries")
      .expression as string;
    expect(cel.evaluate(expression, {})).toEqual(config.allowedRegistries);
  });

  it("is bound with Deny to the environment's namespace", () => {
    const binding = rendered.get(env)?.get("ValidatingAdmissionPolicyBinding", NAME) as Obj;
    const namespace = config.environments.find((e) => e.name === env)?.namespace;
    expect(binding.spec).toEqual({
      policyName: NAME,
      validationActions: ["Deny"],
      matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } },
    });
    const rules = policyOf(env).spec.matchConstraints.resourceRules as Obj[];
    const resources = rules.flatMap((r: Obj) => r.resources as string[]);
    expect(resources.sort()).toEqual(
      [
        "pods",
        "deployments",
        "statefulsets",
        "daemonsets",
        "replicasets",
        "jobs",
        "cronjobs",
        "rollouts",
      ].sort(),
    );
    for (const r of rules) expect(r.operations).toEqual(["CREATE", "UPDATE"]);
  });

  it("admits every workload the overlay renders, and the pods they create", () => {
    const policy = policyOf(env);
    const workloads = (rendered.get(env)?.objects ?? []).filter((o) => MATCHED_KINDS.includes(o.kind));
    expect(workloads.length).toBeGreaterThan(5);
    for (const o of workloads) {
      expect(admit(policy, o), `${o.kind}/${o.metadata.name}`).toEqual({ matched: true, allowed: true });
      const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: podSpecOf(o) };
      expect(admit(policy, pod), `pod of ${o.kind}/${o.metadata.name}`).toEqual({
        matched: true,
        allowed: true,
      });
    }
  });

  const bad: [string, string, ...string[]] = [
    "docker.io/attacker/miner:1.0",
    "us-central1-docker.pkg.dev.evil.example/ngx-agents/ngx/orchestrator:1.3.0",
    "us-central1-docker.pkg.dev/ngx-agents/ngxevil/orchestrator:1.3.0",
    "docker.io/library/redis-miner:7",
    "redis:7.4.2-alpine",
  ];

  it.each(bad)("refuses a Rollout whose template runs %s, naming the image", (image) => {
    const rollout = structuredClone(rendered.get(env)?.get("Rollout", "orchestrator") as Obj);
    rollout.spec.template.spec.containers[0].image = image;
    expect(admit(policyOf(env), rollout)).toEqual({
      matched: true,
      allowed: false,
      message: `image ${image} is not from an allowed registry (allowedRegistries in environments/promotion.yaml)`,
    });
  });

  it("refuses a foreign image in an init container of a Deployment or CronJob and an ephemeral container of a Pod", () => {
    const policy = policyOf(env);
    const objects = rendered.get(env)?.objects ?? [];
    const deployment = structuredClone(objects.find((o) => o.kind === "Deployment") as Obj);
    deployment.spec.template.spec.initContainers = [{ name: "x", image: bad[0] }];
    expect(admit(policy, deployment).allowed).toBe(false);
    const cronJob = objects.find((o) => o.kind === "CronJob");
    if (cronJob) {
      const c = structuredClone(cronJob);
      c.spec.jobTemplate.spec.template.spec.initContainers = [{ name: "x", image: bad[1] }];
      expect(admit(policy, c)).toMatchObject({ allowed: false, message: expect.stringContaining(bad[1]) });
    }
    const pod = {
      kind: "Pod",
      spec: {
        containers: [{ name: "a", image: `${config.allowedRegistries[0]}/a:1` }],
        ephemeralContainers: [{ name: "debug", image: bad[0] }],
      },
    };
    expect(admit(policy, pod)).toMatchObject({ allowed: false, message: expect.stringContaining(bad[0]) });
  });

  it("skips a Rollout without a template of its own (workloadRef): its pods are checked as Pods", () => {
    const rollout = {
      kind: "Rollout",
      spec: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "x" } },
    };
    expect(admit(policyOf(env), rollout)).toEqual({ matched: false, allowed: true });
  });
});
