import type { Scenario } from "../harness/scenario/schema.ts";

/**
 * A backlog far larger than the worker slots, priorities 1–10, all due at once (seeded before any
 * worker starts). The scheduler promises priority 1 first, FIFO by nextRunAt within a priority.
 */
export const priorityOrdering: Scenario = {
  name: "priority-ordering",
  description:
    "a due-at-once backlog of priorities 1–10; check no job starts while a higher-priority one waits",
  requires: ["priorities"],
  settings: {
    sut: { processes: 2, workersPerProcess: 2, pollIntervalMs: 200, lockTimeoutMs: 5000 },
    load: {
      mode: "bulk",
      jobs: 400,
      priorities: [1, 10],
      durationMs: [50, 150],
      mix: [{ body: { name: "ranked" }, expect: "completed" }],
    },
    faults: { kills: 0 },
    check: { checkers: ["priority-order", "lost-jobs", "final-state", "re-executions"] },
  },
};

/**
 * Urgent jobs with a concurrency limit beside unlimited low-priority ones. The scheduler's claim
 * tries unlimited jobs first, so low-priority unlimited work runs ahead of waiting urgent limited
 * jobs; this variant measures how much. Those starts are reported apart, not as inversions.
 */
export const priorityOrderingMixed: Scenario = {
  name: "priority-ordering-mixed",
  description: "urgent concurrency-limited jobs beside unlimited low-priority ones; report what runs first",
  requires: ["priorities", "global-concurrency"],
  settings: {
    sut: { processes: 2, workersPerProcess: 2, pollIntervalMs: 200, lockTimeoutMs: 5000 },
    load: {
      mode: "bulk",
      jobs: 300,
      durationMs: [50, 150],
      mix: [
        { weight: 1, body: { name: "urgent", concurrency: 2 }, priorities: [1, 2], expect: "completed" },
        { weight: 2, body: { name: "bulk-low" }, priorities: [8, 10], expect: "completed" },
      ],
    },
    faults: { kills: 0 },
    check: { checkers: ["priority-order", "lost-jobs", "final-state", "re-executions"] },
  },
};
