import type { KillRecord } from "../ledger/records.ts";
import { percentile, round } from "../util/stats.ts";
import { claimOrderPhrase, DEFAULT_CLAIM_ORDER } from "./claimOrder.ts";
import type { Execution } from "./executions.ts";
import type { RecoveryFigures } from "./figures.ts";
import { claimedAt, lockExpiryBound, retriedInDatabase } from "./reexecutions.ts";
import { type RunIndex, runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, CheckSettings, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** One job that was executing in a killed process, and when it ran again. */
export interface Recovery {
  jobId: string;
  killedAt: number;
  proc: string;
  recoveredAt: number | null;
  recoveryMs: number | null;
  /** Over the bound plus tolerance, and why (null when within it). */
  late: null | "explained" | "unexplained";
  explanation?: string;
}

const iso = (t: number) => new Date(t).toISOString();

/**
 * Recovery time: from each kill to the next start of every job the killed process was executing
 * (by the history's starts, and by the kill's own in-flight list: one listed there whose start
 * the history lacks makes the verdict unknown). The bound is lockTimeoutMs + pollIntervalMs (the
 * lock must expire, then a worker must poll). A re-run before the killed execution's lock could
 * have expired breaks the lock. A recovery over bound + tolerance is late; it is a violation
 * unless the ledger shows every worker busy with jobs that come first in the scheduler's claim
 * order (the one its adapter declares, claimOrder.ts) for the whole wait. A job never run again is a violation, unless its handler had ended
 * and the database holds its outcome (the kill fell between the database update and the
 * acknowledgement event).
 */
export const recoveryTimeChecker: Checker<"recovery-time"> = {
  name: "recovery-time",
  describe: {
    pass: "every job executing in a killed process (by the history's starts, and by the kill's own in-flight list) ran again within `lockTimeoutMs + pollIntervalMs` + tolerance (default 1000 ms), or later only because every worker was busy with jobs that come first in the scheduler's claim order (declared by its adapter and kept in `result.json` as `sut.claimOrder`: `global-priority` for mongo-job-scheduler, unlimited jobs first, then by priority and due time; `per-name` for Agenda, which claims each job name on its own, by due time then priority, a job whose lock lapsed first); none ran again before its lock could expire",
    fail: "a killed job never ran again, ran again before the killed execution's lock could have expired (**lock violation**), or ran late while a worker stood idle (no job, no claim) or a claim begun after it was claimable took a job later in claim order (under `per-name`, only a job of the same name can); a job the kill lists as in flight without a start record makes the verdict **unknown**",
  },
  check({ history, settings, finalState }): CheckerResult<"recovery-time"> {
    const { lockTimeoutMs, pollIntervalMs, recoveryToleranceMs: tol, runEndedAt } = settings;
    const boundMs = lockTimeoutMs + pollIntervalMs;
    const index = runIndexOf(history, runEndedAt, lockTimeoutMs);
    const kills = history.records.filter((r): r is KillRecord => r.type === "fault" && r.action === "kill");
    const { byInstance, byExecId } = executionsByInstanceAndId(index);
    const judging: Judging = {
      index,
      settings,
      boundMs,
      finalStatus: new Map(finalState.map((j) => [j.id, j.status])),
    };
    const tally: Tally = {
      recoveries: [],
      violations: [],
      unknowns: [],
      finishedBeforeKill: 0,
      lockViolations: 0,
      missingStarts: 0,
    };
    for (const kill of kills) {
      judgeMissingStarts(kill, byExecId, tally);
      const victims = (byInstance.get(kill.instance) ?? []).filter(
        (e) => e.start <= kill.t && e.diedAt === kill.t,
      );
      for (const v of victims) judgeVictim(v, kill, judging, tally);
    }
    const figures = figuresOf(kills.length, tally, boundMs, tol);
    const { recoveries, violations, unknowns } = tally;
    const nothing = recoveries.length === 0 && unknowns.length === 0;
    const summary = nothing
      ? `${kills.length === 0 ? "no kill happened" : "no killed process was executing a job"}: recovery was not exercised`
      : `${figures.recovered} of ${recoveries.length} killed jobs recovered; p50 ${figures.p50Ms} ms, max ${figures.maxMs} ms against a bound of ${boundMs} ms (+${tol} ms tolerance)${figures.lateExplained ? `; ${figures.lateExplained} late behind work that comes first in claim order` : ""}${figures.lockViolations ? `; ${figures.lockViolations} re-run before the lock could expire` : ""}${figures.missingStarts ? `; ${figures.missingStarts} in flight at a kill with no start record` : ""}`;
    return decide("recovery-time", { summary, violations, unknowns, figures, nothingToJudge: nothing });
  },
};

/** What every victim of every kill is judged with. */
interface Judging {
  index: RunIndex;
  settings: CheckSettings;
  /** lockTimeoutMs + pollIntervalMs: the lock must expire, then a worker must poll. */
  boundMs: number;
  /** Each job's status in the final state. */
  finalStatus: Map<string, string>;
}

/** What recovery-time gathers kill by kill: its findings, in report order, and its counts. */
interface Tally {
  recoveries: Recovery[];
  violations: Violation[];
  unknowns: Violation[];
  finishedBeforeKill: number;
  lockViolations: number;
  missingStarts: number;
}

/** The run's executions by process instance (in start order) and by execution id. */
function executionsByInstanceAndId(index: RunIndex): {
  byInstance: Map<string, Execution[]>;
  byExecId: Map<string, Execution>;
} {
  const byInstance = new Map<string, Execution[]>();
  const byExecId = new Map<string, Execution>();
  for (const e of index.executions) {
    byExecId.set(e.execId, e);
    const list = byInstance.get(e.instance);
    if (list) list.push(e);
    else byInstance.set(e.instance, [e]);
  }
  return { byInstance, byExecId };
}

/** Adds an unknown per job the kill listed in flight whose start on the killed instance the history lacks. */
function judgeMissingStarts(kill: KillRecord, byExecId: ReadonlyMap<string, Execution>, tally: Tally): void {
  // The kill's own list must be accounted for by the history.
  for (const f of kill.inFlight) {
    const e = byExecId.get(f.execId);
    if (e && e.instance === kill.instance && e.jobId === f.jobId) continue;
    tally.missingStarts++;
    tally.unknowns.push({
      kind: "missing-start",
      jobId: f.jobId,
      t: kill.t,
      message: `job ${f.jobId} was in flight on ${kill.proc} when it was killed at ${iso(kill.t)}, but the history has no start of execution ${f.execId} there: its recovery cannot be judged`,
      evidence: {
        execId: f.execId,
        instance: kill.instance,
        found: e ? { instance: e.instance, jobId: e.jobId } : null,
      },
    });
  }
}

/** Judges one job the kill cut off: records its recovery and adds its never/lock/late findings, in order. */
function judgeVictim(v: Execution, kill: KillRecord, judging: Judging, tally: Tally): void {
  const { index, settings, boundMs } = judging;
  const tol = settings.recoveryToleranceMs;
  const list = index.byJob.get(v.jobId) ?? [];
  const next = list.find((e) => e.start > kill.t);
  // The handler had ended and the database holds the outcome: the kill only cut off the
  // acknowledgement event (between markCompleted and job:success, or between the retry's
  // reschedule and job:retry). Nothing to recover.
  const outcomeStored = next
    ? retriedInDatabase(v, next)
    : v.end !== undefined && ["completed", "failed"].includes(judging.finalStatus.get(v.jobId) ?? "");
  if (outcomeStored) {
    tally.finishedBeforeKill++;
    return;
  }
  const rec: Recovery = {
    jobId: v.jobId,
    killedAt: kill.t,
    proc: kill.proc,
    recoveredAt: next?.start ?? null,
    recoveryMs: next ? next.start - kill.t : null,
    late: null,
  };
  tally.recoveries.push(rec);
  if (!next) {
    const finding = neverRecovered(v, kill);
    if (settings.complete) tally.violations.push(finding);
    else tally.unknowns.push({ ...finding, kind: "not-yet-recovered" });
    return;
  }
  const lockViolation = lockViolationOf(v, next, kill, settings);
  if (lockViolation) {
    tally.lockViolations++;
    tally.violations.push(lockViolation);
  }
  if ((rec.recoveryMs as number) <= boundMs + tol) return;
  const why = explainLate(v, kill.t + boundMs, next.start, index, settings);
  rec.late = why.unexplained ? "unexplained" : "explained";
  rec.explanation = why.text;
  if (why.unexplained) {
    tally.violations.push({
      kind: "late-recovery",
      jobId: v.jobId,
      t: next.start,
      message: `job ${v.jobId} (${v.name}) took ${rec.recoveryMs} ms to recover, over the bound ${boundMs} ms + ${tol} ms tolerance: ${why.text}`,
      evidence: { killedAt: kill.t, recoveredAt: next.start, boundMs, toleranceMs: tol },
    });
  }
}

/** The finding of a killed job that never ran again (a violation once the run is complete). */
function neverRecovered(v: Execution, kill: KillRecord): Violation {
  return {
    kind: "never-recovered",
    jobId: v.jobId,
    t: kill.t,
    message: `job ${v.jobId} (${v.name}) was executing on ${kill.proc} when it was killed at ${iso(kill.t)} and never ran again`,
    evidence: {
      killedAt: kill.t,
      proc: kill.proc,
      instance: kill.instance,
      pid: kill.pid,
      concurrency: v.concurrency ?? null,
    },
  };
}

/** The lock-violation of a re-run claimed before the killed execution's lock could have expired, if so. */
function lockViolationOf(
  v: Execution,
  next: Execution,
  kill: KillRecord,
  settings: CheckSettings,
): Violation | undefined {
  const lockBound = lockExpiryBound(v, settings);
  const claimed = claimedAt(next, settings);
  if (claimed < lockBound) {
    return {
      kind: "lock-violation",
      jobId: v.jobId,
      t: next.start,
      message: `job ${v.jobId} (${v.name}) was claimed again on ${next.proc} at ${iso(claimed)} (started ${iso(next.start)}), ${lockBound - claimed} ms before the lock of its killed execution ${v.execId} could have expired`,
      evidence: { killedAt: kill.t, killed: v.execId, rerun: next.execId, lockExpiresAt: lockBound },
    };
  }
  return undefined;
}

/** The figures: kills, victims and how their recoveries went. */
function figuresOf(kills: number, tally: Tally, boundMs: number, tol: number): RecoveryFigures {
  const { recoveries } = tally;
  const times = recoveries.flatMap((r) => (r.recoveryMs === null ? [] : [r.recoveryMs]));
  let maxMs: number | null = null;
  for (const t of times) maxMs = maxMs === null ? t : Math.max(maxMs, t);
  return {
    kills,
    victims: recoveries.length,
    recovered: times.length,
    p50Ms: round(percentile(times, 50), 0),
    maxMs,
    boundMs,
    toleranceMs: tol,
    lateExplained: recoveries.filter((r) => r.late === "explained").length,
    lateUnexplained: recoveries.filter((r) => r.late === "unexplained").length,
    finishedBeforeKill: tally.finishedBeforeKill,
    lockViolations: tally.lockViolations,
    missingStarts: tally.missingStarts,
  };
}

/**
 * Why a recovery came late, judged per scheduler worker so that claim round trips on a busy
 * machine are not mistaken for idleness: a claim whose poll began after the job was claimable
 * and took a job later in the claim order passed over it; a worker that released its job and did
 * not begin its next claim (or never did) for longer than a poll interval plus tolerance while the
 * job was claimable stood idle. Anything else means every worker was busy with work that comes
 * first. O(k log n) for the k executions and changes inside the window.
 */
function explainLate(
  v: Execution,
  from: number,
  to: number,
  index: RunIndex,
  settings: Pick<CheckSettings, "pollIntervalMs" | "recoveryToleranceMs" | "claimOrder">,
): { unexplained: boolean; text: string } {
  const order = settings.claimOrder ?? DEFAULT_CLAIM_ORDER;
  for (let i = index.firstStartingAtOrAfter(from); i < index.executions.length; i++) {
    const j = index.executions[i] as Execution;
    if (j.start >= to) break;
    if (index.claimAt(j) >= from && index.passesOver(j, v, order)) {
      return {
        unexplained: true,
        text: `job ${j.jobId} (${j.name}, priority ${j.priority}) was claimed at ${iso(j.start)} while this one was claimable and comes first in ${claimOrderPhrase(order)}`,
      };
    }
  }
  const limit = v.concurrency;
  const minMs = settings.pollIntervalMs + settings.recoveryToleranceMs;
  for (const idle of index.idleStretches(from, to, minMs)) {
    // A limited job is claimable only while its name is below the limit (its own stale lock aside).
    const stretch =
      limit == null
        ? { ms: idle.to - idle.from, at: idle.from }
        : longestEligible(idle.from, idle.to, index, v.name, limit);
    if (stretch.ms > minMs) {
      return {
        unexplained: true,
        text: `worker ${idle.worker} stood idle (no job, no claim) for ${stretch.ms} ms from ${iso(stretch.at)} while the job waited${limit != null ? ` (its name was below its limit of ${limit} without counting the job's own stale lock)` : ""}`,
      };
    }
  }
  return {
    unexplained: false,
    text: `every worker was busy with jobs that come first in ${claimOrderPhrase(order)}${order === "per-name" ? " or are of other names" : ""}`,
  };
}

/** The longest part of [from, to) during which `name` ran below `limit` (not counting one stale lock). */
function longestEligible(from: number, to: number, index: RunIndex, name: string, limit: number) {
  const points = [from, ...index.runningSteps(name).changesIn(from, to), to];
  let best = { ms: 0, at: from };
  let since: number | null = null;
  for (let i = 0; i < points.length; i++) {
    const t = points[i] as number;
    const ok = i < points.length - 1 && index.runningCount(name, t) - 1 < limit;
    if (ok && since === null) since = t;
    if (!ok && since !== null) {
      if (t - since > best.ms) best = { ms: t - since, at: since };
      since = null;
    }
  }
  return best;
}
