import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * SIGTERM to a worker process in the middle of its jobs, twice; the worker stops its scheduler
 * gracefully (`stop({ graceful: true })`) and is restarted a second later. The promise: in-flight
 * jobs are finished (or, if abandoned, recovered once their lock expires), nothing is lost or run
 * twice. Each stop's window records which in-flight jobs finished and which were abandoned.
 */
export const gracefulStop: Scenario = {
  name: "graceful-stop",
  description:
    "SIGTERM workers mid-job (graceful stop) and restart them; check in-flight jobs finish, none lost",
  settings: {
    sut: { processes: 3, workersPerProcess: 2, lockTimeoutMs: 3000, pollIntervalMs: 250 },
    load: { jobs: 150, connections: 6, durationMs: [300, 1500] },
    faults: { kills: 0, list: [{ type: "terminate", target: "busy", count: 2, forMs: 1000 }] },
    check: { checkers: ["lost-jobs", "final-state", "re-executions"] },
  },
};
