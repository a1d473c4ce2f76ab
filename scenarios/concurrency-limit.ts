import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * Names limited to 1, 2 and 5 concurrent executions, claimed by more worker slots (12) than the
 * limits add up to (8), across 4 processes: the limit must hold across processes, and a name below
 * its limit must not starve while workers sit idle.
 */
export const concurrencyLimit: Scenario = {
  name: "concurrency-limit",
  description: "names limited to 1, 2 and 5 across 4 processes; check peaks, time over limit and starvation",
  requires: ["global-concurrency"],
  settings: {
    sut: { processes: 4, workersPerProcess: 3, pollIntervalMs: 200, lockTimeoutMs: 5000 },
    load: {
      mode: "bulk",
      jobs: 240,
      durationMs: [100, 300],
      mix: [
        { weight: 1, body: { name: "limit-1", concurrency: 1 }, expect: "completed" },
        { weight: 2, body: { name: "limit-2", concurrency: 2 }, expect: "completed" },
        { weight: 5, body: { name: "limit-5", concurrency: 5 }, expect: "completed" },
      ],
    },
    faults: { kills: 0 },
    // A claim of a limited job is several queries (find, count, update, count, for up to 20
    // names), each a full scan on the stand-in; with 12 workers on two cores one claim can take
    // most of a second, which the tolerance covers. A starving scheduler leaves gaps of seconds.
    check: {
      checkers: ["concurrency-limit", "lost-jobs", "final-state", "re-executions"],
      timingToleranceMs: 1000,
    },
  },
};
