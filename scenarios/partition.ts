import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * One worker process cut off from MongoDB (its Toxiproxy proxy disabled) in the middle of its jobs,
 * for longer than the lock timeout, then reconnected. The promise: the other workers take the cut
 * off worker's jobs once their locks expire, nothing is lost, nothing runs twice at once. Needs
 * Toxiproxy (built once with Go). lost-jobs gates; the known weaknesses (a lease without fencing, a
 * failure path that does not check ownership) are informational.
 */
export const partition: Scenario = {
  name: "partition",
  description:
    "cut one worker off from MongoDB mid-job for longer than the lock timeout, then heal; check nothing is lost or run twice",
  settings: {
    sut: { processes: 3, workersPerProcess: 2, lockTimeoutMs: 2000, pollIntervalMs: 200 },
    load: { jobs: 120, connections: 6, durationMs: [300, 1500] },
    faults: {
      kills: 0,
      list: [{ type: "partition", target: "busy", at: 0.25, forMs: 6000 }],
    },
    check: {
      checkers: ["lost-jobs", "final-state", "re-executions", "ownership"],
      informational: {
        "final-state":
          "the cut-off worker's refused completion goes down the failure path, which marks the job failed though an execution of it succeeded (see ownership)",
        "re-executions":
          "a worker cut off from MongoDB keeps running its jobs after their locks expire and another worker takes them: a lease without fencing cannot prevent it",
        ownership:
          "the cut-off worker's refused completion goes down the failure path, which marks the job failed without checking ownership",
      },
    },
  },
};
