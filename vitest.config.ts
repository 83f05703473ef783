import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // integration suites start real processes (kustomize, Prometheus, PostgreSQL): keep the 2-core machine calm
    maxWorkers: 2,
    globalSetup: ["test/helpers/global-setup.ts"],
  },
});
