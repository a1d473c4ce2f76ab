import { buildExecutions, type Execution, executionsByJob } from "./executions.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { judged, undecided } from "./verdicts.ts";

/** How an execution relates to the one of the same job before it. */
export type ExecutionClass =
  | "first"
  | "retry"
  | "recovery"
  | "double-execution"
  | "run-after-success"
  | "run-after-failure"
  | "rerun-unacknowledged";

/** Classifies every execution of one job (in start order) against the executions before it. */
export function classifyExecutions(executions: readonly Execution[]): ExecutionClass[] {
  return executions.map((e, i) => {
    if (i === 0) return "first";
    const earlier = executions.slice(0, i);
    if (earlier.some((p) => p.stop > e.start)) return "double-execution";
    const prev = earlier[earlier.length - 1] as Execution;
    if (prev.ack === "success") return "run-after-success";
    if (prev.ack === "fail") return "run-after-failure";
    if (prev.ack === "retry") return "retry";
    if (prev.diedAt !== undefined) return "recovery";
    return "rerun-unacknowledged";
  });
}

const violationText: Partial<Record<ExecutionClass, string>> = {
  "double-execution": "ran while an earlier execution of the same job was still alive",
  "run-after-success": "ran again after the scheduler had marked it completed",
  "run-after-failure": "ran again after the scheduler had marked it failed for good",
};

/**
 * Re-executions, classified: a recovery re-run after the executing process died is expected;
 * a double execution (two live executions overlapping in time) and a run after a final outcome
 * break the promise of no double processing.
 */
export const reexecutionsChecker: Checker = {
  name: "re-executions",
  check({ history, settings }): CheckerResult {
    const executions = buildExecutions(history, settings.runEndedAt);
    const counts: Record<ExecutionClass, number> = {
      first: 0,
      retry: 0,
      recovery: 0,
      "double-execution": 0,
      "run-after-success": 0,
      "run-after-failure": 0,
      "rerun-unacknowledged": 0,
    };
    const violations: Violation[] = [];
    for (const [jobId, list] of executionsByJob(executions)) {
      classifyExecutions(list).forEach((cls, i) => {
        counts[cls]++;
        const text = violationText[cls];
        const e = list[i] as Execution;
        if (!text) return;
        const others = list.slice(0, i).map((p) => ({
          execId: p.execId,
          proc: p.proc,
          pid: p.pid,
          start: p.start,
          stop: p.stop,
          ack: p.ack ?? null,
        }));
        violations.push({
          kind: cls,
          jobId,
          t: e.start,
          message: `job ${jobId} (${e.name}) ${text}: execution ${e.execId} on ${e.proc} at ${new Date(e.start).toISOString()}`,
          evidence: {
            execution: { execId: e.execId, proc: e.proc, pid: e.pid, start: e.start, stop: e.stop },
            earlier: others,
          },
        });
      });
    }
    const figures = {
      executions: executions.length,
      recovered: counts.recovery,
      retries: counts.retry,
      doubleExecutions: counts["double-execution"],
      runsAfterSuccess: counts["run-after-success"],
      runsAfterFailure: counts["run-after-failure"],
      rerunsUnacknowledged: counts["rerun-unacknowledged"],
    };
    if (executions.length === 0) {
      return undecided(this.name, "no execution was recorded", figures, violations);
    }
    return judged(
      this.name,
      violations,
      `${executions.length} executions: ${counts.recovery} recovery re-runs, ${counts.retry} retries, ${counts["double-execution"]} double executions, ${counts["run-after-success"] + counts["run-after-failure"]} runs after a final outcome`,
      figures,
    );
  },
};
