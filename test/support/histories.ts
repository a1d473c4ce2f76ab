import type { JobState } from "../../harness/checkers/types.ts";
import type { History } from "../../harness/ledger/history.ts";
import type { AcceptRecord, LedgerRecord, StartRecord } from "../../harness/ledger/records.ts";

export interface RunOptions {
  ack?: "success" | "retry" | "fail" | null;
  /** How the handler ended; "error" makes the default ack "retry". */
  outcome?: "ok" | "error";
  priority?: number;
  nextRunAt?: number;
  name?: string;
  concurrency?: number;
  attempt?: number;
  repeat?: StartRecord["repeat"];
  dedupeKey?: string;
  /** Ack this long after the end (default 1 ms). */
  ackAfter?: number;
}

/** Builds ledger histories by hand for checker tests: one helper per record kind. */
export class HistoryBuilder {
  readonly records: LedgerRecord[] = [];
  private exec = 0;

  accept(
    jobId: string,
    t = 0,
    options: Partial<Pick<AcceptRecord, "name" | "priority" | "expect" | "retry" | "dedupeKey">> = {},
  ): this {
    this.records.push({
      type: "accept",
      t,
      jobId,
      name: options.name ?? "email",
      priority: options.priority ?? 5,
      expect: options.expect ?? "completed",
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.dedupeKey ? { dedupeKey: options.dedupeKey } : {}),
    });
    return this;
  }

  ready(proc: string, pid: number, t: number, slots = 1): this {
    this.records.push({ type: "process", t, proc, pid, event: "ready", slots });
    return this;
  }

  /** One execution: start at `start`; end (and ack) at `end` unless it is null. */
  run(
    jobId: string,
    proc: string,
    pid: number,
    start: number,
    end: number | null,
    options: RunOptions = {},
  ): this {
    const execId = `${pid}-${++this.exec}`;
    this.records.push({
      type: "start",
      t: start,
      execId,
      jobId,
      name: options.name ?? "email",
      priority: options.priority ?? 5,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      attempt: options.attempt ?? 1,
      lockVersion: 1,
      nextRunAt: options.nextRunAt ?? 0,
      workerId: `${proc}-w0`,
      ...(options.repeat ? { repeat: options.repeat } : {}),
      ...(options.dedupeKey ? { dedupeKey: options.dedupeKey } : {}),
      proc,
      pid,
    });
    if (end !== null) {
      const outcome = options.outcome ?? "ok";
      this.records.push({ type: "end", t: end, execId, jobId, outcome, pid });
      const ack = options.ack === undefined ? (outcome === "ok" ? "success" : "retry") : options.ack;
      if (ack)
        this.records.push({
          type: "ack",
          t: end + (options.ackAfter ?? 1),
          execId,
          jobId,
          outcome: ack,
          pid,
        });
    }
    return this;
  }

  kill(proc: string, pid: number, t: number): this {
    this.records.push({ type: "fault", t, fault: "kill", action: "kill", proc, pid });
    return this;
  }

  stalled(jobId: string, proc: string, pid: number, t: number): this {
    this.records.push({ type: "stalled", t, jobId, proc, pid });
    return this;
  }

  workerError(proc: string, pid: number, t: number, message: string): this {
    this.records.push({ type: "worker-error", t, proc, pid, message });
    return this;
  }

  history(): History {
    return { records: [...this.records].sort((a, b) => a.t - b.t), corruptLines: 0 };
  }
}

export function job(id: string, status: string, extra: Partial<JobState> = {}): JobState {
  return { id, name: "email", status, priority: 5, attempts: 0, ...extra };
}

export const settings = {
  lockTimeoutMs: 1000,
  pollIntervalMs: 100,
  recoveryToleranceMs: 200,
  runEndedAt: 100_000,
  complete: true,
  timingToleranceMs: 50,
};
