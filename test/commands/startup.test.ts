// `--help` starts fast because it loads only commander and picocolors: the schema (zod), YAML, the
// validators and the SDKs are imported inside the actions that use them. A module resolve hook
// (node:module register) lists every package the built CLI loads; no timing is asserted.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

let dir = "";
let register = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ngx-startup-"));
  const hooks = join(dir, "hooks.mjs");
  writeFileSync(
    hooks,
    `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  process.stderr.write("LOADED " + r.url + "\\n");
  return r;
}\n`,
  );
  register = join(dir, "register.mjs");
  writeFileSync(
    register,
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** the npm packages a CLI run loaded, e.g. ["commander", "picocolors"] */
async function packagesLoaded(args: readonly string[]): Promise<string[]> {
  const r = await runCli(args, { env: { NODE_OPTIONS: `--import ${register}` } });
  expect(r.code, r.stderr).toBe(0);
  const urls = [...r.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1] ?? "");
  expect(urls.length).toBeGreaterThan(0); // the hook ran
  const names = urls
    .map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1])
    .filter((n): n is string => n !== undefined);
  return [...new Set(names)].sort();
}

describe("startup", () => {
  it.each([
    [["--help"]],
    [["validate", "--help"]],
    [["backup", "schedule", "--help"]],
    [["judge", "simulate", "--help"]],
  ])("%j loads commander and picocolors only", async (args) => {
    expect(await packagesLoaded(args)).toEqual(["commander", "picocolors"]);
  });
});
