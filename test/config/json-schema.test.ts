// environments/promotion.schema.json is what the zod schema generates (regenerate with `npm run
// schema`), promotion.yaml names it in its yaml-language-server modeline, and a JSON Schema validator
// (ajv, 2020-12) accepts the real promotion.yaml and refuses what ngx-release refuses.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { JSON_SCHEMA_PATH, promotionJsonSchema } from "../../pipeline/src/config/json-schema.js";

const ROOT = resolve(import.meta.dirname, "../..");
const committed = readFileSync(join(ROOT, JSON_SCHEMA_PATH), "utf8");
const config = readFileSync(join(ROOT, "environments/promotion.yaml"), "utf8");

describe("promotion.yaml JSON Schema", () => {
  it("the committed file equals the generated one (run `npm run schema` after changing config/schema.ts)", () => {
    expect(committed).toBe(promotionJsonSchema());
  });

  it("promotion.yaml points editors at it with the yaml-language-server modeline", () => {
    expect(config.split("\n")[0]).toBe("# yaml-language-server: $schema=./promotion.schema.json");
  });

  it("accepts the real promotion.yaml and refuses unknown fields, bad URLs and unknown gates", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addFormat("uri", /^https?:\/\/\S+$/);
    const validate = ajv.compile(JSON.parse(committed));
    const good = parse(config);
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
    const prod = () => structuredClone(good);
    let bad = prod();
    bad.environments[0].colour = "blue";
    expect(validate(bad)).toBe(false);
    bad = prod();
    bad.environments[1].urls = { grafana: "grafana.example.com" };
    expect(validate(bad)).toBe(false);
    bad = prod();
    bad.environments[1].gates = ["soak", "vibes"];
    expect(validate(bad)).toBe(false);
  });
});
