import type { Execution } from "./executions.ts";
import type { OwnershipFigures } from "./figures.ts";
import { runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, JobState, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/**
 * Ownership after a lost lock: an execution is stale when another execution of the same job began
 * while it was still alive (its lock expired under it: a frozen process, a blocked event loop).
 * The scheduler promises that markCompleted refuses a worker that lost ownership. Violations: a
 * stale execution whose completion was accepted, a job completed more than once, a job that some
 * execution completed but that did not end completed in the database, and a job that ended
 * failed although none of its executions failed (a stale worker's refused completion went down the
 * failure path, which rescheduled or failed the job after all). Any violation fails, whether or not
 * a lock was lost in the run.
 */
export const ownershipChecker: Checker<"ownership"> = {
  name: "ownership",
  describe: {
    pass: "an execution that lost its lock has its completion refused, and the job keeps the new owner's outcome",
    fail: "a stale completion accepted, a job completed twice, a completed job that ended otherwise, a job failed although no attempt failed",
  },
  check({ history, settings, finalState }): CheckerResult<"ownership"> {
    const index = runIndexOf(history, settings.runEndedAt, settings.lockTimeoutMs);
    const states = new Map(finalState.map((j) => [j.id, j]));
    const violations: Violation[] = [];
    let stale = 0;
    let refused = 0;
    for (const [jobId, runs] of index.byJob) {
      const staleRuns = judgeStaleRuns(jobId, runs, violations);
      stale += staleRuns.stale;
      refused += staleRuns.refused;
      const successes = runs.filter((e) => e.ack === "success");
      const twice = completedTwice(jobId, runs, successes);
      if (twice) violations.push(twice);
      const contradiction = finalStateContradiction(jobId, runs, successes, states.get(jobId));
      if (contradiction) violations.push(contradiction);
    }
    const figures: OwnershipFigures = {
      staleExecutions: stale,
      staleCompletionsRefused: refused,
      violations: violations.length,
    };
    return decide("ownership", {
      summary:
        stale === 0
          ? `no execution lost its lock: ownership was not exercised${violations.length ? `; ${violations.length} ownership violations` : ""}`
          : `${stale} executions lost their lock while running; ${refused} stale completions refused; ${violations.length} ownership violations`,
      violations,
      figures,
      nothingToJudge: stale === 0,
    });
  },
};

/** Adds a violation per stale run of one job whose completion was accepted; counts stale and refused. */
function judgeStaleRuns(
  jobId: string,
  runs: readonly Execution[],
  violations: Violation[],
): { stale: number; refused: number } {
  // Runs are in start order: e is stale when the run after it began before it stopped (two runs
  // that began in the same millisecond included: only one of them can have held the lock).
  const staleRuns = runs.filter((e, i) => (runs[i + 1]?.start ?? Number.POSITIVE_INFINITY) < e.stop);
  let refused = 0;
  for (const e of staleRuns) {
    if (e.ack === "success") {
      violations.push({
        kind: "stale-completion-accepted",
        jobId,
        t: e.ackT,
        message: `job ${jobId} (${e.name}): the completion of stale execution ${e.execId} on ${e.proc} was accepted after another execution had taken the job`,
        evidence: { execId: e.execId, proc: e.proc, start: e.start, stop: e.stop },
      });
    } else if (e.end !== undefined) refused++;
  }
  return { stale: staleRuns.length, refused };
}

/** The completed-twice violation of a job more than one execution was marked completed for, if so. */
function completedTwice(
  jobId: string,
  runs: readonly Execution[],
  successes: readonly Execution[],
): Violation | undefined {
  if (successes.length > 1) {
    return {
      kind: "completed-twice",
      jobId,
      message: `job ${jobId} (${(runs[0] as Execution).name}) was marked completed ${successes.length} times (${successes.map((e) => `${e.execId}@${e.proc}`).join(", ")})`,
      evidence: { executions: successes.map((e) => e.execId) },
    };
  }
  return undefined;
}

/** The violation of a job whose final status contradicts its executions (failed or overwritten), if so. */
function finalStateContradiction(
  jobId: string,
  runs: readonly Execution[],
  successes: readonly Execution[],
  state: JobState | undefined,
): Violation | undefined {
  const first = runs[0] as Execution;
  const stillRunning = runs.some((e) => e.end === undefined && e.ack === undefined && e.diedAt === undefined);
  if (state?.status === "failed" && !runs.some((e) => e.endOutcome === "error")) {
    return {
      kind: "failed-without-failure",
      jobId,
      message: `job ${jobId} (${first.name}) ended failed in the database though none of its ${runs.length} executions failed${state.lastError ? ` (lastError: ${state.lastError})` : ""}`,
      evidence: {
        acks: runs.map((e) => ({
          execId: e.execId,
          proc: e.proc,
          end: e.endOutcome ?? null,
          ack: e.ack ?? null,
        })),
      },
    };
  }
  if (successes.length > 0 && state?.status !== "completed" && !stillRunning) {
    return {
      kind: "completion-overwritten",
      jobId,
      message: `job ${jobId} (${first.name}) was completed by an execution but ended ${state?.status ?? "missing"} in the database`,
      evidence: {
        status: state?.status ?? null,
        acks: runs.map((e) => ({ execId: e.execId, proc: e.proc, ack: e.ack ?? null })),
      },
    };
  }
  return undefined;
}
