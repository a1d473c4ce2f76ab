import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/globalSetup.ts"],
    // A first stand-in fetch on a fresh machine (Maven plugins and jars) can take minutes.
    hookTimeout: 600_000,
    // End-to-end tests start a JVM and several worker processes each; on a 2-core machine they
    // measure recovery times, so they run one file at a time rather than fight for the cores.
    fileParallelism: false,
    testTimeout: 180_000,
  },
});
