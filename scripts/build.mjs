// Bundles the CLI into dist/cli.js so `npx ngx-release` starts fast right after `npm ci`.
// Dependencies stay external (loaded from node_modules); heavy SDKs are imported lazily in code.
import { build } from "esbuild";

await build({
  entryPoints: ["pipeline/src/cli.ts"],
  outfile: "dist/cli.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  banner: { js: "#!/usr/bin/env node" },
  logLevel: "warning",
});
