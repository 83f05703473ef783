// Bundles the CLI into dist/cli.js so `npx ngx-release` starts fast right after `npm ci`.
// Dependencies stay external (loaded from node_modules); heavy SDKs are imported lazily in code and
// land in separate chunks.
import { build } from "esbuild";

await build({
  entryPoints: ["pipeline/src/cli.ts"],
  outdir: "dist",
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  // code splitting keeps `await import(...)` lazy: GitHub/Google SDKs load only for commands that use them
  splitting: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  banner: { js: "#!/usr/bin/env node" },
  logLevel: "warning",
});
