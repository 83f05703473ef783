// The AppProject's CI roles (rollouts/argocd/appproject.yaml): one per environment, each allowed on its
// own application only `get`, the Rollout `abort` action and the CronJob `create-job` action — the
// calls ngx-release makes (rollback/abort.ts, backup/run.ts) — in Argo CD's RBAC policy syntax
// (`p, proj:<project>:<role>, applications, <action>, <project>/<app>, allow`; resource actions as
// `action/<group>/<kind>/<name>`), and the project still passes schema validation.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CREATE_JOB_ACTION } from "../../pipeline/src/backup/run.js";
import type { K8sObject } from "../../pipeline/src/manifests/render.js";
import { checkObjects } from "../../pipeline/src/manifests/validate.js";
import { ROOT } from "./rendered.js";

const project = parse(
  readFileSync(join(ROOT, "rollouts", "argocd", "appproject.yaml"), "utf8"),
) as K8sObject & {
  spec: { roles: { name: string; policies: string[]; groups?: string[]; jwtTokens?: unknown }[] };
};
const chain = parse(readFileSync(join(ROOT, "environments", "promotion.yaml"), "utf8")) as {
  environments: { name: string; argocdApplication: string }[];
};

describe("AppProject roles for the CI tokens", () => {
  it("one role per environment, nothing else", () => {
    expect(project.spec.roles.map((r) => r.name)).toEqual(chain.environments.map((e) => `ci-${e.name}`));
    for (const r of project.spec.roles) {
      // tokens are issued at run time (argocd proj role create-token), never kept in Git; no SSO group
      expect(r.jwtTokens).toBeUndefined();
      expect(r.groups).toBeUndefined();
    }
  });

  it.each(chain.environments.map((e) => [e.name, e.argocdApplication]))(
    "ci-%s: get, Rollout abort and CronJob create-job on %s only",
    (env, app) => {
      const role = project.spec.roles.find((r) => r.name === `ci-${env}`);
      const rows = (role?.policies ?? []).map((p) => p.split(",").map((f) => f.trim()));
      for (const row of rows) {
        expect(row).toHaveLength(6);
        expect(row[0]).toBe("p");
        expect(row[1]).toBe(`proj:ngx-agents:ci-${env}`);
        expect(row[2]).toBe("applications");
        expect(row[4]).toBe(`ngx-agents/${app}`);
        expect(row[5]).toBe("allow");
        expect(row.join(",")).not.toContain("*");
      }
      expect(rows.map((r) => r[3]).sort()).toEqual(
        ["get", "action/argoproj.io/Rollout/abort", `action/batch/CronJob/${CREATE_JOB_ACTION}`].sort(),
      );
    },
  );

  it("the AppProject with its roles passes schema validation (unknown fields rejected)", () => {
    const findings = checkObjects({ name: "argocd", requireDigests: false }, [project]);
    expect(findings.filter((f) => f.rule.startsWith("schema/"))).toEqual([]);
    const broken = structuredClone(project);
    (broken.spec.roles[0] as Record<string, unknown>).polices = ["p, x"];
    expect(checkObjects({ name: "argocd", requireDigests: false }, [broken]).map((f) => f.rule)).toContain(
      "schema/unknown-field",
    );
  });
});
