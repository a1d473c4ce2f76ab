import type { Execution } from "./executions.ts";
import { type ExecutionClass, executionClasses, type ReexecutionFigures } from "./figures.ts";
import { type RunIndex, runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, CheckSettings, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

export type { ExecutionClass } from "./figures.ts";

/** One execution's class, and the earlier execution that decided it. */
export interface Classified {
  cls: ExecutionClass;
  /** The earlier execution this one is judged against (absent for a first run). */
  against?: Execution;
  /** For a re-run before the earlier one released the job: why that could happen. */
  cause?: string;
}

/** The class counted as a broken promise, with its words for people. */
const violationText: Partial<Record<ExecutionClass, string>> = {
  "double-execution": "ran while an earlier execution of the same job was still alive",
  stall:
    "ran again while the earlier execution's process was alive and had not acknowledged it (its lock expired under a live owner: a stall)",
  "lock-not-honoured": "ran again before the earlier execution's lock could have expired",
  "run-after-success": "ran again after the scheduler had marked it completed",
  "run-after-failure": "ran again after the scheduler had marked it failed for good",
};

type Timing = Pick<CheckSettings, "lockTimeoutMs" | "timingToleranceMs" | "claimOrder">;

/**
 * The earliest a poll that claimed e could have begun, where the ledger can tell: a
 * mongo-job-scheduler worker (the adapter declares the global claim order) claims one job at a
 * time, so it polled for e after it released the job it ran before (Execution.workerFreeAt).
 * Undefined otherwise, and for a run that did not record its claim order (Agenda locks jobs ahead
 * of its free slots, and older results do not say which scheduler claimed).
 */
export function claimedNoEarlierThan(e: Execution, timing: Pick<Timing, "claimOrder">): number | undefined {
  return timing.claimOrder === "global-priority" ? e.workerFreeAt : undefined;
}

/**
 * The earliest time the earlier execution's lock could have expired: the lockUntil it was claimed
 * with (renewals only move it later), or, for a ledger without it, its start + lockTimeoutMs less
 * the tolerance (the claim came a round trip before the start); and never before one lock timeout
 * after the poll that claimed it could have begun, less the tolerance (a claim that wrote a
 * shorter lock does not make an early re-run honour it).
 */
export function lockExpiryBound(p: Execution, timing: Timing): number {
  const recorded = p.lockUntil ?? p.start + timing.lockTimeoutMs - timing.timingToleranceMs;
  const polled = claimedNoEarlierThan(p, timing);
  return polled === undefined
    ? recorded
    : Math.max(recorded, polled + timing.lockTimeoutMs - timing.timingToleranceMs);
}

/**
 * When the claim of e was made, where the ledger can tell: the poll time its lockUntil was written
 * from (lockUntil less the lock timeout), else its start. A claim must come after the earlier
 * lock's expiry, whenever the handler then began.
 */
export function claimedAt(e: Execution, timing: Pick<Timing, "lockTimeoutMs">): number {
  return e.lockUntil !== undefined ? Math.min(e.start, e.lockUntil - timing.lockTimeoutMs) : e.start;
}

/**
 * Classifies every execution of one job (in start order). A repeating job's runs are grouped by
 * the slot they ran for (nextRunAt): the first run of a later slot is a repeat, not a re-run.
 * Within a group, a re-run is judged against the runs before it:
 * - any earlier run still alive at its start: a double execution;
 * - the previous run acknowledged (success, final failure, retry) by its start: a run after
 *   success or failure (broken), or a retry;
 * - the previous run's process died before its start: a recovery, if the lock could have
 *   expired by then; else the lock was not honoured;
 * - the previous run's process lived and had not acknowledged: a stall if its lock could have
 *   expired meanwhile (the lock expired under a live owner), else the lock was not honoured.
 */
export function classifyExecutions(executions: readonly Execution[], timing: Timing): Classified[] {
  const out: Classified[] = new Array(executions.length);
  const groups = new Map<number | "all", number[]>();
  // Runs are grouped by slot only when every run of the job carries its repeat rule: a job whose
  // runs disagree on whether it repeats is judged as one job, so a stray rule on a re-run of a
  // one-shot job cannot make a run after its success look like its next slot.
  const repeating = executions.every((e) => e.repeat);
  executions.forEach((e, i) => {
    const key = repeating ? e.nextRunAt : "all";
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  let group = 0;
  for (const indexes of groups.values()) {
    let longest: Execution | undefined;
    indexes.forEach((idx, k) => {
      const e = executions[idx] as Execution;
      if (k === 0) out[idx] = { cls: group === 0 ? "first" : "repeat" };
      else
        out[idx] = classifyRerun(
          e,
          executions[indexes[k - 1] as number] as Execution,
          longest as Execution,
          timing,
        );
      if (!longest || e.stop > longest.stop) longest = e;
    });
    group++;
  }
  return out;
}

/**
 * Whether e's claim honoured p's lock by the clocks the two processes had: the deadline was written
 * from p's clock and read against e's (lockUntil is on the reference clock, see executions.ts), so
 * under a clock fault a claim can be early by the reference clock and on time by its own.
 */
function honouredByTheirClocks(e: Execution, p: Execution, timing: Timing): boolean {
  if (e.clockUnknown || p.clockUnknown) return true;
  return claimedAt(e, timing) + (e.clockOffsetMs ?? 0) >= lockExpiryBound(p, timing) + (p.clockOffsetMs ?? 0);
}

/** Why a claim that looks early by the reference clock may not have been, under a clock fault. */
function skewed(e: Execution, p: Execution): string {
  if (e.clockUnknown || p.clockUnknown)
    return "whether the lock had expired cannot be told: a clock fault changed a process's clock around the claim";
  return `the clocks disagreed: by the claiming process's clock (${(e.clockOffsetMs ?? 0) - (p.clockOffsetMs ?? 0)} ms off the owner's, a clock fault) the lock had expired`;
}

function classifyRerun(e: Execution, prev: Execution, longest: Execution, timing: Timing): Classified {
  const tol = timing.timingToleranceMs;
  if (longest.stop > e.start) {
    const cause =
      claimedAt(e, timing) >= lockExpiryBound(longest, timing)
        ? "the lock expired while its owner was still running the job (a stall)"
        : honouredByTheirClocks(e, longest, timing)
          ? skewed(e, longest)
          : "the lock was not honoured: it could not have expired yet";
    return { cls: "double-execution", against: longest, cause };
  }
  if (prev.ack !== undefined && (prev.ackT as number) <= e.start + tol) {
    if (prev.ack === "retry") return { cls: "retry", against: prev };
    return { cls: prev.ack === "success" ? "run-after-success" : "run-after-failure", against: prev };
  }
  // The failed attempt was written to the database (attempts counts it, which only the retry
  // path does, releasing the lock as it goes), but the process died before the ack event.
  if (retriedInDatabase(prev, e)) return { cls: "retry", against: prev };
  const honoured = claimedAt(e, timing) >= lockExpiryBound(prev, timing);
  const byClocks = !honoured && honouredByTheirClocks(e, prev, timing);
  if (prev.diedAt !== undefined && prev.diedAt <= e.start) {
    if (byClocks) return { cls: "recovery", against: prev, cause: skewed(e, prev) };
    return honoured
      ? { cls: "recovery", against: prev }
      : {
          cls: "lock-not-honoured",
          against: prev,
          cause: "its process had died, but the lock could not have expired yet",
        };
  }
  if (byClocks) return { cls: "stall", against: prev, cause: skewed(e, prev) };
  return honoured
    ? {
        cls: "stall",
        against: prev,
        cause: "the earlier execution's process was alive and had not acknowledged it",
      }
    : {
        cls: "lock-not-honoured",
        against: prev,
        cause: "the earlier execution's process was alive and held the lock",
      };
}

/**
 * Whether e is the retry of a failed prev that the database recorded although no ack says so:
 * prev's handler failed, and e was claimed as the next attempt (the attempt count comes from the
 * job document, which only the retry path raises, in the same update that releases the lock).
 */
export function retriedInDatabase(prev: Execution, e: Execution): boolean {
  return prev.endOutcome === "error" && prev.ack === undefined && e.attempt === prev.attempt + 1;
}

/** How people read one execution in evidence. */
export function describeExecution(e: Execution) {
  return {
    execId: e.execId,
    proc: e.proc,
    instance: e.instance,
    pid: e.pid,
    start: e.start,
    stop: e.stop,
    end: e.endOutcome ?? null,
    ack: e.ack ?? null,
    ackT: e.ackT ?? null,
    diedAt: e.diedAt ?? null,
    lockUntil: e.lockUntil ?? null,
  };
}

/**
 * Re-executions, classified: a recovery re-run after the executing process died is expected;
 * a double execution, a re-run while the owner lived and had not acknowledged (a stall), a re-run
 * before the lock could have expired, and a run after a final outcome break the promise of no
 * double processing.
 */
export const reexecutionsChecker: Checker<"re-executions"> = {
  name: "re-executions",
  describe: {
    pass: "every re-run is a retry (acknowledged, or the next attempt the database recorded), a repeat's next slot, or a recovery: the previous execution's process had died before the re-run, and its lock could have expired",
    fail: "a **double execution** (two executions of one job alive at once, with the cause: a stall or a lock not honoured); a re-run while the previous owner lived and had not acknowledged (**stall**); a re-run before the previous lock could have expired (**lock not honoured**: the claim's `lockUntil` is in the ledger); a run after the job was marked completed or failed; a claim that wrote a lock shorter than `lockTimeoutMs` from the poll that made it (**short lock**: a mongo-job-scheduler worker claims one job at a time, so that poll began after it released its previous job), which also moves the lock-expiry bounds above later; a claim before the job's `nextRunAt` (**ran before due**: a retry before its delay; the claim time is the claim's `lockUntil` less the lock timeout, mongo-job-scheduler only)",
  },
  check({ history, settings }): CheckerResult<"re-executions"> {
    const index = runIndexOf(history, settings.runEndedAt, settings.lockTimeoutMs);
    const violations: Violation[] = [];
    const byClass = judgeClasses(index, settings, violations);
    const shortLocks = judgeShortLocks(index, settings, violations);
    const early = judgeClaimsBeforeDue(index, settings, violations);
    const figures: ReexecutionFigures = { executions: index.executions.length, byClass, shortLocks, early };
    return decide("re-executions", {
      summary:
        index.executions.length === 0
          ? "no execution was recorded"
          : `${index.executions.length} executions: ${byClass.recovery} recovery re-runs, ${byClass.retry} retries, ${byClass["double-execution"]} double executions, ${byClass.stall} re-runs under a live owner, ${byClass["lock-not-honoured"]} before the lock could expire, ${byClass["run-after-success"] + byClass["run-after-failure"]} runs after a final outcome${shortLocks ? `; ${shortLocks} claims with a lock shorter than lockTimeoutMs` : ""}${early ? `; ${early} claims before the job was due` : ""}`,
      violations,
      figures,
      nothingToJudge: index.executions.length === 0,
    });
  },
};

/** Classifies every execution job by job; returns the class counts and adds each broken promise. */
function judgeClasses(
  index: RunIndex,
  timing: Timing,
  violations: Violation[],
): Record<ExecutionClass, number> {
  const byClass = Object.fromEntries(executionClasses.map((c) => [c, 0])) as Record<ExecutionClass, number>;
  for (const [jobId, list] of index.byJob) {
    classifyExecutions(list, timing).forEach((c, i) => {
      byClass[c.cls]++;
      const text = violationText[c.cls];
      const e = list[i] as Execution;
      if (!text || !c.against) return;
      violations.push({
        kind: c.cls,
        jobId,
        t: e.start,
        message: `job ${jobId} (${e.name}) ${text}: execution ${e.execId} on ${e.proc} at ${new Date(e.start).toISOString()}, after ${c.against.execId} on ${c.against.proc}${c.cause ? `; ${c.cause}` : ""}`,
        evidence: {
          execution: describeExecution(e),
          earlier: describeExecution(c.against),
          cause: c.cause ?? null,
        },
      });
    });
  }
  return byClass;
}

/** Adds a violation per claim locked for less than lockTimeoutMs from its poll; returns how many. */
function judgeShortLocks(index: RunIndex, timing: Timing, violations: Violation[]): number {
  // A claim must lock the job for lockTimeoutMs from the poll that claimed it: a shorter lock
  // lets another worker take a live or barely dead job early.
  let shortLocks = 0;
  for (const e of index.executions) {
    const polled = claimedNoEarlierThan(e, timing);
    if (e.lockUntil === undefined || polled === undefined) continue;
    const atLeast = polled + timing.lockTimeoutMs - timing.timingToleranceMs;
    if (e.lockUntil >= atLeast) continue;
    shortLocks++;
    violations.push({
      kind: "short-lock",
      jobId: e.jobId,
      t: e.start,
      message: `job ${e.jobId} (${e.name}) was claimed by ${e.execId} on ${e.proc} with a lock until ${new Date(e.lockUntil).toISOString()}, ${polled + timing.lockTimeoutMs - e.lockUntil} ms short of lockTimeoutMs (${timing.lockTimeoutMs} ms) after its worker was free to claim at ${new Date(polled).toISOString()}`,
      evidence: {
        execution: describeExecution(e),
        workerFreeAt: polled,
        lockTimeoutMs: timing.lockTimeoutMs,
      },
    });
  }
  return shortLocks;
}

/** Adds a violation per claim made before its job's nextRunAt; returns how many. */
function judgeClaimsBeforeDue(index: RunIndex, timing: Timing, violations: Violation[]): number {
  // A job is claimable once due: a claim before its nextRunAt (a retry before its delay, a job
  // scheduled for later) ran it early. The claim's poll time and nextRunAt are both the
  // scheduler's own clock values, so only mongo-job-scheduler's claims (global claim order,
  // lockUntil recorded) are judged.
  let early = 0;
  for (const e of index.executions) {
    if (timing.claimOrder !== "global-priority" || e.lockUntil === undefined) continue;
    const claimed = claimedAt(e, timing);
    if (claimed >= e.nextRunAt - timing.timingToleranceMs) continue;
    early++;
    violations.push({
      kind: "ran-before-due",
      jobId: e.jobId,
      t: e.start,
      message: `job ${e.jobId} (${e.name}) was claimed by ${e.execId} on ${e.proc} at ${new Date(claimed).toISOString()}, ${e.nextRunAt - claimed} ms before it was due (nextRunAt ${new Date(e.nextRunAt).toISOString()}, attempt ${e.attempt})`,
      evidence: { execution: describeExecution(e), nextRunAt: e.nextRunAt, claimedAt: claimed },
    });
  }
  return early;
}
