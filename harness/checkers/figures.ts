/**
 * The figures each checker measures, as typed objects. result.json keeps them under
 * `checkers[<checker name>].figures`, and the views read these types directly. No imports: the
 * views and other tools can depend on this file alone.
 */

/** Why an accepted job did not end as expected; the order is the order of the report's lines. */
export const lostReasons = [
  "missing from the database",
  "stuck running with an expired lock",
  "still running with a live lock",
  "on an unavailable process at the end",
  "pending",
  "failed",
  "cancelled",
  "other status",
] as const;
export type LostReason = (typeof lostReasons)[number];

/** lost-jobs: every accepted request against the final state and the ledger. */
export interface LostJobsFigures {
  /** Accepted enqueue requests (each an obligation). */
  requests: number;
  /** Distinct jobs those requests name. */
  accepted: number;
  completed: number;
  /** Accepted jobs not in their expected final status. */
  lost: number;
  byReason: Record<LostReason, number>;
  /** Requests without a dedupe key answered with the id of another request's job. */
  mergedRequests: number;
  /** Job documents no accepted request created. */
  unexpectedJobs: number;
  /** Executions of a job no accepted request created. */
  unexpectedExecutions: number;
  /**
   * Jobs expected to complete that an execution completed, though their document says failed: not
   * lost (final-state judges the document).
   */
  doneButFailed: number;
}

/** How a job's final state can contradict the ledger; the order is the order of the report's lines. */
export const contradictionKinds = [
  "completed-without-success",
  "failed-without-failure",
  "attempts-mismatch",
  "completion-lost",
] as const;
export type ContradictionKind = (typeof contradictionKinds)[number];

/** final-state: every job document's final state against the executions the ledger recorded. */
export interface FinalStateFigures {
  /** Job documents in the final state. */
  jobs: number;
  /** Those held against the ledger (repeating jobs are left out: their status cycles). */
  judged: number;
  /** Final states the ledger contradicts. */
  contradicted: number;
  byKind: Record<ContradictionKind, number>;
}

/** How an execution relates to the executions of the same job before it. */
export const executionClasses = [
  "first",
  "retry",
  "repeat",
  "recovery",
  "double-execution",
  "stall",
  "lock-not-honoured",
  "run-after-success",
  "run-after-failure",
] as const;
export type ExecutionClass = (typeof executionClasses)[number];

/** re-executions: every execution classified against the ones of its job before it. */
export interface ReexecutionFigures {
  executions: number;
  byClass: Record<ExecutionClass, number>;
  /** Claims that wrote a lock shorter than lockTimeoutMs from the poll that made them. */
  shortLocks?: number;
  /** Claims made before the job's nextRunAt. */
  early?: number;
}

/** recovery-time: from each kill to the next start of every job the killed process was executing. */
export interface RecoveryFigures {
  kills: number;
  /** Jobs executing in a killed process (by the ledger's starts and the kill's in-flight list). */
  victims: number;
  recovered: number;
  p50Ms: number | null;
  maxMs: number | null;
  boundMs: number;
  toleranceMs: number;
  lateExplained: number;
  lateUnexplained: number;
  /** The handler had ended and the database held the outcome: only the acknowledgement was cut. */
  finishedBeforeKill: number;
  /** Re-runs that began before the killed execution's lock could have expired. */
  lockViolations: number;
  /** Jobs a kill listed as in flight whose start record the history lacks. */
  missingStarts: number;
}

/** priority-order. */
export interface PriorityFigures {
  executions: number;
  inversions: number;
  maxInversionWaitMs: number;
  limitedBehindUnlimited: number;
  /** Median first start (ms after the first execution) by priority ("1" … "10"), where any ran. */
  startP50MsByPriority: Record<string, number | null>;
}

/** concurrency-limit, per limited job name. */
export interface ConcurrencyNameFigures {
  limit: number;
  peak: number;
  msOverLimit: number;
  longestStarvationMs: number;
}

export interface ConcurrencyFigures {
  names: Record<string, ConcurrencyNameFigures>;
  overLimitEpisodes: number;
  starvedNames: number;
}

/** retry-timing and retry-computed-delay. */
export interface RetryFigures {
  jobs: number;
  checked: number;
  early: number;
  late: number;
  worstEarlyMs: number;
  worstLateMs: number;
  /** What a late retry was allowed beyond delay + poll interval: the run's p99 claim-to-start, ms. */
  pollAllowanceMs?: number;
}

/** ownership. */
export interface OwnershipFigures {
  staleExecutions: number;
  staleCompletionsRefused: number;
  violations: number;
}

/** stalled-events. */
export interface StallFigures {
  longExecutions: number;
  stalledEvents: number;
}

/** repeat-ticks. */
export interface RepeatFigures {
  jobs: number;
  ticks: number;
  doubleTicks: number;
  missed: number;
  driftP50Ms: number | null;
  driftP99Ms: number | null;
}

/** dedupe. */
export interface DedupeFigures {
  keys: number;
  requests: number;
  jobs: number;
  executions: number;
}

/** Every checker by name, with the figures it reports. */
export interface FiguresByChecker {
  "lost-jobs": LostJobsFigures;
  "final-state": FinalStateFigures;
  "re-executions": ReexecutionFigures;
  "recovery-time": RecoveryFigures;
  "priority-order": PriorityFigures;
  "concurrency-limit": ConcurrencyFigures;
  "retry-timing": RetryFigures;
  "retry-computed-delay": RetryFigures;
  ownership: OwnershipFigures;
  "stalled-events": StallFigures;
  "repeat-ticks": RepeatFigures;
  dedupe: DedupeFigures;
}

export type CheckerName = keyof FiguresByChecker;
