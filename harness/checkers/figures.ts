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

/** stop-handover: what became of every job a gracefully stopped process held, and an operation's cost. */
export interface StopHandoverFigures {
  /** Graceful stops by an operation (a rolling restart, a scale-down). */
  stops: number;
  /** Jobs the stopping processes held when their stops began (by the ledger and the database). */
  held: number;
  /** Finished (acknowledged) by the stopping process before it exited. */
  finished: number;
  /** No longer locked by it once it had exited: claimable again at once. */
  handedBack: number;
  /** Still locked by a process that no longer exists: a lock timeout lost, each a violation. */
  heldAfterExit: number;
  /** Jobs a process claimed after its stop began (its SIGTERM) and left locked. */
  claimedDuringStop: number;
  /** Stops whose database side could not be asked. */
  unknownStops: number;
  /** Stops that needed the SIGKILL after the grace period. */
  killedAfterGrace: number;
  stopMsP50: number | null;
  stopMsMax: number | null;
  /** The longest a job held after its process exited waited until another process ran it (ms). */
  longestWaitAfterExitMs: number | null;
  /** Each operation's cost, in the order they ran. */
  operations: {
    op: string;
    fault: string;
    from: number;
    to: number;
    /** Jobs completed per second before the operation (as long a stretch as it lasted, ≤ 30 s) and during it. */
    throughputBefore: number | null;
    throughputDuring: number | null;
    /** 1 − during / before, as a percentage (negative: faster during). */
    dipPct: number | null;
    /** The longest any job due during the operation waited from due to its first start (ms). */
    longestDueWaitMs: number | null;
    longestDueWaitJob: string | null;
  }[];
}

/** scaling: throughput against the number of worker processes, and how new processes took work. */
export interface ScalingFigures {
  steps: {
    /** Worker processes the step asked for. */
    processes: number;
    from: number;
    to: number;
    /** Jobs completed per second over the step. */
    completionsPerSec: number;
    /** How long jobs were waiting (accepted, not yet started) during the step (ms). */
    saturatedMs: number;
    /** Jobs completed per second while jobs were waiting: the step's capacity; null when too short to tell. */
    saturatedPerSec: number | null;
  }[];
  /** Processes an operation started, and how soon each took its first job. */
  added: { proc: string; startToReadyMs: number; readyToFirstJobMs: number | null }[];
  /** The saturated throughput of the step with the most processes over the one with the fewest. */
  scalingRatio: number | null;
}

/** db-reconnect: what a database restart did to the workers, the trigger server and the jobs. */
export interface DbReconnectFigures {
  restarts: {
    window: string;
    part: string;
    mode: string;
    downAt: number;
    readyAt: number;
    /** From the database's return to the first job claimed by any worker (ms). */
    firstClaimMs: number | null;
    /** From its return to the first request the trigger server accepted (ms). */
    firstAcceptMs: number | null;
    /** From its return until completions per second came back to 80% of the rate before (ms). */
    normalThroughputMs: number | null;
    /** Worker processes alive across the restart, and those of them that claimed a job after it. */
    workers: number;
    reconnected: number;
    /** Their scheduler loops (workerIds) that claimed before the restart, and those that claimed after it. */
    loops: number;
    loopsReconnected: number;
    /** Requests refused (or unanswered) and accepted from the stop to the return plus 5 s. */
    refused: number;
    accepted: number;
  }[];
  /**
   * Re-runs around the restarts (double executions, stalls, runs after a final outcome), by cause:
   * the restart's, the server's non-atomic claim (one lock version claimed twice), or undetermined.
   */
  anomalies: { restart: number; serverClaim: number; undetermined: number };
}

/** growth: the slope of each worker's resource series over the second half of the run. */
export interface GrowthFigures {
  /** Every judged series: a worker instance's metric, its slope per hour and the 95% interval. */
  series: {
    proc: string;
    instance: string;
    metric: GrowthMetric;
    samples: number;
    /** Units per hour: MB for memory, connections, ms for loop delay. */
    slopePerHour: number;
    ci: [number, number];
    /** The bound per hour, for gated metrics; null for loop delay (reported only). */
    bound: number | null;
    verdict: "pass" | "fail" | "unknown" | "reported";
  }[];
  /** Samples taken in all. */
  samples: number;
  /** The second half judged: from this time (ms since the epoch). */
  from: number | null;
}

/** The resource series a soak samples; loop delay is reported, the others gated. */
export const growthMetrics = ["rssMb", "heapUsedMb", "connections", "loopDelayP99Ms"] as const;
export type GrowthMetric = (typeof growthMetrics)[number];

/** Every checker by name, with the figures it reports. */
/** effects (app mode): every accepted job of a kind that leaves an effect, against its effects. */
export interface EffectsFigures {
  /** Accepted jobs of kinds that leave an effect. */
  judged: number;
  /** Effect documents read. */
  effects: number;
  /** Jobs with more than one effect (each a job whose work was done twice), and the extra effects. */
  duplicated: number;
  extraEffects: number;
  /** Jobs completed with no effect. */
  missing: number;
  /** Jobs failed or cancelled although their effect exists. */
  contradicted: number;
  /** Effects of a job id no accepted request was answered with. */
  unexpected: number;
  /** Jobs with one effect per run where each extra run followed a holder that died with the job. */
  afterCrash: number;
}

/** own-jobs (app mode), per job name the service schedules for itself. */
export interface OwnJobNameFigures {
  documents: number;
  /** Claims seen (distinct lastRunAt values): at least this many, as sampling may miss some. */
  claims: number;
  failures: number;
  repeating: boolean;
}

export interface OwnJobsFigures {
  jobs: number;
  names: Record<string, OwnJobNameFigures>;
  failed: number;
  duplicated: number;
  overClaimed: number;
}

/** lock-lease (app mode): the lock every observed claim took, from the documents' own times. */
export interface LockLeaseFigures {
  claims: number;
  /** lockUntil − lastRunAt of the observed claims whose lock was live, ms. */
  minMs: number | null;
  p50Ms: number | null;
  maxMs: number | null;
  /** Claims whose lock expired at or before the claim itself. */
  stale: number;
  /** The earliest lock expiry among the stale claims (1970 for a lock timeout read as a string). */
  staleLockUntil: number | null;
}

/** takeover-time (app mode): jobs held by an instance when it exited, and who ran them next. */
export interface TakeoverFigures {
  exits: number;
  /** Jobs an exited instance held (running, locked by one of its workers) when it exited. */
  held: number;
  takenOver: number;
  /** From the exit to the next claim of each held job (database time), ms. */
  p50Ms: number | null;
  maxMs: number | null;
  late: number;
  never: number;
  /** Jobs an instance still held when it exited after SIGTERM (its graceful stop). */
  heldAfterStop: number;
  /** Jobs held at an exit whose holder could not be told dead or alive. */
  undecided: number;
}

/** instance-stop (app mode): how the service's instances ended. */
export interface InstanceStopFigures {
  /** Instances sent SIGTERM, and from it to their exit, ms. */
  stops: number;
  p50Ms: number | null;
  maxMs: number | null;
  /** Still running at the end of the grace period: SIGKILLed. */
  killedAfterGrace: number;
  /** Ended by SIGTERM itself (no handler: the scheduler's graceful stop never ran). */
  noHandler: number;
  /** Exits nobody asked for. */
  crashed: number;
}

/** observed-concurrency (app mode), per limited job name, from the documents' claim intervals. */
export interface ObservedConcurrencyFigures {
  names: Record<string, { limit: number; peak: number; msOverLimit: number }>;
  overLimitEpisodes: number;
  /** Stretches over the limit by the processes' stamps only, not by the sure intervals: not judged. */
  possibleOverlaps: number;
}

/** observed-priority (app mode): priorities stored as asked, and the first claims' order. */
export interface ObservedPriorityFigures {
  /** Jobs with a first claim judged (limited names left out). */
  jobs: number;
  /** Jobs whose document holds another priority than the request asked. */
  notStored: number;
  /** Pairs whose claim order the reads settle, and those of them inverted. */
  judgedPairs: number;
  inversions: number;
}

export interface FiguresByChecker {
  effects: EffectsFigures;
  "own-jobs": OwnJobsFigures;
  "lock-lease": LockLeaseFigures;
  "takeover-time": TakeoverFigures;
  "observed-concurrency": ObservedConcurrencyFigures;
  "observed-priority": ObservedPriorityFigures;
  "instance-stop": InstanceStopFigures;
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
  "stop-handover": StopHandoverFigures;
  scaling: ScalingFigures;
  "db-reconnect": DbReconnectFigures;
  growth: GrowthFigures;
}

export type CheckerName = keyof FiguresByChecker;
