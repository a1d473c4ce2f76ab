import type { Db, ObjectId } from "mongodb";
import type { ClaimOrder } from "../checkers/claimOrder.ts";
import type { JobState } from "../checkers/types.ts";

/**
 * What a scheduler may promise. A scenario lists those it needs; a scheduler without one of them
 * is reported not applicable for that scenario instead of being judged on a promise it never made.
 */
export const capabilities = {
  priorities: "job priorities (a more urgent job is claimed first)",
  "global-concurrency": "per-name concurrency limits enforced across all worker processes",
  retries: "retries with a delay per job",
  "computed-backoff": "retry delays computed per attempt",
  "cron-timezone": "cron repeats in a timezone",
  dedupe: "idempotent scheduling by a dedupe key",
  "stall-detection": "stall detection (a maximum execution time after which lock renewal stops)",
  "lock-renewal": "automatic lock renewal (heartbeats) while a handler runs",
} as const;
export type Capability = keyof typeof capabilities;

/** A job to enqueue, in the harness's terms (priority 1 is the most urgent, 10 the least). */
export interface EnqueueRequest {
  name: string;
  data?: unknown;
  priority?: number;
  /** Most jobs of this name running at once. */
  concurrency?: number;
  /** Attempts in all (a number: that many, no delay), and the delay before each retry. */
  retry?: number | { maxAttempts: number; delay: number | ((attempt: number) => number) };
  repeat?: { cron?: string; every?: number; timezone?: string };
  dedupeKey?: string;
  runAt?: Date;
  maxExecutionMs?: number;
  lastScheduledAt?: Date;
}

/** An enqueued job as the harness records it. */
export interface EnqueuedJob {
  _id: unknown;
  name: string;
  /** In the harness's scale, 1–10. */
  priority: number;
  [field: string]: unknown;
}

/**
 * What the Scheduler UI's REST API needs from a scheduler to change jobs the way the scheduler
 * itself would, where it offers that.
 */
export interface JobControl {
  cancel(id: ObjectId): Promise<void>;
  updateJob(id: ObjectId, updates: Record<string, unknown>): Promise<void>;
}

/** The enqueue side of a scheduler: what an application's web server holds. */
export interface SchedulerClient {
  schedule(request: EnqueueRequest): Promise<EnqueuedJob>;
  /** Cancel and update for the Scheduler UI's REST API, when the scheduler offers them. */
  control?: JobControl;
}

/** One execution as the scheduler hands it to a handler, in the harness's terms. */
export interface Execution {
  jobId: string;
  name: string;
  priority: number;
  concurrency?: number;
  /** 1 for the first attempt. */
  attempt: number;
  lockVersion: number;
  /** When the job was due (ms since the epoch). */
  nextRunAt: number;
  /**
   * The lock expiry the claim set (ms since the epoch), when the scheduler exposes it: no other
   * worker may claim the job before then, which the checkers hold it to.
   */
  lockUntil?: number;
  data: unknown;
  /** The scheduler's own name for the worker that holds the lock. */
  workerId: string;
  repeat?: { every?: number; cron?: string; timezone?: string };
  dedupeKey?: string;
}

/** What a worker reports besides executions; the harness writes each to the ledger. */
export interface WorkerEvents {
  /** The scheduler acknowledged the end of an execution. */
  ack(jobId: string, outcome: "success" | "retry" | "fail"): void;
  /** The scheduler gave up renewing a job's lock (stall detection). */
  stalled(jobId: string): void;
  /** The scheduler reported an error of its own. */
  error(message: string): void;
}

export interface WorkerOptions {
  /** A name for this process's scheduler instance. */
  id: string;
  /** Jobs this process may run at once. */
  slots: number;
  /** Every job name the run will enqueue (a scheduler that runs only defined names needs them). */
  jobNames: readonly string[];
  /** The harness's handler: it records the execution and does the job's simulated work. */
  handler(execution: Execution): Promise<void>;
  events: WorkerEvents;
}

export interface RunningWorker {
  /** Stops claiming and waits up to timeoutMs for running handlers. */
  stop(timeoutMs: number): Promise<void>;
  /**
   * Who its locks name in the database (the key of `heldBy`): mongo-job-scheduler's Scheduler id,
   * Agenda's name. Read from the built scheduler, so a wiring that picks its own id is followed.
   */
  lockOwner: string;
}

/** A job a worker holds in the database: locked by it, with the lock's expiry where there is one. */
export interface HeldJob {
  jobId: string;
  /** ms since the epoch; null where the scheduler keeps no expiry (Agenda: lockedAt only). */
  lockUntil: number | null;
}

/** The timing every timing check and the recovery bound use: what the user gave the scheduler. */
export interface TimingSettings {
  /** How long a claimed job stays locked to its worker before another may take it. */
  lockTimeoutMs: number;
  /** How often an idle worker looks for due jobs. */
  pollIntervalMs: number;
  /** Stall detection, when on. */
  maxExecutionMs?: number;
  /** How often a running job's lock is renewed; null when the scheduler does not renew on its own. */
  heartbeatIntervalMs: number | null;
}

/** The settings of a built scheduler and its store, read from the instances themselves. */
export interface EffectiveSettings {
  timing: TimingSettings;
  scheduler: Record<string, unknown>;
  store: Record<string, unknown>;
  /** The collection holding the jobs. */
  collection: string;
}

/** A job the bench seeds or sends: plain, or with a priority or a concurrency limit. */
export interface BenchJob {
  name: string;
  priority?: number;
  concurrency?: number;
  /** Not before this time (jobs scheduled for later, as real collections hold). */
  runAt?: Date;
  data: Record<string, unknown>;
}

/** Completion times the bench reads from a job's own document (ms since the epoch). */
export interface JobTimes {
  startedAt?: number;
  completedAt?: number;
}

/**
 * What the bench needs of a scheduler beyond what a scenario run does: a backlog seeded in bulk
 * (how it got there is not what a drain measures) and completions read from the scheduler's own
 * documents. A scheduler with it can be put beside the others with `bench --sut`.
 */
export interface BenchExtension {
  /** Where its jobs live, built as the bench builds it (the matched wiring). */
  collection: string;
  seed(db: Db, jobs: readonly BenchJob[]): Promise<void>;
  /** The completion time of every completed job. */
  completionTimes(db: Db): Promise<number[]>;
  completedCount(db: Db): Promise<number>;
  /** How many jobs are done for good, completed or failed: a drain ends when every job is. */
  finishedCount(db: Db): Promise<number>;
  /** When each of the given jobs was claimed and completed. */
  jobTimes(db: Db, ids: readonly string[]): Promise<Map<string, JobTimes>>;
}

/**
 * Everything the harness needs from a scheduler under test. One adapter per scheduler, in one
 * file; the trigger server, the workers, bulk seeding, the final-state reader and the bench go
 * through it, so every scenario runs against any scheduler that has the capabilities it needs.
 */
export interface SchedulerAdapter {
  /** The npm package name. */
  readonly name: string;
  readonly capabilities: ReadonlySet<Capability>;
  /** How it picks the next job to claim; the recovery-time checker explains late recoveries by it. */
  readonly claimOrder: ClaimOrder;
  /**
   * Its claim increments a lock version that the handler is given (Execution.lockVersion): two
   * executions started from claims that returned one version prove the server's claim not atomic.
   */
  readonly claimVersioned: boolean;
  /** The installed version of the scheduler. */
  version(): string;
  /** Builds the scheduler (without starting it) and reads its effective settings. */
  effective(db: Db, slots: number): Promise<EffectiveSettings>;
  /** Creates the jobs collection and the scheduler's indexes before any process starts. */
  prepare(db: Db): Promise<void>;
  /** The enqueue side. */
  client(db: Db): Promise<SchedulerClient>;
  /** Builds and starts a worker in this process. */
  startWorker(db: Db, options: WorkerOptions): Promise<RunningWorker>;
  /**
   * Every job's final state, its status mapped to the harness's vocabulary. With the collection
   * (read from the built scheduler: `EffectiveSettings.collection`) it builds nothing, so a read
   * after the load starts no index build on a server that may be gone.
   */
  readFinalState(db: Db, collection?: string): Promise<JobState[]>;
  /** How many of the given jobs are in a final status (completed, failed, cancelled). */
  countFinished(db: Db, ids: Iterable<string>, collection?: string): Promise<number>;
  /**
   * The jobs the database holds as locked by a worker's `lockOwner`: what a stopping process still
   * holds, asked of the database rather than the ledger (a job claimed and never started is only there).
   */
  heldBy(db: Db, lockOwner: string, collection?: string): Promise<HeldJob[]>;
  /** What the bench needs besides, when the scheduler can be benched. */
  readonly bench?: BenchExtension;
}
