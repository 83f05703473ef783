// validate and the registry allowlist: an image of a rendered pod template from a registry outside
// allowedRegistries (a look-alike host included) is a policy finding, and the cluster's
// ValidatingAdmissionPolicy must carry the same list and be bound with Deny.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkAdmissionAllowlist,
  parseCelStringList,
} from "../../pipeline/src/manifests/image-registries.js";
import type { K8sObject } from "../../pipeline/src/manifests/render.js";
import { checkObjects } from "../../pipeline/src/manifests/validate.js";
import { runCli } from "../helpers/cli.js";
import { deployment } from "./helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const ALLOWED = ["registry.example.com", "us-central1-docker.pkg.dev/ngx-agents/ngx"];

const policy = (list: string): K8sObject => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicy",
  metadata: { name: "allowed-registries" },
  spec: {
    variables: [
      { name: "other", expression: "1" },
      { name: "allowedRegistries", expression: list },
    ],
  },
});
const binding = (actions: string[]): K8sObject => ({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicyBinding",
  metadata: { name: "allowed-registries" },
  spec: { policyName: "allowed-registries", validationActions: actions },
});
const admission = [
  policy("['registry.example.com', \"us-central1-docker.pkg.dev/ngx-agents/ngx\"]"),
  binding(["Deny"]),
];

describe("policy/image-registry", () => {
  const rules = (objects: K8sObject[], allowed?: readonly string[]) =>
    checkObjects(
      { name: "dev", requireDigests: false },
      objects,
      allowed ? { allowedRegistries: allowed } : {},
    )
      .filter((f) => f.rule.startsWith("policy/image-registry"))
      .map((f) => `${f.object} ${f.path} ${f.rule}: ${f.message}`);

  it("an allowed image and a matching admission policy: no finding; no allowlist configured: not checked", () => {
    expect(rules([deployment("web"), ...admission], ALLOWED)).toEqual([]);
    const foreign = deployment("web");
    foreign.spec.template.spec.containers[0].image = "docker.io/attacker/miner:1.0";
    expect(rules([foreign])).toEqual([]);
  });

  it.each([
    "us-central1-docker.pkg.dev.evil.example/ngx-agents/ngx/web:1.0",
    "docker.io/attacker/miner:1.0",
    "redis:7",
  ])("%s in a pod template is a finding at the container's image", (image) => {
    const web = deployment("web");
    web.spec.template.spec.containers[0].image = image;
    const [f, ...rest] = rules([web, ...admission], ALLOWED);
    expect(rest).toEqual([]);
    expect(f).toMatch(
      /^Deployment\/web spec\.template\.spec\.containers\[0\]\.image policy\/image-registry: container "web": /,
    );
    expect(f).toContain(image);
  });

  it("init containers are checked too", () => {
    const web = deployment("web");
    web.spec.template.spec.initContainers = [
      { ...web.spec.template.spec.containers[0], name: "init", image: "ghcr.io/x/y:1" },
    ];
    expect(rules([web, ...admission], ALLOWED)).toEqual([
      expect.stringMatching(
        /spec\.template\.spec\.initContainers\[0\]\.image policy\/image-registry: container "init"/,
      ),
    ]);
  });
});

describe("policy/image-registry-admission: the cluster enforces the same list", () => {
  const messages = (objects: K8sObject[]) =>
    checkAdmissionAllowlist("dev", objects, ALLOWED).map((f) => f.message);

  it("the same entries (any order, either quote) pass", () => {
    expect(messages(admission)).toEqual([]);
    expect(
      messages([
        policy("[ 'us-central1-docker.pkg.dev/ngx-agents/ngx' ,'registry.example.com' ]"),
        binding(["Deny"]),
      ]),
    ).toEqual([]);
  });

  it("no policy, a different list, an unreadable list, no Deny binding: each a finding", () => {
    expect(messages([])).toEqual([expect.stringMatching(/the cluster would not enforce allowedRegistries/)]);
    expect(messages([policy("['registry.example.com', 'docker.io']"), binding(["Deny"])])).toEqual([
      "allowedRegistries differs from environments/promotion.yaml: missing us-central1-docker.pkg.dev/ngx-agents/ngx; not in promotion.yaml docker.io",
    ]);
    expect(messages([policy("params.registries"), binding(["Deny"])])).toEqual([
      "allowedRegistries is not a list of string literals: params.registries",
    ]);
    expect(messages([admission[0] as K8sObject, binding(["Warn", "Audit"])])).toEqual([
      expect.stringMatching(
        /^no ValidatingAdmissionPolicyBinding with validationActions \[Deny\] binds allowed-registries/,
      ),
    ]);
  });

  it("parseCelStringList reads only plain string lists", () => {
    expect(parseCelStringList("['a', \"b\"]")).toEqual(["a", "b"]);
    expect(parseCelStringList("[]")).toEqual([]);
    expect(parseCelStringList("['a' 'b']")).toBeUndefined();
    expect(parseCelStringList("['a'] + x")).toBeUndefined();
  });
});

describe("ngx-release validate on this repository", () => {
  const dir = mkdtempSync(join(tmpdir(), "ngx-registries-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(ROOT, "environments"), join(dir, "environments"), { recursive: true });
  cpSync(join(ROOT, "rollouts"), join(dir, "rollouts"), { recursive: true });

  it("a look-alike registry host in dev's images: exit 1, the finding names it; a list out of step with the admission policy: exit 1", async () => {
    const overlay = join(dir, "environments", "dev", "kustomization.yaml");
    writeFileSync(
      overlay,
      readFileSync(overlay, "utf8").replace(
        "newName: us-central1-docker.pkg.dev/ngx-agents/ngx/orchestrator",
        "newName: us-central1-docker.pkg.dev.evil.example/ngx-agents/ngx/orchestrator",
      ),
    );
    const config = join(dir, "environments", "promotion.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace("  - quay.io/oliver006/redis_exporter\n", ""));
    const r = await runCli(["--json", "validate", "dev", "--repo", dir]);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as {
      findings: { object: string; path: string; rule: string; message: string }[];
    };
    const byRule = (rule: string) => report.findings.filter((f) => f.rule === rule);
    expect(byRule("policy/image-registry")).toEqual([
      expect.objectContaining({
        object: "Rollout/orchestrator",
        path: "spec.template.spec.containers[0].image",
        message: expect.stringContaining(
          'registry us-central1-docker.pkg.dev.evil.example/ngx-agents/ngx/orchestrator of image "us-central1-docker.pkg.dev.evil.example/ngx-agents/ngx/orchestrator:',
        ),
      }),
      // the exporter's registry was taken off the list: its sidecar is refused as well
      expect.objectContaining({
        object: "StatefulSet/redis",
        message: expect.stringContaining("quay.io/oliver006/redis_exporter"),
      }),
    ]);
    expect(byRule("policy/image-registry-admission").map((f) => f.message)).toEqual([
      "allowedRegistries differs from environments/promotion.yaml: not in promotion.yaml quay.io/oliver006/redis_exporter",
    ]);
  });
});
