import { UNLIMITED_MIX } from "../harness/load/settings.ts";
import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * Kill workers in the middle of jobs and check that the scheduler's lock timeout brings every job
 * back: nothing lost, nothing run twice at once, every killed job running again within
 * lockTimeoutMs + pollIntervalMs (plus tolerance). About a minute on a 2-core machine.
 */
export const crashRecovery: Scenario = {
  name: "crash-recovery",
  description:
    "SIGKILL workers mid-job; check nothing is lost or run twice and recovery stays within the lock timeout",
  settings: {
    sut: { processes: 4, workersPerProcess: 2, lockTimeoutMs: 3000, pollIntervalMs: 250 },
    load: { jobs: 300, connections: 10, durationMs: [100, 500], mix: [...UNLIMITED_MIX] },
    faults: { kills: 2, restartDelayMs: 1000 },
    check: { checkers: ["lost-jobs", "final-state", "re-executions", "recovery-time"] },
  },
};
