import type { Db } from "mongodb";
import type { SchedulerAdapter } from "../adapters/adapter.ts";
import type { LedgerSink } from "../ledger/fileLedger.ts";
import { acceptExtras, type PlannedJob, retryDelayMs } from "./jobMix.ts";

/**
 * Seeds every planned job straight into the database through the scheduler's own enqueue (its adapter's)
 * (one call each, so dedupe keys and computed retry delays behave as in an application), and
 * records each as accepted. Used for backlogs that must be due all at once, and for options that
 * cannot travel over HTTP (a computed retry delay is a function).
 */
export async function runBulkLoad(
  db: Db,
  jobs: readonly PlannedJob[],
  ledger: LedgerSink,
  adapter: SchedulerAdapter,
): Promise<{ accepted: number }> {
  const scheduler = await adapter.client(db);
  let accepted = 0;
  const now = new Date();
  for (const job of jobs) {
    const { name, priority, data, concurrency, repeat, dedupeKey } = job.body as Record<string, never>;
    if (typeof name !== "string") throw new Error(`bulk job ${job.seq} has no name`);
    const retry = job.retry;
    const created = await scheduler.schedule({
      name,
      priority,
      data,
      concurrency,
      repeat,
      dedupeKey,
      runAt: now,
      ...(retry
        ? {
            retry: retry.backoff
              ? { maxAttempts: retry.maxAttempts, delay: (attempt: number) => retryDelayMs(retry, attempt) }
              : { maxAttempts: retry.maxAttempts, delay: retry.delayMs ?? 0 },
          }
        : {}),
    });
    accepted++;
    ledger.append({
      type: "accept",
      t: Date.now(),
      jobId: String(created._id),
      name: created.name,
      priority: created.priority,
      expect: job.expect,
      ...acceptExtras(job),
    });
  }
  return { accepted };
}
