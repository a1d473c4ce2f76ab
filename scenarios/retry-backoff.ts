import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * Jobs that fail k times before succeeding, with a fixed delay and with a computed (exponential)
 * delay, and jobs that exhaust their attempts. The computed delay is a function, which a
 * MongoDB-backed job cannot store; its checker is informational and reports what really happens.
 */
export const retryBackoff: Scenario = {
  name: "retry-backoff",
  description:
    "jobs failing k times with fixed and computed delays, and exhausted ones; check attempts and gaps",
  requires: ["retries", "computed-backoff"],
  settings: {
    sut: { processes: 2, workersPerProcess: 2, pollIntervalMs: 200, lockTimeoutMs: 5000 },
    load: {
      mode: "bulk",
      jobs: 60,
      durationMs: [20, 80],
      mix: [
        {
          weight: 2,
          body: { name: "fixed-delay" },
          data: { failUntilAttempt: 3 },
          retry: { maxAttempts: 4, delayMs: 800 },
          expect: "completed",
        },
        {
          weight: 2,
          body: { name: "computed-delay" },
          data: { failUntilAttempt: 3 },
          retry: { maxAttempts: 4, backoff: { baseMs: 400, factor: 2 } },
          expect: "completed",
        },
        {
          weight: 1,
          body: { name: "exhausted" },
          data: { failUntilAttempt: 99 },
          retry: { maxAttempts: 3, delayMs: 500 },
          expect: "failed",
        },
      ],
    },
    faults: { kills: 0 },
    check: {
      checkers: ["retry-timing", "retry-computed-delay", "lost-jobs", "final-state", "re-executions"],
      informational: {
        "retry-computed-delay":
          "a delay given as a function is not stored with the job in MongoDB, so the worker falls back to no delay",
      },
    },
  },
};
