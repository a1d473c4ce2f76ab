import type { Scenario } from "../harness/scenario/schema.ts";

/** Many concurrent HTTP requests scheduling the same few dedupe keys: one job per key, run once. */
export const dedupe: Scenario = {
  name: "dedupe",
  description: "concurrent requests scheduling the same dedupeKey; check exactly one job exists and runs",
  requires: ["dedupe"],
  settings: {
    sut: { processes: 2, workersPerProcess: 2, pollIntervalMs: 200, lockTimeoutMs: 5000 },
    load: {
      mode: "http",
      jobs: 200,
      connections: 20,
      mix: [1, 2, 3, 4].map((k) => ({
        route: "/jobs",
        weight: 1,
        body: { name: "dedupe", dedupeKey: `order-${k}` },
        expect: "completed" as const,
      })),
    },
    faults: { kills: 0 },
    check: { checkers: ["dedupe", "lost-jobs", "final-state", "re-executions"] },
  },
};
