import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * Jobs that run several times longer than the Scheduler's lock timeout, kept alive only by the
 * heartbeats that renew their locks, while idle workers poll beside them: no job may be taken by
 * another worker while its first execution is alive (the re-executions checker's double
 * executions). Job lengths are multiples of the lock timeout read from the built scheduler, so
 * the same scenario measures any wiring.
 */
export const longJobs: Scenario = {
  name: "long-jobs",
  description:
    "jobs 4× the lock timeout kept alive by heartbeats, a worker polling beside them, one killed; no job taken while alive (seconds)",
  requires: ["lock-renewal"],
  settings: {
    sut: { processes: 3, workersPerProcess: 2, pollIntervalMs: 200, lockTimeoutMs: 2000 },
    load: {
      mode: "bulk",
      jobs: 24,
      lockTimeoutsPerLongJob: 4,
      longestLongJobMs: 60_000,
      mix: [
        { count: 4, body: { name: "long" }, priorities: [1, 1], long: true, expect: "completed" },
        {
          weight: 1,
          body: { name: "short" },
          priorities: [10, 10],
          durationMs: [200, 500],
          expect: "completed",
        },
      ],
    },
    // The kill lands while the long jobs run: the killed one is recovered, the others must not move.
    faults: { kills: 1, killAt: [0.5], restartDelayMs: 500 },
    check: { checkers: ["re-executions", "lost-jobs", "final-state", "recovery-time"] },
  },
};

/**
 * The same at the presets' real timeouts (a 60 s lock for the example wiring, 10 min for the
 * README's): minutes of wall-clock time, printed before the run starts. No kill: recovering a
 * killed job would add a whole lock timeout.
 */
export const longJobsRealtime: Scenario = {
  name: "long-jobs-realtime",
  description:
    "jobs 2.5× the Scheduler's own lock timeout (minutes with the presets) kept alive by heartbeats; no job taken while alive",
  requires: ["lock-renewal"],
  settings: {
    sut: { processes: 3, workersPerProcess: 2, pollIntervalMs: 1000, lockTimeoutMs: 60_000 },
    load: {
      mode: "bulk",
      jobs: 4,
      lockTimeoutsPerLongJob: 2.5,
      mix: [{ count: 4, body: { name: "long" }, priorities: [1, 1], long: true, expect: "completed" }],
    },
    faults: { kills: 0 },
    check: { checkers: ["re-executions", "lost-jobs", "final-state"] },
  },
};
