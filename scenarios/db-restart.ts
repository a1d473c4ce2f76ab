import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * The database stopped and started again mid-run under a steady load, twice: once cleanly, once
 * killed, each down for 3 s, on a target that keeps its data (FerretDB on SQLite or PostgreSQL, or
 * your server with --db-control; the in-memory stand-in is refused). The promise: the workers and
 * the trigger server reconnect without a restart of their own, nothing accepted is lost, nothing
 * runs twice because of the restart. Measured: the time from the database's return to the first
 * claim and to a normal throughput; requests refused while it was down, counted apart.
 */
export const dbRestart: Scenario = {
  name: "db-restart",
  description:
    "stop the database (clean, then kill) mid-run and start it again; check workers and trigger server reconnect, nothing lost",
  settings: {
    sut: { processes: 3, workersPerProcess: 2, lockTimeoutMs: 5000, pollIntervalMs: 250 },
    load: { mode: "open", ratePerSec: 6, forMs: 40_000, durationMs: [200, 800] },
    faults: {
      kills: 0,
      list: [
        { type: "db-restart", at: 0.25, mode: "clean", forMs: 3000 },
        { type: "db-restart", at: 0.6, mode: "kill", forMs: 3000 },
      ],
    },
    check: {
      checkers: ["lost-jobs", "final-state", "re-executions", "db-reconnect"],
      drainTimeoutMs: 150_000,
    },
  },
};
