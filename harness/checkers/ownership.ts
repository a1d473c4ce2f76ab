import { buildExecutions, executionsByJob } from "./executions.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { judged, undecided } from "./verdicts.ts";

/**
 * Ownership after a lost lock: an execution is stale when another execution of the same job began
 * while it was still alive (its lock expired under it: a frozen process, a blocked event loop).
 * The scheduler promises that markCompleted refuses a worker that lost ownership. Violations: a
 * stale execution whose completion was accepted, a job completed more than once, and a job that
 * some execution completed but that did not end completed in the database, and a job that ended
 * failed although none of its executions failed (a stale worker's refused completion went down the
 * failure path, which rescheduled or failed the job after all).
 */
export const ownershipChecker: Checker = {
  name: "ownership",
  check({ history, settings, finalState }): CheckerResult {
    const byJob = executionsByJob(buildExecutions(history, settings.runEndedAt));
    const states = new Map(finalState.map((j) => [j.id, j]));
    const violations: Violation[] = [];
    let stale = 0;
    let refused = 0;
    for (const [jobId, runs] of byJob) {
      const staleRuns = runs.filter((e) =>
        runs.some((f) => f !== e && f.start > e.start && f.start < e.stop),
      );
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
      if (successes.length > 1) {
        violations.push({
          kind: "completed-twice",
          jobId,
          message: `job ${jobId} (${runs[0]?.name}) was marked completed ${successes.length} times (${successes.map((e) => `${e.execId}@${e.proc}`).join(", ")})`,
          evidence: { executions: successes.map((e) => e.execId) },
        });
      }
      const status = states.get(jobId)?.status;
      const lastError = states.get(jobId)?.lastError;
      const stillRunning = runs.some(
        (e) => e.end === undefined && e.ack === undefined && e.diedAt === undefined,
      );
      if (status === "failed" && !runs.some((e) => e.endOutcome === "error")) {
        violations.push({
          kind: "failed-without-failure",
          jobId,
          message: `job ${jobId} (${runs[0]?.name}) ended failed in the database though none of its ${runs.length} executions failed${lastError ? ` (lastError: ${lastError})` : ""}`,
          evidence: {
            acks: runs.map((e) => ({
              execId: e.execId,
              proc: e.proc,
              end: e.endOutcome ?? null,
              ack: e.ack ?? null,
            })),
          },
        });
      } else if (successes.length > 0 && status !== "completed" && !stillRunning && runs[0]) {
        violations.push({
          kind: "completion-overwritten",
          jobId,
          message: `job ${jobId} (${runs[0].name}) was completed by an execution but ended ${status ?? "missing"} in the database`,
          evidence: {
            status: status ?? null,
            acks: runs.map((e) => ({ execId: e.execId, proc: e.proc, ack: e.ack ?? null })),
          },
        });
      }
    }
    const figures = {
      staleExecutions: stale,
      staleCompletionsRefused: refused,
      violations: violations.length,
    };
    if (stale === 0) {
      return undecided(
        this.name,
        "no execution lost its lock: ownership was not exercised",
        figures,
        violations,
      );
    }
    return judged(
      this.name,
      violations,
      `${stale} executions lost their lock while running; ${refused} stale completions refused; ${violations.length} ownership violations`,
      figures,
    );
  },
};
