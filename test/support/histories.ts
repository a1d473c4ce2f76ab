import type { JobState } from "../../harness/checkers/types.ts";
import type { History } from "../../harness/ledger/history.ts";
import type { LedgerRecord } from "../../harness/ledger/records.ts";

/** Builds ledger histories by hand for checker tests: one helper per record kind. */
export class HistoryBuilder {
  readonly records: LedgerRecord[] = [];
  private exec = 0;

  accept(
    jobId: string,
    t = 0,
    options: { name?: string; priority?: number; expect?: "completed" | "failed" } = {},
  ): this {
    this.records.push({
      type: "accept",
      t,
      jobId,
      name: options.name ?? "email",
      priority: options.priority ?? 5,
      expect: options.expect ?? "completed",
    });
    return this;
  }

  ready(proc: string, pid: number, t: number, slots = 1): this {
    this.records.push({ type: "process", t, proc, pid, event: "ready", slots });
    return this;
  }

  /** One execution: start at `start`; end and ack at `end` unless told otherwise. Returns its execId. */
  run(
    jobId: string,
    proc: string,
    pid: number,
    start: number,
    end: number | null,
    options: {
      ack?: "success" | "retry" | "fail" | null;
      priority?: number;
      nextRunAt?: number;
      name?: string;
      concurrency?: number;
    } = {},
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
      attempt: 1,
      lockVersion: 1,
      nextRunAt: options.nextRunAt ?? 0,
      workerId: `${proc}-w0`,
      proc,
      pid,
    });
    if (end !== null) {
      this.records.push({ type: "end", t: end, execId, jobId, outcome: "ok", pid });
      const ack = options.ack === undefined ? "success" : options.ack;
      if (ack) this.records.push({ type: "ack", t: end + 1, execId, jobId, outcome: ack, pid });
    }
    return this;
  }

  kill(proc: string, pid: number, t: number): this {
    this.records.push({ type: "fault", t, fault: "kill", action: "kill", proc, pid });
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
