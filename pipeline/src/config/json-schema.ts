// The JSON Schema of environments/promotion.yaml, generated from the zod schema (config/schema.ts) with
// zod 4's toJSONSchema, so editors (yaml-language-server, through the modeline at the top of the file)
// complete and check the same fields ngx-release accepts. Input shape: fields with defaults are
// optional. Rules zod expresses as code (superRefine) are not in JSON Schema; ngx-release still checks
// them. Committed as environments/promotion.schema.json; a test checks the file equals this output.
import { z } from "zod";
import { promotionConfigSchema } from "./schema.js";

export const JSON_SCHEMA_PATH = "environments/promotion.schema.json";

export function promotionJsonSchema(): string {
  const schema = z.toJSONSchema(promotionConfigSchema, { io: "input", target: "draft-2020-12" });
  return `${JSON.stringify(
    {
      ...schema,
      $id: "https://ngx-agents.example.com/schemas/promotion.schema.json",
      title: "ngx-release promotion chain (environments/promotion.yaml)",
    },
    null,
    2,
  )}\n`;
}
