// What a person reads: help that lists what a command prints and every exit code, plan's sections
// worded for people (readable versions, CLOSED gates, version ids defined, wrapped reasons), and
// refusals that come before any slow work.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { wrap } from "../../pipeline/src/plan/promotion-sections.js";
import { defaultSections } from "../../pipeline/src/plan/sections.js";
import { runCli } from "../helpers/cli.js";
import { TEST_NOW } from "../helpers/clock.js";
import {
  DEFAULT_COMPONENTS,
  digestOf,
  fixtureFiles,
  git,
  gitRepo,
  pinned,
  uniform,
  writeFiles,
} from "../promotion/fixture.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe("help", () => {
  it("plan --help lists every section plan prints", async () => {
    const r = await runCli(["plan", "--help"]);
    expect(r.code).toBe(0);
    expect(defaultSections.length).toBeGreaterThanOrEqual(7);
    for (const s of defaultSections) expect(r.stdout).toContain(`  ${s.title}`);
  });

  it("backup schedule --help lists exit 3", async () => {
    const r = await runCli(["backup", "schedule", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes: 0 done · 2 .* · 3 GitHub failed/s);
  });
});

describe("judge simulate --runs 0", () => {
  it("is refused (exit 2) before the repository is read or rendered", async () => {
    const empty = mkdtempSync(join(tmpdir(), "ngx-no-repo-"));
    made.push(empty);
    for (const runs of ["0", "-5", "2.5"]) {
      const r = await runCli(["judge", "simulate", "--runs", runs], { cwd: empty });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: --runs ${runs}: expected a whole number of canaries ≥ 1`);
      expect(r.stderr).not.toMatch(/promotion\.yaml|rendering/);
    }
  });
});

describe("plan, for people", () => {
  it("readable versions, a CLOSED gate header, version ids defined before use, wrapped reasons", async () => {
    const dir = gitRepo(
      fixtureFiles({
        dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")),
        stagingGates: ["synced-healthy", "not-rejected"],
      }),
    );
    made.push(dir);
    const r = await runCli(["plan"], { cwd: dir, env: { NGX_NOW: TEST_NOW } });
    const out = r.stdout;
    // the tag people know, the digest short
    expect(out).toMatch(new RegExp(`staging +api-gateway +1\\.0\\.0 @${digestOf("1.0.0").slice(7, 19)} `));
    expect(out).not.toMatch(/sha256:[0-9a-f]{12}…/);
    // gates closed → the header says so
    expect(out).toMatch(/== Gates for each promotion .* CLOSED \(1\)/);
    // the version id is defined before the table that uses it
    const id = /([0-9a-f]{12}) = the images now in dev, promoted into staging/.exec(out)?.[1];
    expect(id).toBeDefined();
    expect(out.indexOf(`${id} = the images now in dev`)).toBeLessThan(
      out.indexOf(`version ${id} is not rejected`),
    );
    expect(out).toMatch(/staging +synced-healthy +CLOSED +Argo CD not configured/);
  });

  it("long gate reasons wrap at spaces into continuation lines", () => {
    const reason =
      "could not be evaluated: no Application Default Credentials for Cloud Monitoring (GOOGLE_APPLICATION_CREDENTIALS unset, no gcloud application-default file)";
    const lines = wrap(reason, 72);
    expect(lines.length).toBe(3);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(72);
    expect(lines.join(" ")).toBe(reason);
    expect(wrap("short", 72)).toEqual(["short"]);
  });
});

describe("status without a deployment", () => {
  it("names the command to run with the environment filled in", async () => {
    const dir = gitRepo(fixtureFiles());
    made.push(dir);
    const r = await runCli(["status", "staging"], { cwd: dir, env: { NGX_NOW: TEST_NOW } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("nothing recorded (ngx-release record staging)");
    expect(r.stdout).not.toContain("<env>");
  });
});

describe("promote --dry-run with closed gates", () => {
  it("shows the change and the PR text, then the closed gates, exit 1, nothing written", async () => {
    const dir = gitRepo(
      fixtureFiles({ dev: uniform(DEFAULT_COMPONENTS, pinned("1.1.0")), stagingGates: ["synced-healthy"] }),
    );
    made.push(dir);
    const refs = () => git(dir, "for-each-ref", "--format=%(refname) %(objectname)");
    const before = refs();
    const r = await runCli(["promote", "dev", "staging", "--dry-run"], {
      cwd: dir,
      env: { NGX_NOW: TEST_NOW },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("| orchestrator | 1.0.0 | **1.1.0** |");
    expect(r.stdout).toContain("--dry-run: nothing written");
    expect(r.stderr).toMatch(
      /error: refusing to promote into staging: 1 gate\(s\) closed\n\s+synced-healthy: /,
    );
    const json = await runCli(["promote", "dev", "staging", "--dry-run", "--json"], {
      cwd: dir,
      env: { NGX_NOW: TEST_NOW },
    });
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout);
    expect(out.status).toBe("planned");
    expect(out.body).toContain("synced-healthy");
    expect(out.gatesClosed).toEqual([expect.stringMatching(/^synced-healthy: Argo CD not configured/)]);
    expect(refs()).toBe(before);
    expect(git(dir, "status", "--porcelain")).toBe("");
  });
});

describe("render and diff when kustomize fails", () => {
  it("paths relative to the repository, no klog prefix, and the side that failed", async () => {
    const files = fixtureFiles();
    const broken = {
      ...files,
      "environments/dev/kustomization.yaml":
        `${files["environments/dev/kustomization.yaml"]}\nresources:\n  - ../missing-base\n`.replace(
          "resources:\n  - ../base\n",
          "",
        ),
    };
    const dir = gitRepo(broken);
    made.push(dir);
    const render = await runCli(["render", "dev"], { cwd: dir, env: { NGX_NOW: TEST_NOW } });
    expect(render.code).toBe(2);
    expect(render.stderr).toMatch(/^error: kustomize build environments\/dev failed: .*missing-base/m);
    for (const raw of [/run\.go:\d+/, /[EWI]\d{4} \d\d:\d\d/, new RegExp(dir), /\/tmp\//]) {
      expect(render.stderr).not.toMatch(raw);
    }
    // fix the working tree: the base revision (HEAD) is the side that fails, from a temporary snapshot
    writeFiles(dir, {
      "environments/dev/kustomization.yaml": files["environments/dev/kustomization.yaml"] as string,
    });
    const diff = await runCli(["diff", "dev", "--base", "HEAD"], { cwd: dir, env: { NGX_NOW: TEST_NOW } });
    expect(diff.code).toBe(2);
    expect(diff.stderr).toMatch(
      /^error: base \(HEAD\): kustomize build environments\/dev failed: .*missing-base/m,
    );
    for (const raw of [/run\.go:\d+/, new RegExp(dir), /\/tmp\//]) expect(diff.stderr).not.toMatch(raw);
  });
});
