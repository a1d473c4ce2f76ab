import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * Autoscaling under a steady open-loop load a single process cannot keep up with: one worker
 * process, then two, three, two and one again, each step 8 s, the removed ones stopped with SIGTERM.
 * The promise: nothing lost or run twice, a new process takes work as soon as it is ready, a
 * removed one leaves nothing locked behind, and throughput follows the number of processes (the
 * scaling curve, measured while jobs were waiting, from the same run).
 */
export const scale: Scenario = {
  name: "scale",
  description:
    "worker processes added and removed by steps (1 → 3 → 1) under a steady load; check the scaling curve and handovers",
  settings: {
    sut: {
      processes: 1,
      workersPerProcess: 2,
      lockTimeoutMs: 5000,
      pollIntervalMs: 250,
      stopTimeoutMs: 10_000,
    },
    load: {
      mode: "open",
      ratePerSec: 8,
      forMs: 42_000,
      mix: [{ route: "/jobs", body: { name: "work" }, durationMs: [300, 600], expect: "completed" }],
    },
    faults: { kills: 0, list: [{ type: "scale", at: 0, steps: [1, 2, 3, 2, 1], stepMs: 8000 }] },
    check: {
      checkers: ["lost-jobs", "final-state", "re-executions", "stop-handover", "scaling"],
      drainTimeoutMs: 150_000,
    },
  },
};
