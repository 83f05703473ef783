// The repository's own load profile aims where the issue says: staging's public entry point (the host
// of staging's api-gateway Ingress) and the gateway's real routes — the Ingress path and the probe
// endpoints of its Rollout — and production's gates require it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { loadRepo } from "../../pipeline/src/config/load.js";

const ROOT = join(import.meta.dirname, "../..");
interface Ingress {
  kind?: string;
  spec: { rules: { host?: string; http: { paths: { path: string }[] } }[] };
}
const docs = (file: string) =>
  parseAllDocuments(readFileSync(join(ROOT, file), "utf8")).map((d) => d.toJS() as Ingress);

describe("environments/promotion.yaml loadTest", () => {
  const repo = loadRepo(ROOT);
  const staging = repo.environments.find((e) => e.name === "staging");
  const lt = staging?.loadTest;

  it("staging's URL is the host of staging's api-gateway Ingress, over https", () => {
    const ingress = docs("environments/staging/ingress.patch.yaml").find((d) => d?.kind === "Ingress");
    const hosts = (ingress?.spec?.rules ?? []).map((r) => r.host);
    const url = new URL(lt?.url ?? "");
    expect(url.protocol).toBe("https:");
    expect(hosts).toContain(url.hostname);
  });

  it("every path of the mix is routed by the Ingress and is a route or probe of the gateway", () => {
    const base = docs("environments/base/api-gateway/ingress.yaml")[0];
    const prefixes = (base?.spec.rules ?? []).flatMap((r) => r.http.paths.map((p) => p.path));
    const rollout = parse(readFileSync(join(ROOT, "environments/base/api-gateway/rollout.yaml"), "utf8"));
    const probes = ["startupProbe", "livenessProbe", "readinessProbe"].map(
      (k) => rollout.spec.template.spec.containers[0][k].httpGet.path,
    );
    for (const m of lt?.mix ?? []) {
      expect(prefixes.some((p) => m.path.startsWith(p))).toBe(true);
      expect([...prefixes, ...probes]).toContain(m.path);
    }
    // both health endpoints are in the mix
    expect(new Set(lt?.mix.map((m) => m.path))).toEqual(new Set(["/", ...probes]));
  });

  it("the SLOs are the seed alerts' (p95 < 2 s, errors < 5 %) and production is gated on the load test", () => {
    expect(lt?.slo).toEqual({ p95: "2s", errorRate: 0.05 });
    expect(repo.environments.find((e) => e.name === "production")?.gates).toContain("load-test");
  });
});

describe("a load-test gate without a load profile before it", () => {
  it("is a configuration error naming the field (exit 2 for every command)", async () => {
    const { gateRepo } = await import("../gates/fixture.js");
    const { runCli } = await import("../helpers/cli.js");
    const repo = gateRepo(`argocdUrl: https://argocd.example.com
environments:
  - name: dev
    argocdApplication: ngx-agents-dev
    namespace: ngx-agents
  - name: staging
    argocdApplication: ngx-agents-staging
    namespace: ngx-agents
  - name: production
    argocdApplication: ngx-agents-production
    namespace: ngx-agents
    gates: [load-test]
`);
    try {
      const r = await runCli(["gate", "production"], { cwd: repo.root });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        'environments[2].gates lists load-test, but the environment before it, "staging", has no loadTest: block',
      );
    } finally {
      repo.cleanup();
    }
  });
});
