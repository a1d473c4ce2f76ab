import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * A rolling deploy while a steady load flows: every worker process in turn stopped with SIGTERM
 * (the scheduler's graceful stop, with a 10 s stop timeout as a real application would give it)
 * and started again once it has exited, twice over. The promise: nothing lost, nothing run twice,
 * and every job a stopping process held when its stop began either finished before it exited or was
 * handed back; one still locked by a process that no longer exists waits a lock timeout for nothing.
 * Reported: the deploy's cost (the throughput dip, the longest wait of a due job during the rollout).
 * Surge (new processes first): `--fault rolling-restart:surge=1 --no-scenario-faults`.
 */
export const rollingDeploy: Scenario = {
  name: "rolling-deploy",
  description:
    "SIGTERM every worker in turn and replace it, twice, under a steady load; account for every job a stopping worker held",
  settings: {
    sut: {
      processes: 3,
      workersPerProcess: 2,
      lockTimeoutMs: 5000,
      pollIntervalMs: 250,
      stopTimeoutMs: 10_000,
    },
    load: { mode: "open", ratePerSec: 8, forMs: 45_000, durationMs: [200, 1500] },
    faults: { kills: 0, list: [{ type: "rolling-restart", at: 0.15, rounds: 2, gapMs: 1000 }] },
    check: {
      checkers: ["lost-jobs", "final-state", "re-executions", "stop-handover"],
      drainTimeoutMs: 150_000,
    },
  },
};
