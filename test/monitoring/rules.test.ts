// The PrometheusRule of environments/base/monitoring, as kustomize renders it, checked and unit-tested
// by the real promtool (/usr/bin/promtool, or PROMTOOL): `promtool check rules` on the extracted rule
// groups, `promtool test rules` on test/monitoring/rules/*.yaml. Each alert must have a firing and a
// not-firing case, and a broken threshold must make promtool fail.
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { findKustomize } from "../../pipeline/src/adapters/kustomize.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const PROMTOOL = process.env.PROMTOOL ?? "/usr/bin/promtool";
const TESTS_DIR = join(ROOT, "test/monitoring/rules");
const README = join(ROOT, "environments/base/monitoring/README.md");

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Group {
  name: string;
  rules: Rule[];
}

let groups: Group[] = [];
let work = "";

async function promtool(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd: work, timeout: 120_000 });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === "number" ? err.code : -1,
      output: `${err.stdout ?? ""}${err.stderr ?? ""}`,
    };
  }
}

const unitTestFiles = () => readdirSync(TESTS_DIR).filter((f) => f.endsWith(".yaml"));

beforeAll(async () => {
  const kustomize = await findKustomize();
  const rendered = await kustomize.build(join(ROOT, "environments/base/monitoring"));
  const rules = parseAllDocuments(rendered)
    .map((d) => d.toJS() as { kind?: string; spec?: { groups?: Group[] } })
    .filter((o) => o.kind === "PrometheusRule");
  // ngx-agents-alerts and ngx-agents-backup-rpo: promtool sees all their groups in one file
  expect(rules).toHaveLength(2);
  groups = rules.flatMap((r) => r.spec?.groups ?? []);
  work = mkdtempSync(join(tmpdir(), "ngx-rules-"));
  writeFileSync(join(work, "rules.yaml"), stringify({ groups }));
  for (const f of unitTestFiles()) copyFileSync(join(TESTS_DIR, f), join(work, f));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const alerts = () => groups.flatMap((g) => g.rules.filter((r) => r.alert !== undefined));
const alert = (name: string) => {
  const a = alerts().find((r) => r.alert === name);
  if (!a) throw new Error(`alert ${name} not in the rendered PrometheusRule`);
  return a;
};

describe("PrometheusRules ngx-agents-alerts and ngx-agents-backup-rpo", () => {
  it("passes promtool check rules", async () => {
    const r = await promtool(["check", "rules", "rules.yaml"]);
    expect(r.output).toContain("SUCCESS");
    expect(r.code, r.output).toBe(0);
  });

  it("passes every promtool unit test in test/monitoring/rules", async () => {
    const files = unitTestFiles();
    expect(files.length).toBeGreaterThanOrEqual(5);
    const r = await promtool(["test", "rules", ...files]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain("FAILED");
  });

  it("has the three alerts of the production configuration with their thresholds", () => {
    const high = alert("HighErrorRate");
    expect(high.expr).toMatch(/status=~"5\.\."/);
    expect(high.expr).toMatch(/>\s*0\.05\s*$/);
    expect(high).toMatchObject({ for: "5m", labels: { severity: "critical" } });

    const latency = alert("HighLatency");
    expect(latency.expr).toContain("histogram_quantile(0.95");
    expect(latency.expr).toContain("http_request_duration_seconds_bucket");
    expect(latency.expr).toMatch(/>\s*2\s*$/);
    expect(latency).toMatchObject({ for: "5m", labels: { severity: "warning" } });

    const memory = alert("HighMemoryUsage");
    expect(memory.expr).toContain('resource="memory"');
    expect(memory.expr).toMatch(/>\s*0\.85\s*$/);
    expect(memory).toMatchObject({ for: "15m", labels: { severity: "warning" } });

    for (const name of ["BackupTooOld", "CanaryAborted"]) expect(alert(name).expr.length).toBeGreaterThan(0);
  });

  it("gives every alert a severity, summary, description and a runbook anchor that exists", () => {
    const readme = readFileSync(README, "utf8").toLowerCase();
    for (const a of alerts()) {
      expect(["critical", "warning"], a.alert).toContain(a.labels?.severity);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
      const anchor = /README\.md#([a-z0-9-]+)$/.exec(a.annotations?.runbook_url ?? "")?.[1];
      expect(anchor, `${a.alert} runbook_url`).toBe(a.alert?.toLowerCase());
      expect(readme, `README.md has no "### ${a.alert}" section`).toContain(
        `### ${a.alert?.toLowerCase()}\n`,
      );
    }
  });

  it("has a firing and a not-firing unit test for every alert", () => {
    const firing = new Set<string>();
    const quiet = new Set<string>();
    for (const f of unitTestFiles()) {
      const doc = parse(readFileSync(join(TESTS_DIR, f), "utf8")) as {
        rule_files: string[];
        tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
      };
      expect(doc.rule_files, f).toEqual(["rules.yaml"]);
      for (const t of doc.tests)
        for (const a of t.alert_rule_test ?? [])
          ((a.exp_alerts ?? []).length > 0 ? firing : quiet).add(a.alertname);
    }
    for (const a of alerts()) {
      expect(firing.has(a.alert as string), `no firing test for ${a.alert}`).toBe(true);
      expect(quiet.has(a.alert as string), `no not-firing test for ${a.alert}`).toBe(true);
    }
  });

  it("makes promtool fail when a threshold is changed (the unit tests can fail)", async () => {
    const broken = structuredClone(groups);
    for (const g of broken)
      for (const r of g.rules) if (r.alert === "HighErrorRate") r.expr = r.expr.replace(/> 0\.05/, "> 0.07");
    expect(JSON.stringify(broken)).not.toEqual(JSON.stringify(groups));
    const dir = mkdtempSync(join(tmpdir(), "ngx-rules-broken-"));
    try {
      writeFileSync(join(dir, "rules.yaml"), stringify({ groups: broken }));
      copyFileSync(join(TESTS_DIR, "http.yaml"), join(dir, "http.yaml"));
      const { code, output } = await (async () => {
        try {
          await run(PROMTOOL, ["test", "rules", "http.yaml"], { cwd: dir });
          return { code: 0, output: "" };
        } catch (e) {
          const err = e as { code?: number; stdout?: string; stderr?: string };
          return { code: err.code ?? -1, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
        }
      })();
      expect(code).toBe(1);
      expect(output).toContain("HighErrorRate");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
