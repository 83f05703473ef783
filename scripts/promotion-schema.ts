// Writes environments/promotion.schema.json from the zod schema (npm run schema). A test fails when
// the committed file differs from what this writes.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { JSON_SCHEMA_PATH, promotionJsonSchema } from "../pipeline/src/config/json-schema.js";

const root = join(import.meta.dirname, "..");
writeFileSync(join(root, JSON_SCHEMA_PATH), promotionJsonSchema());
process.stdout.write(`wrote ${JSON_SCHEMA_PATH}\n`);
