import type { LedgerSink } from "../ledger/fileLedger.ts";
import type { StartRecord } from "../ledger/records.ts";

/**
 * What the recorder needs to know of a claimed job, whatever scheduler claimed it: the adapter
 * of each scheduler maps its own job type to this.
 */
export interface ClaimedJob {
  jobId: string;
  name: string;
  priority: number;
  concurrency?: number;
  /** 1 for the first attempt. */
  attempt: number;
  lockVersion: number;
  nextRunAt: number;
  /** The lock expiry the claim set (ms), if the scheduler exposes it. */
  lockUntil?: number;
  workerId: string;
  intendedAt?: number;
  repeat?: StartRecord["repeat"];
  dedupeKey?: string;
}

/** Who is recording: the process's logical name, its instance id and (for people) its pid. */
export interface RecorderIdentity {
  proc: string;
  instance: string;
  pid: number;
}

/**
 * Records every execution of a worker process in its ledger: `run` wraps the handler's work with
 * a start line before it and an end line after it; `ack` records the scheduler's acknowledgement
 * of the job's latest execution here. Kept apart from how the scheduler is constructed, so either
 * can change without the other. Execution ids are `<instance>#<counter>`: unique without the pid.
 */
export class ExecutionRecorder {
  private counter = 0;
  private readonly execOf = new Map<string, string>();

  constructor(
    private readonly ledger: LedgerSink,
    private readonly who: RecorderIdentity,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `work` for a claimed job between a start and an end record; rethrows what it throws. */
  async run(job: ClaimedJob, work: () => Promise<void>): Promise<void> {
    const { proc, instance, pid } = this.who;
    const execId = `${instance}#${++this.counter}`;
    this.execOf.set(job.jobId, execId);
    this.ledger.append({ type: "start", t: this.now(), execId, ...job, proc, instance, pid });
    try {
      await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.ledger.append({
        type: "end",
        t: this.now(),
        execId,
        jobId: job.jobId,
        outcome: "error",
        error: message,
        instance,
        pid,
      });
      throw error;
    }
    this.ledger.append({
      type: "end",
      t: this.now(),
      execId,
      jobId: job.jobId,
      outcome: "ok",
      instance,
      pid,
    });
  }

  /** The scheduler acknowledged the latest execution of `jobId` here (its database update is done). */
  ack(jobId: string, outcome: "success" | "retry" | "fail"): void {
    const execId = this.execOf.get(jobId);
    if (!execId) return;
    this.execOf.delete(jobId);
    this.ledger.append({
      type: "ack",
      t: this.now(),
      execId,
      jobId,
      outcome,
      instance: this.who.instance,
      pid: this.who.pid,
    });
  }

  /** The scheduler said a job stalled (maxExecutionMs passed). */
  stalled(jobId: string): void {
    this.ledger.append({ type: "stalled", t: this.now(), jobId, ...this.who });
  }

  /** The scheduler reported a worker error. */
  workerError(message: string): void {
    this.ledger.append({ type: "worker-error", t: this.now(), message, ...this.who });
  }
}
