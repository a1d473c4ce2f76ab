import type { StalledRecord, WorkerErrorRecord } from "../ledger/records.ts";
import { buildExecutions } from "./executions.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { judged, undecided } from "./verdicts.ts";

/**
 * Stall detection (maxExecutionMs): every execution that ran past maxExecutionMs plus one
 * heartbeat interval (lockTimeoutMs / 2) and the tolerance, and whose lock renewal did not fail
 * first, must have raised job:stalled; no job:stalled may come for an execution before it reached
 * maxExecutionMs.
 */
export const stalledEventsChecker: Checker = {
  name: "stalled-events",
  check({ history, settings }): CheckerResult {
    const max = settings.maxExecutionMs;
    const violations: Violation[] = [];
    if (!max) {
      return undecided(this.name, "maxExecutionMs was not set: stall detection off");
    }
    const heartbeat = Math.max(50, settings.lockTimeoutMs / 2);
    const tol = settings.timingToleranceMs;
    const executions = buildExecutions(history, settings.runEndedAt);
    const stalls = history.records.filter((r): r is StalledRecord => r.type === "stalled");
    const errors = history.records.filter((r): r is WorkerErrorRecord => r.type === "worker-error");
    let long = 0;
    for (const e of executions) {
      const own = stalls.filter(
        (s) => s.jobId === e.jobId && s.pid === e.pid && s.t >= e.start && s.t <= e.stop + heartbeat + tol,
      );
      const ranFor = e.stop - e.start;
      // A heartbeat that failed (the lock was taken from under it) ends renewal without a stall.
      const heartbeatFailed = errors.some(
        (w) =>
          w.pid === e.pid &&
          w.t >= e.start &&
          w.t <= e.stop &&
          w.message.includes(`Heartbeat failed for job ${e.jobId}`),
      );
      if (ranFor > max + heartbeat + tol && !heartbeatFailed) {
        long++;
        if (own.length === 0) {
          violations.push({
            kind: "stall-not-reported",
            jobId: e.jobId,
            t: e.start,
            message: `job ${e.jobId} (${e.name}) ran ${ranFor} ms on ${e.proc}, past maxExecutionMs ${max} ms, and no job:stalled came`,
          });
        }
      }
      for (const s of own) {
        if (s.t < e.start + max - tol) {
          violations.push({
            kind: "stall-too-early",
            jobId: e.jobId,
            t: s.t,
            message: `job ${e.jobId} (${e.name}) was reported stalled ${s.t - e.start} ms into its execution, before maxExecutionMs ${max} ms`,
          });
        }
      }
    }
    const figures = { longExecutions: long, stalledEvents: stalls.length };
    if (long === 0) {
      return undecided(this.name, `no execution ran past maxExecutionMs (${max} ms)`, figures, violations);
    }
    return judged(
      this.name,
      violations,
      `${long} executions ran past maxExecutionMs ${max} ms; ${stalls.length} job:stalled events; ${violations.length} violations`,
      figures,
    );
  },
};
