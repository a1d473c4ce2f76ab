import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * Interval jobs and a timezone-aware cron job on three processes for twenty seconds: every tick
 * runs once, none is missed, and starts stay close to their slots.
 */
export const repeat: Scenario = {
  name: "repeat",
  description: "interval and timezone cron jobs across 3 processes; check double and missed ticks and drift",
  requires: ["cron-timezone"],
  settings: {
    sut: { processes: 3, workersPerProcess: 2, pollIntervalMs: 100, lockTimeoutMs: 5000 },
    load: {
      mode: "bulk",
      jobs: 4,
      runForMs: 20_000,
      durationMs: [50, 200],
      mix: [
        { count: 1, body: { name: "every-1s", repeat: { every: 1000 } }, expect: "repeating" },
        { count: 1, body: { name: "every-1.5s", repeat: { every: 1500 } }, expect: "repeating" },
        { count: 1, body: { name: "every-2s", repeat: { every: 2000 } }, expect: "repeating" },
        {
          count: 1,
          body: { name: "cron-2s-kolkata", repeat: { cron: "*/2 * * * * *", timezone: "Asia/Kolkata" } },
          expect: "repeating",
        },
      ],
    },
    faults: { kills: 0 },
    check: { checkers: ["repeat-ticks", "lost-jobs"] },
  },
};
