import type { Execution } from "./executions.ts";
import type { OwnershipFigures } from "./figures.ts";
import { runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
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
  check({ history, settings, finalState }): CheckerResult<"ownership"> {
    const index = runIndexOf(history, settings.runEndedAt, settings.lockTimeoutMs);
    const states = new Map(finalState.map((j) => [j.id, j]));
    const violations: Violation[] = [];
    let stale = 0;
    let refused = 0;
    for (const [jobId, runs] of index.byJob) {
      // Runs are in start order: e is stale when the run after it began before it stopped (two runs
      // that began in the same millisecond included: only one of them can have held the lock).
      const staleRuns = runs.filter((e, i) => (runs[i + 1]?.start ?? Number.POSITIVE_INFINITY) < e.stop);
      stale += staleRuns.length;
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
      const successes = runs.filter((e) => e.ack === "success");
      const first = runs[0] as Execution;
      if (successes.length > 1) {
        violations.push({
          kind: "completed-twice",
          jobId,
          message: `job ${jobId} (${first.name}) was marked completed ${successes.length} times (${successes.map((e) => `${e.execId}@${e.proc}`).join(", ")})`,
          evidence: { executions: successes.map((e) => e.execId) },
        });
      }
      const state = states.get(jobId);
      const stillRunning = runs.some(
        (e) => e.end === undefined && e.ack === undefined && e.diedAt === undefined,
      );
      if (state?.status === "failed" && !runs.some((e) => e.endOutcome === "error")) {
        violations.push({
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
        });
      } else if (successes.length > 0 && state?.status !== "completed" && !stillRunning) {
        violations.push({
          kind: "completion-overwritten",
          jobId,
          message: `job ${jobId} (${first.name}) was completed by an execution but ended ${state?.status ?? "missing"} in the database`,
          evidence: {
            status: state?.status ?? null,
            acks: runs.map((e) => ({ execId: e.execId, proc: e.proc, ack: e.ack ?? null })),
          },
        });
      }
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
