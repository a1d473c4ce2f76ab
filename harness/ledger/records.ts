/**
 * The records of a run's ledger. Every line of every ledger file is one of these, as JSON, and is
 * validated against its schema when a history is read (see history.ts). Times are wall-clock
 * milliseconds (Date.now()) on the machine that wrote them.
 *
 * Identity never comes from a pid: a restarted worker can be given the pid of a killed one. Each
 * process run has an `instance` id (`<host>/<random hex>`, see identity.ts), unique on its own,
 * and an execution id is `<instance>#<counter>`. `pid` is kept for people only.
 */
import { z } from "zod";

const time = z.number().finite();
const id = z.string().min(1);

/** A handler began to execute a job; written before any simulated work. */
export const startRecord = z.object({
  type: z.literal("start"),
  t: time,
  /** Unique per execution: `<instance>#<counter>`. Joins start, end and ack. */
  execId: id,
  jobId: id,
  name: z.string(),
  priority: z.number().int(),
  /** The job's concurrency limit, if it has one. */
  concurrency: z.number().int().positive().optional(),
  /** 1 for the first attempt; a crash does not count as an attempt. */
  attempt: z.number().int().min(1),
  lockVersion: z.number(),
  /**
   * The lock expiry the job was claimed with (ms): no other worker may claim it before then
   * (renewals only move it later). Absent where the scheduler under test does not expose it.
   */
  lockUntil: time.optional(),
  /** The job's nextRunAt when claimed (ms): the scheduler's FIFO key within a priority. */
  nextRunAt: time,
  /**
   * When the load meant to send the job (open-loop bench): latency measured from here is not
   * hidden by a load generator that fell behind (coordinated omission).
   */
  intendedAt: time.optional(),
  workerId: z.string(),
  /** The job's repeat rule, for repeating jobs. */
  repeat: z
    .object({ every: z.number().optional(), cron: z.string().optional(), timezone: z.string().optional() })
    .optional(),
  /** The job's dedupe key, if it has one. */
  dedupeKey: z.string().optional(),
  /** The worker process's logical id (e.g. "w2"); stays the same across restarts. */
  proc: z.string(),
  /** This run of the process: unique without the pid. */
  instance: id,
  pid: z.number().int(),
});
export type StartRecord = z.infer<typeof startRecord>;

/** The handler finished: ok, or threw (the scheduler then retries or fails the job). */
export const endRecord = z.object({
  type: z.literal("end"),
  t: time,
  execId: id,
  jobId: id,
  outcome: z.enum(["ok", "error"]),
  error: z.string().optional(),
  instance: id,
  pid: z.number().int(),
});
export type EndRecord = z.infer<typeof endRecord>;

/** The scheduler acknowledged the execution in the database (its job:success / retry / fail event). */
export const ackRecord = z.object({
  type: z.literal("ack"),
  t: time,
  execId: id,
  jobId: id,
  outcome: z.enum(["success", "retry", "fail"]),
  instance: id,
  pid: z.number().int(),
});
export type AckRecord = z.infer<typeof ackRecord>;

/** A worker reported an error (lost ownership, heartbeat failure, …). */
export const workerErrorRecord = z.object({
  type: z.literal("worker-error"),
  t: time,
  message: z.string(),
  proc: z.string(),
  instance: id,
  pid: z.number().int(),
});
export type WorkerErrorRecord = z.infer<typeof workerErrorRecord>;

/**
 * The load side recorded one enqueue request the trigger server (or the bulk seeder) accepted.
 * Every accept is its own obligation: two requests without a dedupe key must make two jobs.
 */
export const acceptRecord = z.object({
  type: z.literal("accept"),
  t: time,
  /** The request, unique within the run (e.g. `http-17`, `bulk-3`). */
  request: id,
  jobId: id,
  name: z.string(),
  priority: z.number().int(),
  /** What the job should end as when the scheduler keeps its promises (repeating jobs never end). */
  expect: z.enum(["completed", "failed", "repeating"]),
  /**
   * The retries asked for: delaysMs[i] is the wait after failed attempt i + 1; computed when the
   * delay was given as a function; failUntilAttempt from the job's simulated work.
   */
  retry: z
    .object({
      maxAttempts: z.number().int().min(1),
      delaysMs: z.array(z.number()),
      computed: z.boolean(),
      failUntilAttempt: z.number().int(),
    })
    .optional(),
  /** The job's dedupe key, if it was scheduled with one. */
  dedupeKey: z.string().optional(),
  /** A long job: it runs past its lock timeout, kept by heartbeats. */
  long: z.boolean().optional(),
});
export type AcceptRecord = z.infer<typeof acceptRecord>;

/** The scheduler said a job stalled (its execution passed maxExecutionMs; lock renewal stopped). */
export const stalledRecord = z.object({
  type: z.literal("stalled"),
  t: time,
  jobId: id,
  proc: z.string(),
  instance: id,
  pid: z.number().int(),
});
export type StalledRecord = z.infer<typeof stalledRecord>;

/** A worker process came up (ready over IPC) or went away. */
export const processRecord = z.object({
  type: z.literal("process"),
  t: time,
  proc: z.string(),
  instance: id,
  pid: z.number().int(),
  event: z.enum(["ready", "exit"]),
  /** Worker slots (Scheduler workers) the process runs. */
  slots: z.number().int().min(0),
});
export type ProcessRecord = z.infer<typeof processRecord>;

/** One execution a process was running when a fault struck it (from the live ledger then). */
const inFlight = z.array(z.object({ execId: id, jobId: id }));

/** A process was SIGKILLed: everything it was executing died with it. */
export const killRecord = z.object({
  type: z.literal("fault"),
  t: time,
  fault: z.string(),
  action: z.literal("kill"),
  proc: z.string(),
  instance: id,
  pid: z.number().int(),
  /** What the live ledger saw executing at the kill; each must be accounted for by the history. */
  inFlight,
});

/** A killed process was started again: a new instance under the same logical name. */
export const restartRecord = z.object({
  type: z.literal("fault"),
  t: time,
  fault: z.string(),
  action: z.literal("restart"),
  proc: z.string(),
  instance: id,
  pid: z.number().int(),
});

/**
 * A fault window: `begin` and `end` records with the same `window` id bracket a stretch of time
 * during which the listed process instances were affected. This is the one generic shape for
 * every fault that does not kill (a freeze with SIGSTOP, a network partition, clock skew, …), so
 * the checkers need no change when a new kind of fault arrives:
 *
 * - `effect: "unavailable"`: the instances could not act (frozen, cut off from the database). The
 *   checkers count such a process as unavailable, not idle (it is no free worker slot), and its
 *   executions during the window as unavailable, not lost: they may still finish after the window.
 * - `effect: "clock"`: the instances' wall clocks were shifted by `offsetMs` (or drifted); the
 *   ledger's times stay on the harness's reference clock (see util/referenceClock.ts), so only
 *   what the processes computed from their own clocks (lock deadlines, retry times) is off.
 * - `effect: "down"`: the instances were stopped (SIGTERM, out of heap) until a restart;
 *   `effect: "degraded"`: they worked, slowly (latency, bandwidth). Neither changes a checker.
 *
 * An `end` with `error` says the fault could not be injected or healed (it may still be in place):
 * the run's verdict is unknown at best, and the fault is named.
 * A window whose `end` is missing lasts until the end of the run, and is a history problem (every
 * window is healed, or says it could not be, before the history is read).
 */
export const windowRecord = z.object({
  type: z.literal("fault"),
  t: time,
  /** The kind of fault: "pause", "partition", "skew", … */
  fault: z.string(),
  action: z.enum(["begin", "end"]),
  /** Pairs the begin and end of one window. */
  window: id,
  effect: z.enum(["unavailable", "clock", "down", "degraded"]),
  /** The affected process instances, and their logical names for people. */
  instances: z.array(id),
  procs: z.array(z.string()),
  offsetMs: z.number().optional(),
  /** Executions the instances were running when the window began. */
  inFlight: inFlight.optional(),
  /** On an end: why injecting or healing failed. */
  error: z.string().optional(),
  /** On an end: what the fault saw and did (observed clock offsets, stop times, …). */
  detail: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The load sent a request that schedules a job and got no answer (the connection failed, or the
 * instance died while serving it): the job may exist or not, so a document no accepted request
 * explains is not unexpected while such requests exist.
 */
export const unansweredRecord = z.object({
  type: z.literal("unanswered"),
  t: time,
  request: id,
  /** The job name the request would have scheduled. */
  name: z.string(),
  error: z.string(),
});
export type UnansweredRecord = z.infer<typeof unansweredRecord>;

/**
 * App mode (a service tested as a black box): one job document of the service's scheduler as the
 * harness read it, written when the document first appears and whenever a field the checkers read
 * changes. Times from the document are the database's; `t` is when the harness read it.
 */
export const observeRecord = z.object({
  type: z.literal("observe"),
  t: time,
  jobId: id,
  name: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  priority: z.number().int().optional(),
  concurrency: z.number().int().positive().optional(),
  lockedBy: z.string().nullable(),
  /** The lock's expiry as stored (ms; a date before the claim is a lock stale at once). */
  lockUntil: time.nullable(),
  /** When the job was last claimed, as the scheduler stored it. */
  lastRunAt: time.nullable(),
  nextRunAt: time.nullable(),
  updatedAt: time.nullable(),
  lastError: z.string().nullable(),
  repeat: z
    .object({ cron: z.string().optional(), every: z.number().optional(), timezone: z.string().optional() })
    .nullable(),
  dedupeKey: z.string().nullable(),
});
export type ObserveRecord = z.infer<typeof observeRecord>;

/** App mode: how the job documents were watched (sampling), written once when watching ends. */
export const observerRecord = z.object({
  type: z.literal("observer"),
  t: time,
  collection: z.string(),
  /**
   * Reads of the whole collection, and the longest gap (ms) between two reads of a document (for a
   * change stream: from one read's sending to the next one's answer): what watching could miss.
   */
  samples: z.number().int().min(0),
  everyMs: z.number(),
  maxGapMs: z.number(),
  firstAt: time.nullable(),
  /** How watching began: a change stream, or reads of the whole collection (older runs: reads). */
  via: z.enum(["poll", "stream"]).optional(),
  /** Reads of the change stream (each returns the changes since the one before). */
  streamReads: z.number().int().min(0).optional(),
  /** Why there was no change stream, or when it failed and reads took over. */
  streamNote: z.string().optional(),
});
export type ObserverRecord = z.infer<typeof observerRecord>;

/**
 * App mode: one side effect the service left for a job (a document in its effects collection), one
 * per execution of a job kind that leaves one. `t` is the effect's own time field when it has one,
 * else when the harness first read it (`timed` says which).
 */
export const effectRecord = z.object({
  type: z.literal("effect"),
  t: time,
  timed: z.boolean(),
  jobId: z.string(),
  /** The job name whose executions leave this effect. */
  jobName: z.string(),
  collection: z.string(),
  docId: z.string(),
});
export type EffectRecord = z.infer<typeof effectRecord>;

/**
 * App mode: an instance of the service (a process the harness started from the user's command)
 * started, became ready, was sent SIGTERM, or exited (with its code or signal).
 */
export const instanceRecord = z.object({
  type: z.literal("instance"),
  t: time,
  proc: z.string(),
  instance: id,
  pid: z.number().int(),
  event: z.enum(["start", "ready", "sigterm", "exit"]),
  code: z.number().int().nullable().optional(),
  signal: z.string().nullable().optional(),
});
export type InstanceRecord = z.infer<typeof instanceRecord>;

export const faultRecord = z.discriminatedUnion("action", [killRecord, restartRecord, windowRecord]);
export type KillRecord = z.infer<typeof killRecord>;
export type RestartRecord = z.infer<typeof restartRecord>;
export type WindowRecord = z.infer<typeof windowRecord>;
export type FaultRecord = z.infer<typeof faultRecord>;

/** A job a process instance held in the database (locked by one of its scheduler workers). */
const heldJob = z.object({
  jobId: id,
  /** Its lock's expiry (ms), where the scheduler keeps one; null otherwise. */
  lockUntil: time.nullable(),
});
export type HeldJob = z.infer<typeof heldJob>;

/**
 * An operator's action on a process, as one step of an operation (a rolling restart, a scale step):
 * `start` a process was started and said it was ready; `stop` one was stopped gracefully (SIGTERM,
 * then its exit awaited), with what the database said it held when the stop began and once it had
 * exited (null: the database could not be asked); `step` the operation set the number of processes
 * it wants running. `op` names the fault window of the operation. Operations write these besides
 * their window, since each stop is judged on its own (see checkers/stopHandover.ts).
 */
export const opStartRecord = z.object({
  type: z.literal("op"),
  action: z.literal("start"),
  /** When the start was asked for. */
  t: time,
  op: id,
  proc: z.string(),
  instance: id,
  pid: z.number().int(),
  /** When the process said it was ready (its scheduler running). */
  readyAt: time,
  /** The instance it takes the place of (a restart, or a surge's new process), if any. */
  replaces: id.optional(),
});
export const opStopRecord = z.object({
  type: z.literal("op"),
  action: z.literal("stop"),
  /** When the stop signal (SIGTERM) was sent. */
  t: time,
  op: id,
  proc: z.string(),
  instance: id,
  pid: z.number().int(),
  /** When the process had exited (its exit record's time). */
  exitedAt: time,
  /** How it ended: by its own exit, or by the SIGKILL sent when it outlived its grace. */
  exit: z.object({ code: z.number().int().nullable(), signal: z.string().nullable(), killed: z.boolean() }),
  /** Executions the live ledger saw on the instance when the stop began. */
  inFlight,
  /** What the database said the instance held just before the signal. */
  heldAtSignal: z.array(heldJob).nullable(),
  /** What the database said the instance still held once it had exited. */
  heldAfterExit: z.array(heldJob).nullable(),
  /** Why the database could not be asked, when it could not. */
  heldError: z.string().optional(),
});
export const opStepRecord = z.object({
  type: z.literal("op"),
  action: z.literal("step"),
  t: time,
  op: id,
  /** Worker processes the operation wants running from now on. */
  processes: z.number().int().min(0),
});
export const opRecord = z.discriminatedUnion("action", [opStartRecord, opStopRecord, opStepRecord]);
export type OpStartRecord = z.infer<typeof opStartRecord>;
export type OpStopRecord = z.infer<typeof opStopRecord>;
export type OpStepRecord = z.infer<typeof opStepRecord>;
export type OpRecord = z.infer<typeof opRecord>;

/**
 * A sample of one worker process's resources, taken by the harness over IPC (see
 * processes/workerStats.ts): memory, event-loop delay since the previous sample, open connections.
 */
export const sampleRecord = z.object({
  type: z.literal("sample"),
  t: time,
  proc: z.string(),
  instance: id,
  pid: z.number().int(),
  rssBytes: z.number().min(0),
  heapUsedBytes: z.number().min(0),
  /** Event-loop delay since the previous sample (ms). */
  loopDelayMs: z.object({ mean: z.number().min(0), p99: z.number().min(0), max: z.number().min(0) }),
  /** The driver's open connections to MongoDB (pool connections created and not yet closed). */
  connections: z.number().int().min(0),
});
export type SampleRecord = z.infer<typeof sampleRecord>;

/**
 * The load side recorded one enqueue request that was not accepted: the trigger server refused it
 * (its status, e.g. 503 when the scheduler could not reach its database) or it got no answer
 * (status null, with the error). Not an obligation; counted apart from the accepted ones.
 */
export const refuseRecord = z.object({
  type: z.literal("refuse"),
  t: time,
  request: id,
  status: z.number().int().nullable(),
  error: z.string().optional(),
});
export type RefuseRecord = z.infer<typeof refuseRecord>;

/** Every record a ledger line may hold. */
export const ledgerRecord = z.union([
  startRecord,
  endRecord,
  ackRecord,
  workerErrorRecord,
  stalledRecord,
  acceptRecord,
  processRecord,
  faultRecord,
  observeRecord,
  observerRecord,
  effectRecord,
  instanceRecord,
  unansweredRecord,
  opRecord,
  sampleRecord,
  refuseRecord,
]);
export type LedgerRecord = z.infer<typeof ledgerRecord>;

/** The record types, by the schema of each (for precise error messages). */
export const recordSchemas: Record<string, z.ZodType> = {
  start: startRecord,
  end: endRecord,
  ack: ackRecord,
  "worker-error": workerErrorRecord,
  stalled: stalledRecord,
  accept: acceptRecord,
  process: processRecord,
  fault: faultRecord,
  observe: observeRecord,
  observer: observerRecord,
  effect: effectRecord,
  instance: instanceRecord,
  unanswered: unansweredRecord,
  op: opRecord,
  sample: sampleRecord,
  refuse: refuseRecord,
};
