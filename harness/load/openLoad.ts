import type { LedgerSink } from "../ledger/fileLedger.ts";
import type { HttpLoadResult } from "./httpLoad.ts";
import { acceptExtras, type PlannedJob } from "./jobMix.ts";
import { type Arrivals, arrivalOffsets, realClock, runOpenLoop, sendLateness } from "./openLoop.ts";
import { createUndiciSender } from "./undiciSender.ts";

/** What an open-loop load did: the HTTP load's figures, its answers by status, its lateness. */
export interface OpenLoadResult extends HttpLoadResult {
  /** Answers by HTTP status ("201", "503", …), and requests that got none ("none"). */
  byStatus: Record<string, number>;
  /** How late requests left against their intended times (ms): the generator's own health. */
  lateness: { p50: number; p99: number; max: number } | null;
  ratePerSec: number;
}

export interface OpenLoadOptions {
  url: string;
  jobs: readonly PlannedJob[];
  ratePerSec: number;
  arrivals: Arrivals;
  seed: number;
  /** An accept record per job the server accepted (201 with an id); a refuse record per other answer. */
  ledger: LedgerSink;
  signal?: AbortSignal;
  /** Called as requests leave, with how many have and how many were accepted so far. */
  onProgress?(sent: number, accepted: number): void;
}

/**
 * Sends job i of the plan at its intended time (i / rate, or Poisson arrivals of that rate), never
 * waiting for an answer, so the load stays steady whatever the server does. Each job carries its
 * intended send time (`data.intendedAt`), from which latency is counted. Every request's outcome
 * goes to the ledger: accepted (201 with the job's id) or refused (another status, or no answer).
 */
export async function runOpenLoad(options: OpenLoadOptions): Promise<OpenLoadResult> {
  const { jobs, ledger } = options;
  const durationMs = (jobs.length * 1000) / options.ratePerSec;
  const offsets = arrivalOffsets(options.ratePerSec, durationMs, options.arrivals, options.seed).slice(
    0,
    jobs.length,
  );
  const sender = createUndiciSender(options.url);
  const startAt = realClock.now() + 100;
  let sent = 0;
  let accepted = 0;
  let rejected = 0;
  let errors = 0;
  const byStatus: Record<string, number> = {};
  const latencies: number[] = [];
  try {
    const records = await runOpenLoop({
      offsets,
      startAt,
      clock: realClock,
      ...(options.signal ? { signal: options.signal } : {}),
      send: async (i, intendedAt) => {
        sent++;
        options.onProgress?.(sent, accepted);
        const job = jobs[i] as PlannedJob;
        const data = { ...(job.body.data as Record<string, unknown>), intendedAt };
        const request = acceptExtras(job).request;
        try {
          const reply = await sender.post(job.route, { ...job.body, data });
          const now = Date.now();
          latencies.push(now - intendedAt);
          byStatus[String(reply.status)] = (byStatus[String(reply.status)] ?? 0) + 1;
          if (reply.status === 201) {
            const body = JSON.parse(reply.body) as { id: string; name: string; priority: number };
            accepted++;
            ledger.append({
              type: "accept",
              t: now,
              jobId: body.id,
              name: body.name,
              priority: body.priority,
              expect: job.expect,
              ...acceptExtras(job),
            });
          } else {
            rejected++;
            ledger.append({ type: "refuse", t: now, request, status: reply.status });
          }
          return reply;
        } catch (error) {
          errors++;
          byStatus.none = (byStatus.none ?? 0) + 1;
          const message = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
          ledger.append({ type: "refuse", t: Date.now(), request, status: null, error: message });
          throw error;
        }
      },
    });
    const sorted = latencies.sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
    const last = records.at(-1);
    const elapsed = last?.respondedAt ? last.respondedAt - startAt : durationMs;
    return {
      sent,
      accepted,
      rejected,
      errors,
      durationMs: Math.round(elapsed),
      requestsPerSec: elapsed > 0 ? Math.round((sent * 1000 * 10) / elapsed) / 10 : 0,
      latencyMs: { p50: at(50), p99: at(99), max: sorted.at(-1) ?? 0 },
      byStatus,
      lateness: sendLateness(records, offsets, startAt),
      ratePerSec: options.ratePerSec,
    };
  } finally {
    await sender.close().catch(() => {});
  }
}
