/**
 * The records of a run's ledger. Every line of every ledger file is one of these, as JSON.
 * Times are wall-clock milliseconds (Date.now()) on the machine that wrote them.
 */

/** A handler began to execute a job; written before any simulated work. */
export interface StartRecord {
  type: "start";
  t: number;
  /** Unique per execution: `<pid>-<counter>`. Joins start, end and ack. */
  execId: string;
  jobId: string;
  name: string;
  priority: number;
  /** The job's concurrency limit, if it has one. */
  concurrency?: number;
  /** 1 for the first attempt; a crash does not count as an attempt. */
  attempt: number;
  lockVersion: number;
  /** The job's nextRunAt when claimed (ms): the scheduler's FIFO key within a priority. */
  nextRunAt: number;
  /**
   * When the load meant to send the job (open-loop bench): latency measured from here is not
   * hidden by a load generator that fell behind (coordinated omission).
   */
  intendedAt?: number;
  workerId: string;
  /** The job's repeat rule, for repeating jobs. */
  repeat?: { every?: number; cron?: string; timezone?: string };
  /** The job's dedupe key, if it has one. */
  dedupeKey?: string;
  /** The worker process's logical id (e.g. "w2"); stays the same across restarts. */
  proc: string;
  pid: number;
}

/** The handler finished: ok, or threw (the scheduler then retries or fails the job). */
export interface EndRecord {
  type: "end";
  t: number;
  execId: string;
  jobId: string;
  outcome: "ok" | "error";
  error?: string;
  pid: number;
}

/** The scheduler acknowledged the execution in the database (its job:success / retry / fail event). */
export interface AckRecord {
  type: "ack";
  t: number;
  execId: string;
  jobId: string;
  outcome: "success" | "retry" | "fail";
  pid: number;
}

/** A worker reported an error (lost ownership, heartbeat failure, …). */
export interface WorkerErrorRecord {
  type: "worker-error";
  t: number;
  message: string;
  pid: number;
  proc: string;
}

/** The load side recorded a job the trigger server accepted. */
export interface AcceptRecord {
  type: "accept";
  t: number;
  jobId: string;
  name: string;
  priority: number;
  /** What the job should end as when the scheduler keeps its promises (repeating jobs never end). */
  expect: "completed" | "failed" | "repeating";
  /**
   * The retries asked for: delaysMs[i] is the wait after failed attempt i + 1; computed when the
   * delay was given as a function; failUntilAttempt from the job's simulated work.
   */
  retry?: { maxAttempts: number; delaysMs: number[]; computed: boolean; failUntilAttempt: number };
  /** The job's dedupe key, if it was scheduled with one. */
  dedupeKey?: string;
}

/** The scheduler said a job stalled (its execution passed maxExecutionMs; lock renewal stopped). */
export interface StalledRecord {
  type: "stalled";
  t: number;
  jobId: string;
  pid: number;
  proc: string;
}

/** A worker process came up (ready over IPC) or went away. */
export interface ProcessRecord {
  type: "process";
  t: number;
  proc: string;
  pid: number;
  event: "ready" | "exit";
  /** Worker slots (Scheduler workers) the process runs. */
  slots: number;
}

/** A fault was injected or healed. */
export interface FaultRecord {
  type: "fault";
  t: number;
  fault: string;
  action: "kill" | "restart" | "pause" | "resume";
  proc: string;
  pid: number;
  /** Jobs the process was executing when the fault hit (from the ledger at that moment). */
  inFlight?: string[];
}

/**
 * One fault's window, written when it closes (healed, or given up on in teardown). Generic over
 * fault types: the checkers read `effect` and the targets, never the kind's own details. Times are
 * on the harness's reference clock.
 */
export interface FaultWindowRecord {
  type: "fault-window";
  /** The window's start (= start), so that a merged history orders it where it began. */
  t: number;
  /** Unique in the run, e.g. "partition-1". */
  id: string;
  /** The fault type, e.g. "partition", "clock-offset". */
  kind: string;
  /** down, unavailable, degraded or skewed: what the window means for the checkers. */
  effect: "down" | "unavailable" | "degraded" | "skewed";
  /** The worker processes it hit (logical names) and their process ids when it struck. */
  procs: string[];
  pids: number[];
  start: number;
  end: number;
  /** False when the heal failed (the fault may still be in place): the verdict is unknown. */
  healed: boolean;
  /** Why injecting or healing failed. */
  error?: string;
  /** What the fault saw and did (jobs in flight, observed clock offsets, …). */
  detail?: Record<string, unknown>;
}

export type LedgerRecord =
  | StartRecord
  | EndRecord
  | AckRecord
  | WorkerErrorRecord
  | StalledRecord
  | AcceptRecord
  | ProcessRecord
  | FaultRecord
  | FaultWindowRecord;
