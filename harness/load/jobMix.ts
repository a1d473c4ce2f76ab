import { requestId } from "../ledger/identity.ts";
import type { AcceptRecord } from "../ledger/records.ts";
import type { Rng } from "../util/rng.ts";

/** Retry settings of a bulk-seeded job: a fixed delay, or a delay computed per attempt. */
export interface RetrySpec {
  maxAttempts: number;
  /** Fixed delay between attempts. */
  delayMs?: number;
  /** Computed delay: baseMs × factor^(attempt − 1), passed to the scheduler as a function. */
  backoff?: { baseMs: number; factor: number };
}

/** How a job should end when the scheduler keeps its promises; repeating jobs never end. */
export type Expectation = "completed" | "failed" | "repeating";

/** One kind of job in a load mix. */
export interface MixEntry {
  /** Trigger server route that schedules it over HTTP, e.g. "/trigger/email" or "/jobs". */
  route: string;
  /** Relative share of the load (among entries without a count). */
  weight: number;
  /** Exactly this many jobs of this kind. */
  count?: number;
  /** Extra body fields (HTTP) or schedule options (bulk): name, concurrency, repeat, dedupeKey. */
  body?: Record<string, unknown>;
  /** Simulated work merged into each job's data (e.g. { failUntilAttempt: 2 }). */
  data?: Record<string, unknown>;
  /** Retries (bulk only: a computed delay cannot travel as JSON). */
  retry?: RetrySpec;
  /** Overrides the load's priority range for this entry. */
  priorities?: readonly [number, number];
  /** Overrides the load's duration range for this entry. */
  durationMs?: readonly [number, number];
  expect: Expectation;
  /** Its jobs run a multiple of the scheduler's lock timeout (the load's lockTimeoutsPerLongJob). */
  long?: boolean;
}

/** One job of the load, fully decided before the run (so a seed reproduces it). */
export interface PlannedJob {
  seq: number;
  route: string;
  body: Record<string, unknown>;
  retry?: RetrySpec;
  expect: Expectation;
  /** Sized from the built scheduler's lock timeout before the load starts (see longJobs.ts). */
  long?: boolean;
}

export interface MixOptions {
  jobs: number;
  mix: readonly MixEntry[];
  priorities: readonly [number, number];
  durationMs: readonly [number, number];
}

/** The mix entry a roll in [0, total weight) falls on. */
function pickWeighted(mix: readonly MixEntry[], roll: number): MixEntry {
  let left = roll;
  for (const m of mix) {
    left -= m.weight;
    if (left < 0) return m;
  }
  return mix[mix.length - 1] as MixEntry;
}

/** The delay the scheduler should wait after failed attempt `attempt` (1-based). */
export function retryDelayMs(retry: RetrySpec, attempt: number): number {
  if (retry.backoff) return Math.round(retry.backoff.baseMs * retry.backoff.factor ** (attempt - 1));
  return retry.delayMs ?? 0;
}

/**
 * Plans every job of the load from the seeded generator: kind, priority and duration. Entries with
 * a count come first, exactly that many times; the rest of the jobs follow the weights.
 */
export function planJobs(options: MixOptions, rng: Rng): PlannedJob[] {
  const counted = options.mix.flatMap((m) => Array.from({ length: m.count ?? 0 }, () => m));
  const weighted = options.mix.filter((m) => m.count === undefined);
  const total = weighted.reduce((s, m) => s + m.weight, 0);
  const jobs: PlannedJob[] = [];
  for (let seq = 0; seq < options.jobs; seq++) {
    const entry = counted[seq] ?? pickWeighted(weighted, rng.next() * total);
    const [pMin, pMax] = entry.priorities ?? options.priorities;
    const [dMin, dMax] = entry.durationMs ?? options.durationMs;
    const priority = rng.int(pMin, pMax);
    const durationMs = rng.int(dMin, dMax);
    jobs.push({
      seq,
      route: entry.route,
      expect: entry.expect,
      ...(entry.long ? { long: true } : {}),
      ...(entry.retry ? { retry: entry.retry } : {}),
      body: {
        ...entry.body,
        ...(entry.retry && !entry.retry.backoff
          ? { retry: { maxAttempts: entry.retry.maxAttempts, delay: entry.retry.delayMs ?? 0 } }
          : {}),
        priority,
        data: { seq, durationMs, ...entry.data },
      },
    });
  }
  return jobs;
}

/** What an accept record says of a planned job beyond its id: its request, retry expectation and dedupe key. */
export function acceptExtras(job: PlannedJob): Pick<AcceptRecord, "request" | "retry" | "dedupeKey"> {
  const data = job.body.data as { failUntilAttempt?: number } | undefined;
  const dedupeKey = typeof job.body.dedupeKey === "string" ? job.body.dedupeKey : undefined;
  const retry = job.retry;
  return {
    request: requestId(job.seq),
    ...(dedupeKey ? { dedupeKey } : {}),
    ...(retry
      ? {
          retry: {
            maxAttempts: retry.maxAttempts,
            delaysMs: Array.from({ length: retry.maxAttempts - 1 }, (_, i) => retryDelayMs(retry, i + 1)),
            computed: retry.backoff !== undefined,
            failUntilAttempt: data?.failUntilAttempt ?? 0,
          },
        }
      : {}),
  };
}
