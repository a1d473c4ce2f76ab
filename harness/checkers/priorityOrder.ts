import { percentile, round } from "../util/stats.ts";
import { buildExecutions } from "./executions.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { undecided } from "./verdicts.ts";

/** At most this many violations are kept as evidence; the figures count them all. */
const MAX_EVIDENCE = 50;

/**
 * Priority order: a priority inversion is an execution of priority p starting while an execution
 * of a higher priority (lower number) had been due and waiting for longer than one poll interval,
 * and started later than the tolerance after it. A waiting job with a concurrency limit behind an
 * unlimited one is counted apart: the scheduler claims unlimited jobs first by design.
 */
export const priorityOrderChecker: Checker = {
  name: "priority-order",
  check({ history, settings }): CheckerResult {
    const { pollIntervalMs, timingToleranceMs: tol, runEndedAt } = settings;
    const executions = buildExecutions(history, runEndedAt);
    let inversions = 0;
    let byDesign = 0;
    let maxWait = 0;
    const violations: Violation[] = [];
    for (const j of executions) {
      // Executions of higher priority that were due (for over a poll interval) and still waiting.
      const waiting = executions.filter(
        (h) => h.priority < j.priority && h.start > j.start + tol && h.nextRunAt <= j.start - pollIntervalMs,
      );
      const real = waiting.filter((h) => !(h.concurrency != null && j.concurrency == null));
      if (real.length === 0) {
        if (waiting.length > 0) byDesign++;
        continue;
      }
      const blocker = real.reduce((a, b) => (b.start - b.nextRunAt > a.start - a.nextRunAt ? b : a));
      inversions++;
      const wait = blocker.start - blocker.nextRunAt;
      maxWait = Math.max(maxWait, wait);
      if (violations.length < MAX_EVIDENCE) {
        violations.push({
          kind: "priority-inversion",
          jobId: j.jobId,
          t: j.start,
          message: `job ${j.jobId} (priority ${j.priority}) started at ${new Date(j.start).toISOString()} while job ${blocker.jobId} (priority ${blocker.priority}) had waited ${j.start - blocker.nextRunAt} ms; it started ${blocker.start - j.start} ms later`,
          evidence: { started: j.execId, waiting: blocker.execId, waitingJob: blocker.jobId, waitedMs: wait },
        });
      }
    }
    const figures: Record<string, number | null> = {
      executions: executions.length,
      inversions,
      maxInversionWaitMs: inversions ? maxWait : 0,
      limitedBehindUnlimited: byDesign,
    };
    const first = executions.length ? Math.min(...executions.map((e) => e.start)) : 0;
    for (let p = 1; p <= 10; p++) {
      const starts = executions
        .filter((e) => e.priority === p && e.attempt === 1)
        .map((e) => e.start - first);
      if (starts.length) figures[`startP50Ms:p${p}`] = round(percentile(starts, 50), 0);
    }
    if (executions.length === 0)
      return undecided(this.name, "no execution was recorded", figures, violations);
    return {
      name: this.name,
      verdict: inversions === 0 ? "pass" : "fail",
      summary: `${inversions} priority inversions among ${executions.length} executions${inversions ? ` (worst wait ${maxWait} ms)` : ""}; ${byDesign} starts of unlimited jobs ahead of waiting concurrency-limited ones (by design)`,
      violations,
      figures,
    };
  },
};
