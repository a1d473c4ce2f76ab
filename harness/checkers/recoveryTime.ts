import type { FaultRecord } from "../ledger/records.ts";
import { percentile, round } from "../util/stats.ts";
import { type Liveness, livenessOf, longestFreeSlotGap, passesOver, runningCount } from "./claimOrder.ts";
import { buildExecutions, type Execution } from "./executions.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { judged, undecided } from "./verdicts.ts";

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

/**
 * Recovery time: from each kill to the next start of every job the killed process was executing.
 * The bound is lockTimeoutMs + pollIntervalMs (the lock must expire, then a worker must poll).
 * A recovery over bound + tolerance is late; it is a violation unless the ledger shows every worker
 * busy with jobs that come first in the scheduler's claim order for the whole wait. A job never
 * run again is a violation, unless its handler had ended and the database holds its outcome (the
 * kill fell between the database update and the acknowledgement event).
 */
export const recoveryTimeChecker: Checker = {
  name: "recovery-time",
  check({ history, settings, finalState }): CheckerResult {
    const { lockTimeoutMs, pollIntervalMs, recoveryToleranceMs: tol, runEndedAt } = settings;
    const boundMs = lockTimeoutMs + pollIntervalMs;
    const executions = buildExecutions(history, runEndedAt);
    const kills = history.records.filter((r): r is FaultRecord => r.type === "fault" && r.action === "kill");
    const live = livenessOf(history.records);
    const readyTimes = live.processes.filter((p) => p.event === "ready").map((p) => p.t);
    const recoveries: Recovery[] = [];
    const violations: Violation[] = [];
    const finalStatus = new Map(finalState.map((j) => [j.id, j.status]));
    let finishedBeforeKill = 0;

    for (const kill of kills) {
      const victims = executions.filter(
        (e) => e.pid === kill.pid && e.start <= kill.t && e.diedAt === kill.t,
      );
      for (const v of victims) {
        const next = executions.find((e) => e.jobId === v.jobId && e.start > kill.t);
        // The handler had ended and the database holds the outcome: the kill only cut off the
        // acknowledgement event (between markCompleted and job:success). Nothing to recover.
        if (
          !next &&
          v.end !== undefined &&
          ["completed", "failed"].includes(finalStatus.get(v.jobId) ?? "")
        ) {
          finishedBeforeKill++;
          continue;
        }
        const rec: Recovery = {
          jobId: v.jobId,
          killedAt: kill.t,
          proc: kill.proc,
          recoveredAt: next?.start ?? null,
          recoveryMs: next ? next.start - kill.t : null,
          late: null,
        };
        recoveries.push(rec);
        if (!next) {
          if (!settings.complete) continue;
          violations.push({
            kind: "never-recovered",
            jobId: v.jobId,
            t: kill.t,
            message: `job ${v.jobId} (${v.name}) was executing on ${kill.proc} when it was killed at ${iso(kill.t)} and never ran again`,
            evidence: {
              killedAt: kill.t,
              proc: kill.proc,
              pid: kill.pid,
              concurrency: v.concurrency ?? null,
            },
          });
          continue;
        }
        if ((rec.recoveryMs as number) <= boundMs + tol) continue;
        const why = explainLate(v, kill.t + boundMs, next.start, executions, live, readyTimes, settings);
        rec.late = why.unexplained ? "unexplained" : "explained";
        rec.explanation = why.text;
        if (why.unexplained) {
          violations.push({
            kind: "late-recovery",
            jobId: v.jobId,
            t: next.start,
            message: `job ${v.jobId} (${v.name}) took ${rec.recoveryMs} ms to recover, over the bound ${boundMs} ms + ${tol} ms tolerance: ${why.text}`,
            evidence: { killedAt: kill.t, recoveredAt: next.start, boundMs, toleranceMs: tol },
          });
        }
      }
    }

    const times = recoveries.flatMap((r) => (r.recoveryMs === null ? [] : [r.recoveryMs]));
    const figures = {
      kills: kills.length,
      victims: recoveries.length,
      recovered: times.length,
      p50Ms: round(percentile(times, 50), 0),
      maxMs: times.length ? Math.max(...times) : null,
      boundMs,
      toleranceMs: tol,
      lateExplained: recoveries.filter((r) => r.late === "explained").length,
      lateUnexplained: recoveries.filter((r) => r.late === "unexplained").length,
      finishedBeforeKill,
    };
    if (recoveries.length === 0) {
      const why = kills.length === 0 ? "no kill happened" : "no killed process was executing a job";
      return undecided(this.name, `${why}: recovery was not exercised`, figures, violations);
    }
    return judged(
      this.name,
      violations,
      `${times.length} of ${recoveries.length} killed jobs recovered; p50 ${figures.p50Ms} ms, max ${figures.maxMs} ms against a bound of ${boundMs} ms (+${tol} ms tolerance)${figures.lateExplained ? `; ${figures.lateExplained} late behind work that comes first in claim order` : ""}`,
      figures,
    );
  },
};

function iso(t: number): string {
  return new Date(t).toISOString();
}

function explainLate(
  v: Execution,
  from: number,
  to: number,
  executions: readonly Execution[],
  live: Liveness,
  readyTimes: readonly number[],
  settings: { lockTimeoutMs: number; pollIntervalMs: number; recoveryToleranceMs: number },
): { unexplained: boolean; text: string } {
  const passed = executions.find(
    (j) =>
      j.jobId !== v.jobId &&
      j.start >= from &&
      j.start < to &&
      passesOver(j, v, executions, readyTimes, settings.lockTimeoutMs),
  );
  if (passed) {
    return {
      unexplained: true,
      text: `job ${passed.jobId} (${passed.name}, priority ${passed.priority}) was claimed at ${iso(passed.start)} while this one was claimable and comes first in claim order`,
    };
  }
  const eligible =
    v.concurrency == null
      ? () => true
      : (t: number) =>
          runningCount(v.name, t, executions, readyTimes, settings.lockTimeoutMs) - 1 <
          (v.concurrency as number);
  const gap = longestFreeSlotGap(from, to, executions, live, eligible);
  if (gap.ms > settings.pollIntervalMs + settings.recoveryToleranceMs) {
    return {
      unexplained: true,
      text: `a worker slot stood free for ${gap.ms} ms from ${iso(gap.at as number)} while the job waited${v.concurrency != null ? ` (its name was below its limit of ${v.concurrency} without counting the job's own stale lock)` : ""}`,
    };
  }
  return { unexplained: false, text: "every worker was busy with jobs that come first in the claim order" };
}
