import { UNLIMITED_MIX } from "../harness/load/settings.ts";
import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * A worker process runs out of heap (96 MB: every worker of this run gets --max-old-space-size=96)
 * in the middle of its jobs and V8 aborts it, as the example application's "Out of Memory" crash
 * does; it is restarted a second later. The promise: as after a SIGKILL, every job it was executing
 * runs again once its lock expires, nothing is lost or run twice.
 */
export const outOfMemory: Scenario = {
  name: "out-of-memory",
  description: "a worker exhausts its heap mid-job and dies; check its jobs recover within the lock timeout",
  settings: {
    sut: { processes: 3, workersPerProcess: 2, lockTimeoutMs: 3000, pollIntervalMs: 250 },
    load: { jobs: 150, connections: 6, durationMs: [300, 1000], mix: [...UNLIMITED_MIX] },
    faults: {
      kills: 0,
      list: [{ type: "out-of-memory", target: "busy", at: 0.4, forMs: 1000, heapMb: 96 }],
    },
    check: {
      checkers: ["lost-jobs", "final-state", "re-executions", "recovery-time"],
      informational: {
        "re-executions":
          "a process running out of heap spends seconds in garbage collection before V8 aborts it: its heartbeats stop, its locks expire and another worker takes its jobs while it still runs them (a stall before the death)",
        "recovery-time":
          "the takeover of a dying process's jobs comes before its death (see re-executions), while recovery time is measured from the death",
      },
    },
  },
};
