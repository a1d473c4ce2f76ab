import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * One worker's wall clock 5 s ahead and another's 5 s behind (the lock timeout is 2 s), through
 * libfaketime, for most of the run. The scheduler computes lock deadlines from each worker's own
 * clock, so the ahead worker sees live locks as expired and the behind worker writes locks that are
 * expired when written. The ledger keeps the harness's reference clock. Needs libfaketime.
 * lost-jobs gates; what the skew breaks by the scheduler's design is informational.
 */
export const clockSkew: Scenario = {
  name: "clock-skew",
  description:
    "one worker's clock 5 s ahead, another's 5 s behind (lock timeout 2 s); check nothing is lost or run twice",
  settings: {
    sut: { processes: 3, workersPerProcess: 2, lockTimeoutMs: 2000, pollIntervalMs: 200 },
    load: { jobs: 120, connections: 6, durationMs: [300, 1200] },
    faults: {
      kills: 0,
      list: [
        { type: "clock-offset", target: "w1", at: 0, forMs: 20_000, offsetMs: 5000 },
        { type: "clock-offset", target: "w2", at: 0, forMs: 20_000, offsetMs: -5000 },
      ],
    },
    check: {
      checkers: ["lost-jobs", "final-state", "re-executions", "ownership"],
      informational: {
        "final-state":
          "a worker whose job a skewed peer took over has its completion refused, and its failure path marks the job failed though an execution of it succeeded (see ownership)",
        "re-executions":
          "lock deadlines come from each worker's own clock: a worker ahead takes live locks as expired, a worker behind writes locks that are already expired",
        ownership:
          "a worker whose job was taken over by a skewed peer has its completion refused, and its failure path marks the job failed without checking ownership",
      },
    },
  },
};
