import type { Execution, WorkerEvents } from "../adapters/adapter.ts";
import type { LedgerSink } from "../ledger/fileLedger.ts";
import { performSimulatedWork, readSimulatedWork } from "./simulatedWork.ts";
import { countExecution } from "./workerStats.ts";

/**
 * The harness's handler, the same for every scheduler: it writes a `start` line before the work
 * and an `end` line after it, does the simulated work the job's data asks for, and turns the
 * scheduler's acknowledgements, stalls and errors into ledger lines. It knows nothing of how the
 * scheduler is built.
 */
export function ledgerHandler(
  ledger: LedgerSink,
  self: { proc: string; instance: string; pid: number },
): { handler(execution: Execution): Promise<void>; events: WorkerEvents } {
  const { proc, instance, pid } = self;
  let counter = 0;
  const execOf = new Map<string, string>();
  return {
    async handler(e) {
      countExecution();
      // Unique without the pid: a restarted process may be given the pid of a killed one.
      const execId = `${instance}#${++counter}`;
      const { jobId } = e;
      execOf.set(jobId, execId);
      const intendedAt = (e.data as { intendedAt?: unknown } | undefined)?.intendedAt;
      ledger.append({
        type: "start",
        t: Date.now(),
        execId,
        jobId,
        name: e.name,
        priority: e.priority,
        ...(e.concurrency ? { concurrency: e.concurrency } : {}),
        attempt: e.attempt,
        lockVersion: e.lockVersion,
        nextRunAt: e.nextRunAt,
        ...(e.lockUntil !== undefined ? { lockUntil: e.lockUntil } : {}),
        ...(typeof intendedAt === "number" ? { intendedAt } : {}),
        workerId: e.workerId,
        ...(e.repeat ? { repeat: e.repeat } : {}),
        ...(e.dedupeKey ? { dedupeKey: e.dedupeKey } : {}),
        proc,
        instance,
        pid,
      });
      // A database ledger batches: the start is durable before the work begins.
      if (ledger.flush) await ledger.flush();
      try {
        await performSimulatedWork(readSimulatedWork(e.data), e.attempt);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        ledger.append({
          type: "end",
          t: Date.now(),
          execId,
          jobId,
          outcome: "error",
          error: message,
          instance,
          pid,
        });
        if (ledger.flush) await ledger.flush();
        throw error;
      }
      ledger.append({ type: "end", t: Date.now(), execId, jobId, outcome: "ok", instance, pid });
      // …and the end before the scheduler is told the job is done (its database effect).
      if (ledger.flush) await ledger.flush();
    },
    events: {
      ack(jobId, outcome) {
        const execId = execOf.get(jobId);
        if (!execId) return;
        execOf.delete(jobId);
        ledger.append({ type: "ack", t: Date.now(), execId, jobId, outcome, instance, pid });
      },
      stalled(jobId) {
        ledger.append({ type: "stalled", t: Date.now(), jobId, instance, pid, proc });
      },
      error(message) {
        ledger.append({ type: "worker-error", t: Date.now(), message, instance, pid, proc });
      },
    },
  };
}
