import { defineConfig } from "vitest/config";

/**
 * Two projects. unit: pure logic on hand-built inputs, no global setup, so that
 * `npx vitest run test/unit/x.test.ts` starts in seconds on a machine without Java. e2e: the
 * harness as a user runs it, against the stand-in server and real child processes; its global
 * setup builds the stand-in once, before any test's timeout runs.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/globalSetup.ts"],
          // A first stand-in fetch on a fresh machine (Maven plugins and jars) can take minutes.
          hookTimeout: 600_000,
          // End-to-end tests start a JVM and several worker processes each; on a 2-core machine they
          // measure recovery times, so they run one file at a time rather than fight for the cores.
          fileParallelism: false,
          testTimeout: 180_000,
        },
      },
    ],
  },
});
