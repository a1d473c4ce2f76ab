import type { History } from "../ledger/history.ts";
import type { StalledRecord } from "../ledger/records.ts";
import type { Execution } from "./executions.ts";
import type { StallFigures } from "./figures.ts";
import { type RunIndex, runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/**
 * Stall detection (maxExecutionMs): every execution that ran past maxExecutionMs plus one
 * heartbeat interval (lockTimeoutMs / 2) and the tolerance, and whose lock renewal did not fail
 * first, must have raised job:stalled; no job:stalled may come for an execution before
 * maxExecutionMs has passed since its claim.
 */
export const stalledEventsChecker: Checker<"stalled-events"> = {
  name: "stalled-events",
  describe: {
    pass: "every execution past `maxExecutionMs` (plus a heartbeat) whose lock renewal had not already failed raised `job:stalled`, and none came before `maxExecutionMs` had passed since its claim (the scheduler's stall clock starts before the handler, and a worker frozen in between raises it just after the handler's start; without a claim time it is unknown)",
    fail: "a missing or early `job:stalled`",
  },
  check({ history, settings }): CheckerResult<"stalled-events"> {
    const max = settings.maxExecutionMs;
    const { stallsByJob, stalledEvents, heartbeatFailures } = stallRecordsOf(history);
    if (!max) {
      return decide("stalled-events", {
        summary: "maxExecutionMs was not set: stall detection off",
        figures: { longExecutions: 0, stalledEvents },
        nothingToJudge: true,
      });
    }
    const heartbeat = Math.max(50, settings.lockTimeoutMs / 2);
    const tol = settings.timingToleranceMs;
    const index = runIndexOf(history, settings.runEndedAt, settings.lockTimeoutMs);
    const stallsOf = stallsByExecution(stallsByJob, index.executions, heartbeat, tol);
    const violations: Violation[] = [];
    const unknowns: Violation[] = [];
    let long = 0;
    for (const e of index.executions) {
      const own = stallsOf.get(e) ?? [];
      const heartbeatFailed = (heartbeatFailures.get(`${e.instance} ${e.jobId}`) ?? []).some(
        (t) => t >= e.start && t <= e.stop,
      );
      if (e.stop - e.start > max + heartbeat + tol && !heartbeatFailed) {
        long++;
        if (own.length === 0) violations.push(stallNotReported(e, max));
      }
      judgeStallTimes(e, own, max, tol, index, violations, unknowns);
    }
    const figures: StallFigures = { longExecutions: long, stalledEvents };
    return decide("stalled-events", {
      summary:
        long === 0 && violations.length === 0
          ? `no execution ran past maxExecutionMs (${max} ms)`
          : `${long} executions ran past maxExecutionMs ${max} ms; ${stalledEvents} job:stalled events; ${violations.length} violations`,
      violations,
      unknowns,
      figures,
      nothingToJudge: long === 0,
    });
  },
};

/** In one pass: job:stalled records by job, their count, and heartbeat failure times by instance and job. */
function stallRecordsOf(history: History): {
  stallsByJob: Map<string, StalledRecord[]>;
  stalledEvents: number;
  heartbeatFailures: Map<string, number[]>;
} {
  const stallsByJob = new Map<string, StalledRecord[]>();
  let stalledEvents = 0;
  // Heartbeat failures per instance and job: they end renewal without a stall.
  const heartbeatFailures = new Map<string, number[]>();
  for (const r of history.records) {
    if (r.type === "stalled") {
      stalledEvents++;
      const list = stallsByJob.get(r.jobId) ?? [];
      list.push(r);
      stallsByJob.set(r.jobId, list);
    } else if (r.type === "worker-error") {
      const m = /Heartbeat failed for job (\S+?):/.exec(r.message);
      if (!m) continue;
      const key = `${r.instance} ${m[1]}`;
      const list = heartbeatFailures.get(key) ?? [];
      list.push(r.t);
      heartbeatFailures.set(key, list);
    }
  }
  return { stallsByJob, stalledEvents, heartbeatFailures };
}

/** Each job:stalled handed to the one execution it belongs to; a stall no execution owns is left out. */
function stallsByExecution(
  stallsByJob: ReadonlyMap<string, readonly StalledRecord[]>,
  executions: readonly Execution[],
  heartbeat: number,
  tol: number,
): Map<Execution, StalledRecord[]> {
  const executionsByJob = new Map<string, Execution[]>();
  for (const e of executions) executionsByJob.set(e.jobId, [...(executionsByJob.get(e.jobId) ?? []), e]);
  // Each job:stalled belongs to one execution: of the job's executions on that process that were
  // alive then, the one that started first (the scheduler's stall timer runs from the start, so the
  // longest-running one reaches it first). Matching by time alone would hand a stall of a first
  // execution to a second execution of the same job that the same process took over meanwhile.
  const stallsOf = new Map<Execution, StalledRecord[]>();
  for (const list of stallsByJob.values()) {
    for (const s of list) {
      let owner: Execution | undefined;
      for (const e of executionsByJob.get(s.jobId) ?? []) {
        if (e.instance !== s.instance || s.t < e.start || s.t > e.stop + heartbeat + tol) continue;
        if (!owner || e.start < owner.start) owner = e;
      }
      if (owner) stallsOf.set(owner, [...(stallsOf.get(owner) ?? []), s]);
    }
  }
  return stallsOf;
}

/** The violation of an execution that ran past maxExecutionMs and raised no job:stalled. */
function stallNotReported(e: Execution, max: number): Violation {
  return {
    kind: "stall-not-reported",
    jobId: e.jobId,
    t: e.start,
    message: `job ${e.jobId} (${e.name}) ran ${e.stop - e.start} ms on ${e.proc}, past maxExecutionMs ${max} ms, and no job:stalled came`,
  };
}

/** Judges one execution's stalls: too early since its claim fails; early with no known claim is unknown. */
function judgeStallTimes(
  e: Execution,
  own: readonly StalledRecord[],
  max: number,
  tol: number,
  index: RunIndex,
  violations: Violation[],
  unknowns: Violation[],
): void {
  // The scheduler's stall clock starts when it begins the execution: after the claim, before the
  // handler (and so before the ledger's start record) by a lock check against MongoDB, and by any
  // freeze of the process in between. Only the claim bounds it from below: a stall is too early
  // when it came before maxExecutionMs had passed since the claim.
  for (const s of own) {
    if (s.t >= e.start + max - tol) continue;
    if (e.lockUntil === undefined) {
      unknowns.push({
        kind: "stall-unjudged",
        jobId: e.jobId,
        t: s.t,
        message: `job ${e.jobId} (${e.name}) was reported stalled ${s.t - e.start} ms after its handler started, and the ledger does not say when it was claimed (no lockUntil): too early or not cannot be told`,
      });
      continue;
    }
    const claim = index.claimAt(e);
    if (s.t < claim + max - tol) {
      violations.push({
        kind: "stall-too-early",
        jobId: e.jobId,
        t: s.t,
        message: `job ${e.jobId} (${e.name}) was reported stalled ${s.t - claim} ms after its claim (${s.t - e.start} ms into its handler), before maxExecutionMs ${max} ms`,
      });
    }
  }
}
