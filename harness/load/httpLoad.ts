import autocannon from "autocannon";
import type { LedgerSink } from "../ledger/fileLedger.ts";
import { acceptExtras, type PlannedJob } from "./jobMix.ts";

/** What the HTTP load did, in figures autocannon measured. */
export interface HttpLoadResult {
  sent: number;
  accepted: number;
  rejected: number;
  errors: number;
  durationMs: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export interface HttpLoadOptions {
  url: string;
  connections: number;
  jobs: readonly PlannedJob[];
  /** Receives one accept record per job the server accepted (201 with an id). */
  ledger: LedgerSink;
  /** Called as responses arrive, with how many have. */
  onProgress?(done: number): void;
  signal?: AbortSignal;
}

/**
 * Sends every planned job once through the trigger server with autocannon, and records each
 * accepted job id from the responses. The one typed adapter around autocannon.
 */
export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const { jobs, ledger } = options;
  let next = 0;
  let accepted = 0;
  let rejected = 0;
  let responses = 0;
  const instance = autocannon({
    url: options.url,
    connections: Math.min(options.connections, Math.max(1, jobs.length)),
    amount: jobs.length,
    requests: [
      {
        method: "POST",
        setupRequest: (req, ctx: object) => {
          const context = ctx as Record<string, unknown>;
          const job = jobs[next++ % jobs.length] as PlannedJob;
          context.job = job;
          return {
            ...req,
            path: job.route,
            headers: { "content-type": "application/json" },
            body: JSON.stringify(job.body),
          };
        },
        onResponse: (status, body, ctx: object) => {
          const context = ctx as Record<string, unknown>;
          responses++;
          options.onProgress?.(responses);
          const job = context.job as PlannedJob;
          if (status !== 201) {
            rejected++;
            return;
          }
          const reply = JSON.parse(body) as { id: string; name: string; priority: number };
          accepted++;
          ledger.append({
            type: "accept",
            t: Date.now(),
            jobId: reply.id,
            name: reply.name,
            priority: reply.priority,
            expect: job.expect,
            ...acceptExtras(job),
          });
        },
      },
    ],
  });
  const abort = () => (instance as unknown as { stop(): void }).stop();
  options.signal?.addEventListener("abort", abort);
  try {
    const result = await instance;
    return {
      sent: result.requests.sent,
      accepted,
      rejected,
      errors: result.errors,
      durationMs: result.duration * 1000,
      requestsPerSec: result.requests.average,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    };
  } finally {
    options.signal?.removeEventListener("abort", abort);
  }
}
