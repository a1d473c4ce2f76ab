import type { Execution } from "./executions.ts";
import { type ContradictionKind, contradictionKinds, type FinalStateFigures } from "./figures.ts";
import { describeExecution } from "./reexecutions.ts";
import { runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, CheckSettings, JobState, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/**
 * The final state against the ledger: every job document's status and attempt count must be one
 * the recorded executions allow. Apart from lost-jobs on purpose: a job whose work was done but
 * whose document says otherwise (the scheduler's failure path marking a job failed after another
 * execution of it succeeded) is not lost, but its final state is wrong, and a scenario can gate
 * on the one while reporting the other as a known weakness.
 *
 * Contradictions: completed with no execution that ended well; failed with no execution that
 * failed; an attempt count no execution matches (a failed job's must be its last failed attempt); not completed although the scheduler
 * acknowledged a completion. Repeating jobs are left out (their status cycles).
 */
export const finalStateChecker: Checker<"final-state"> = {
  name: "final-state",
  describe: {
    pass: "every job document's final state agrees with the ledger (repeating jobs left out: their status cycles)",
    fail: "**contradicted**: completed with no execution that ended well, failed with no execution that failed (e.g. a stale owner's refused completion marking the job failed after another execution completed it), an attempt count no execution matches (a completed job's count is its failed attempts before the attempt that succeeded, a failed job's is its last failed attempt; Agenda resets its `failCount` when a job succeeds, so its adapter keeps the failures before the success beside it), or not completed though the scheduler acknowledged the completion",
  },
  check({ history, finalState, settings }): CheckerResult<"final-state"> {
    const index = runIndexOf(history, settings.runEndedAt, settings.lockTimeoutMs);
    // Whether a job repeats is what its request asked for; the runs say so only for a job no
    // request made (a stray repeat rule on a run of a one-shot job does not exempt it).
    const expected = new Map<string, boolean>();
    for (const r of history.records)
      if (r.type === "accept")
        expected.set(r.jobId, (expected.get(r.jobId) ?? false) || r.expect === "repeating");
    const violations: Violation[] = [];
    const byKind = Object.fromEntries(contradictionKinds.map((k) => [k, 0])) as Record<
      ContradictionKind,
      number
    >;
    let judged = 0;
    for (const job of finalState) {
      const runs = index.byJob.get(job.id) ?? [];
      if (expected.get(job.id) ?? runs.some((e) => e.repeat)) continue;
      judged++;
      const why = contradiction(job, runs, settings);
      if (!why) continue;
      byKind[why.kind]++;
      violations.push({
        kind: why.kind,
        jobId: job.id,
        message: `job ${job.id} (${job.name}) ${why.text}`,
        evidence: {
          status: job.status,
          attempts: job.attempts,
          lastError: job.lastError ?? null,
          executions: runs.map(describeExecution),
        },
      });
    }
    const figures: FinalStateFigures = {
      jobs: finalState.length,
      judged,
      contradicted: violations.length,
      byKind,
    };
    const parts = contradictionKinds.filter((k) => byKind[k] > 0).map((k) => `${byKind[k]} ${k}`);
    const summary =
      judged === 0
        ? `no job in the database to hold against the ledger: nothing to judge (${finalState.length} job(s), repeating ones left out)`
        : `${judged} final states against the ledger: ${violations.length} contradicted${parts.length ? ` (${parts.join(", ")})` : ""}`;
    return decide("final-state", { summary, violations, figures, nothingToJudge: judged === 0 });
  },
};

/** What the ledger says against a job's final state, if anything. */
function contradiction(
  job: JobState,
  runs: readonly Execution[],
  settings: Pick<CheckSettings, "complete">,
): { kind: ContradictionKind; text: string } | null {
  const ok = runs.filter((e) => e.endOutcome === "ok");
  const failedRuns = runs.filter((e) => e.endOutcome === "error");
  if (job.status === "completed") {
    if (ok.length === 0) {
      return {
        kind: "completed-without-success",
        text: `is completed in the database, but no execution of it ended well (${runs.length} execution(s), ${failedRuns.length} failed)`,
      };
    }
    if (!ok.some((e) => e.attempt === job.attempts + 1)) {
      return {
        kind: "attempts-mismatch",
        text: `is completed after ${job.attempts} failed attempt(s) in the database, but its successful execution(s) ran attempt ${ok.map((e) => e.attempt).join(", ")}`,
      };
    }
    return null;
  }
  if (job.status === "failed") {
    if (failedRuns.length === 0) {
      return {
        kind: "failed-without-failure",
        text: `is failed in the database, but none of its ${runs.length} execution(s) failed${job.lastError ? ` (lastError: ${job.lastError})` : ""}`,
      };
    }
    // The count never goes back, and a run after the final failure is re-executions' to report:
    // the last attempt that failed is the count, not any earlier one.
    const last = Math.max(...failedRuns.map((e) => e.attempt));
    if (job.attempts !== last) {
      return {
        kind: "attempts-mismatch",
        text: `is failed after ${job.attempts} attempt(s) in the database, but its failed execution(s) ran attempt ${failedRuns.map((e) => e.attempt).join(", ")}, the last ${last}`,
      };
    }
    return null;
  }
  const acked = runs.find((e) => e.ack === "success");
  if (acked && settings.complete && job.status !== "cancelled") {
    return {
      kind: "completion-lost",
      text: `is ${job.status} in the database, though the scheduler acknowledged its completion by ${acked.execId} on ${acked.proc}`,
    };
  }
  return null;
}
