// Where Application Default Credentials come from is decided without any network call: with no key
// file and no explicit metadata-server setting, nothing asks Google (no probe of 169.254.169.254) and
// the command says what to set; a broken key file is an error of the command, never a crash.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialSource } from "../../pipeline/src/adapters/cloud-monitoring.js";
import { runCli } from "../helpers/cli.js";
import { type MetricsRepo, metricsRepo } from "./fixture.js";

const REPO = resolve(import.meta.dirname, "../..");
let home: string;
let repo: MetricsRepo;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "ngx-home-"));
  repo = metricsRepo();
});
afterAll(() => repo.cleanup());

describe("credentialSource", () => {
  it("finds a key or federation file, gcloud's application-default file, an explicit metadata server, or nothing", () => {
    expect(credentialSource({ GOOGLE_APPLICATION_CREDENTIALS: "/run/key.json" })).toBe("file");
    const gcloud = join(home, "cfg");
    mkdirSync(gcloud, { recursive: true });
    writeFileSync(join(gcloud, "application_default_credentials.json"), "{}");
    expect(credentialSource({ CLOUDSDK_CONFIG: gcloud })).toBe("file");
    expect(credentialSource({ METADATA_SERVER_DETECTION: "assume-present" })).toBe("metadata-server");
    expect(credentialSource({ GCE_METADATA_HOST: "127.0.0.1:1" })).toBe("metadata-server");
    expect(credentialSource({ HOME: home, METADATA_SERVER_DETECTION: "none" })).toBe("none");
    expect(credentialSource({ HOME: home })).toBe("none");
  });
});

describe("commands without credentials", () => {
  it("gate production: google-signals is closed naming what to set, the process does not crash", async () => {
    const r = await runCli(["gate", "production", "--json"], { cwd: REPO, env: { HOME: home } });
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    const gate = report.gates.find((g: { name: string }) => g.name === "google-signals");
    expect(gate).toMatchObject({ open: false });
    expect(gate.reason).toContain("no Application Default Credentials for Cloud Monitoring");
    expect(r.stderr).not.toContain("Could not load the default credentials");
  });

  it("metrics --export: exit 2 with the hint, nothing sent", async () => {
    const r = await runCli(["--repo", repo.root, "metrics", "--export"], {
      env: { HOME: home, GOOGLE_CLOUD_PROJECT: "ngx-agents-test" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no Application Default Credentials for Cloud Monitoring");
    expect(r.stderr).toContain("gcloud auth application-default login");
  });

  it("metrics --export with an unreadable key file: exit 3 naming the credentials problem", async () => {
    const r = await runCli(["--repo", repo.root, "metrics", "--export"], {
      env: {
        HOME: home,
        GOOGLE_CLOUD_PROJECT: "ngx-agents-test",
        GOOGLE_APPLICATION_CREDENTIALS: join(home, "missing-key.json"),
      },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("Application Default Credentials could not be loaded");
  });
});
