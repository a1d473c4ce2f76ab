import type { AppCheckSettings, CheckSettings } from "../../harness/checkers/types.ts";
import { type History, historyOf } from "../../harness/ledger/history.ts";
import type { LedgerRecord, ObserveRecord } from "../../harness/ledger/records.ts";
import { settings } from "./histories.ts";

/** What app mode's checkers know of the example service, as the example description says it. */
export const exampleApp: AppCheckSettings = {
  loadJobNames: ["send-email", "generate-report", "retry-demo"],
  effects: [{ jobName: "send-email", collection: "emaillogs", jobIdField: "jobId", timeField: "sentAt" }],
  limits: [{ jobName: "generate-report", limit: 2 }],
  prioritized: ["send-email"],
  ownJobs: [{ name: "cron-cleanup", documents: 1 }],
  takeoverSlackMs: 1000,
};

export const appSettings: CheckSettings = { ...settings, app: exampleApp };

/**
 * Builds app-mode histories by hand: what the harness saw of a service from outside (its HTTP
 * answers, its job documents as read, its effects, its instances' lives).
 */
export class AppHistory {
  readonly records: LedgerRecord[] = [];

  accept(
    t: number,
    jobId: string,
    name = "send-email",
    expect: "completed" | "failed" = "completed",
    priority = 5,
  ): this {
    this.records.push({
      type: "accept",
      t,
      request: `http-${this.records.length}`,
      jobId,
      name,
      priority,
      expect,
    });
    return this;
  }

  /** One read of a job document; fields left out are those of a pending job never claimed. */
  observe(t: number, jobId: string, fields: Partial<ObserveRecord> = {}): this {
    this.records.push({
      type: "observe",
      t,
      jobId,
      name: "send-email",
      status: "pending",
      attempts: 0,
      lockedBy: null,
      lockUntil: null,
      lastRunAt: null,
      nextRunAt: 0,
      updatedAt: t,
      lastError: null,
      repeat: null,
      dedupeKey: null,
      ...fields,
    });
    return this;
  }

  /** A claim at `at` by `by` with a lock until `lockUntil`, read at `t`, then completed at `end` (read then). */
  claim(
    jobId: string,
    at: number,
    by: string,
    o: { lockUntil?: number; end?: number; name?: string; concurrency?: number; seen?: number } = {},
  ): this {
    const base = { name: o.name ?? "send-email", ...(o.concurrency ? { concurrency: o.concurrency } : {}) };
    this.observe(o.seen ?? at + 1, jobId, {
      ...base,
      status: "running",
      lockedBy: by,
      lockUntil: o.lockUntil ?? at + 30_000,
      lastRunAt: at,
      updatedAt: at,
    });
    if (o.end !== undefined)
      this.observe(o.end + 1, jobId, { ...base, status: "completed", lastRunAt: at, updatedAt: o.end });
    return this;
  }

  effect(t: number, jobId: string, docId = `e${this.records.length}`): this {
    this.records.push({
      type: "effect",
      t,
      timed: true,
      jobId,
      jobName: "send-email",
      collection: "emaillogs",
      docId,
    });
    return this;
  }

  instance(t: number, proc: string, event: "start" | "ready" | "sigterm" | "exit", n = 1): this {
    this.records.push({ type: "instance", t, proc, instance: `app/${proc}-${n}`, pid: n, event });
    return this;
  }

  raw(record: LedgerRecord): this {
    this.records.push(record);
    return this;
  }

  /** The observer's own record: its reads and the longest gap between two. */
  observer(t: number, maxGapMs = 100): this {
    this.records.push({
      type: "observer",
      t,
      collection: "scheduler_jobs",
      samples: 100,
      everyMs: maxGapMs,
      maxGapMs,
      firstAt: 0,
    });
    return this;
  }

  history(): History {
    return historyOf(this.records);
  }
}
