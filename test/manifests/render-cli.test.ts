// `ngx-release render <env>` as users run it: the built CLI as a process, real kustomize, fixture repos.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runCli } from "../helpers/cli.js";
import { BROKEN, CHAIN } from "./helpers.js";

const scratch = mkdtempSync(join(tmpdir(), "ngx-render-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const DEV_OBJECTS = [
  "ConfigMap/api-config",
  "Service/api",
  "Service/api-canary",
  "CronJob/cleanup",
  "PodDisruptionBudget/api",
  "ClusterAnalysisTemplate/error-rate",
  "Rollout/api",
  "HorizontalPodAutoscaler/api",
  "ExternalSecret/api-db",
  "PrometheusRule/api",
  "ServiceMonitor/api",
  "NetworkPolicy/api",
];
const refs = (objects: { kind: string; metadata: { name: string } }[]) =>
  objects.map((o) => `${o.kind}/${o.metadata.name}`);

describe("ngx-release render", () => {
  it("prints the overlay's rendered YAML; --json prints the same objects as one array", async () => {
    const yaml = await runCli(["render", "dev", "--repo", CHAIN]);
    expect(yaml.stderr).toBe("");
    expect(yaml.code).toBe(0);
    const docs = parseAllDocuments(yaml.stdout).map((d) => d.toJS());
    expect(refs(docs)).toEqual(DEV_OBJECTS);

    const json = await runCli(["render", "dev", "--repo", CHAIN, "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(docs);
  });

  it("an unknown environment exits 2 listing the valid ones, printing nothing", async () => {
    const r = await runCli(["render", "qa", "--repo", CHAIN]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown environment "qa" (valid: dev, staging, production)');
    expect(r.stdout).toBe("");
  });

  it("an overlay that does not build exits 2 naming the overlay and kustomize's reason", async () => {
    const r = await runCli(["render", "render-fails"], { cwd: BROKEN });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /error: kustomize build environments\/render-fails failed: .*does-not-exist\.yaml/,
    );
    expect(r.stdout).toBe("");
  });

  it("a kustomize older than 5 exits 2 naming its version and how to install a newer one", async () => {
    const old = join(scratch, "kustomize-v4");
    writeFileSync(old, "#!/bin/sh\necho '{Version:kustomize/v4.5.7 GitCommit:abc BuildDate:2022-08-02}'\n");
    chmodSync(old, 0o755);
    const r = await runCli(["render", "dev", "--repo", CHAIN], { env: { KUSTOMIZE_BIN: old } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${old} is kustomize v4.5.7; ngx-release needs kustomize ≥ 5`);
    expect(r.stderr).toContain("install kustomize ≥ 5");
    expect(r.stdout).toBe("");
  });
});
