import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * A steady open-loop load for a given time (`--duration`, 10 minutes by default, so that the second
 * half spans the 5 minutes the growth checker judges; hours work), every worker process's RSS, heap,
 * event-loop delay and open connections sampled every 2 s. The promise: nothing lost or run twice,
 * and no growth: the slope of each series over the second half of the run, with its 95% interval,
 * stays under the bounds per hour (check.growth); the whole interval beyond a bound fails, a window
 * too short or an interval too wide to tell leaves the verdict unknown.
 */
export const soak: Scenario = {
  name: "soak",
  description:
    "a steady load for --duration (10 min by default, hours work), sampling memory, loop delay and connections; check for growth",
  settings: {
    sut: { processes: 2, workersPerProcess: 2, lockTimeoutMs: 5000, pollIntervalMs: 250 },
    load: { mode: "open", ratePerSec: 5, forMs: 600_000, durationMs: [100, 400] },
    faults: { kills: 0 },
    check: {
      checkers: ["lost-jobs", "final-state", "re-executions", "growth"],
      sampleEveryMs: 2000,
      drainTimeoutMs: 720_000,
    },
  },
};
