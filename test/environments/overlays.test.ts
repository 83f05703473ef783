// The overlays as files: small, the same shape in every environment, and images in the form the
// promotion tooling reads and rewrites (readImages of pipeline/src/promotion/images.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readImages } from "../../pipeline/src/promotion/images.js";
import { ROOT, SERVICES } from "./rendered.js";

const ENVS = ["dev", "staging", "production"] as const;

function overlay(env: string): { text: string; doc: Record<string, unknown> } {
  const file = join(ROOT, "environments", env, "kustomization.yaml");
  const text = readFileSync(file, "utf8");
  return { text, doc: parse(text) as Record<string, unknown> };
}

describe.each(ENVS)("overlay %s", (env) => {
  it("builds on the base alone, in namespace ngx-agents, with its canary steps component", () => {
    const { doc } = overlay(env);
    expect(doc.resources).toEqual(["../base"]);
    expect(doc.namespace).toBe("ngx-agents");
    expect(doc.components).toContain(`../../rollouts/canary/${env}`);
    expect(doc.labels).toEqual([
      { pairs: { "cost-center": "ai-services", environment: env }, includeTemplates: true },
    ]);
  });

  it("patches only through *.patch.yaml files", () => {
    const { doc } = overlay(env);
    const patches = doc.patches as { path?: string; patch?: string }[];
    expect(patches.length).toBeGreaterThan(0);
    for (const p of patches) {
      expect(p.patch, "inline patches hide what differs").toBeUndefined();
      expect(p.path).toMatch(/^[a-z-]+\.patch\.yaml$/);
    }
  });

  it("lists one image per service, from the registry, by digest where promotion.yaml requires it", () => {
    const { text } = overlay(env);
    const images = readImages(text, `environments/${env}/kustomization.yaml`);
    expect(images.map((i) => i.name)).toEqual(SERVICES.map((s) => `ngx/${s}`));
    for (const image of images) {
      const component = image.name.replace("ngx/", "");
      expect(image.newName).toBe(`us-central1-docker.pkg.dev/ngx-agents/ngx/${component}`);
      if (env === "dev") {
        expect(image.newTag).toMatch(/^[0-9A-Za-z._-]+$/);
        expect(image.digest).toBeUndefined();
      } else {
        expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(image.newTag).toBeUndefined();
      }
    }
  });
});

describe("backup schedule patches", () => {
  it("exist where the database-backup component is used, and set schedule and time zone only", () => {
    for (const env of ENVS) {
      const uses = (overlay(env).doc.components as string[]).includes("../components/database-backup");
      expect(uses, env).toBe(env !== "dev");
      if (!uses) continue;
      const patch = parse(
        readFileSync(join(ROOT, "environments", env, "backup-schedule.patch.yaml"), "utf8"),
      );
      expect(patch.kind).toBe("CronJob");
      expect(patch.metadata.name).toBe("db-backup");
      expect(Object.keys(patch.spec).sort()).toEqual(["schedule", "timeZone"]);
    }
  });
});
