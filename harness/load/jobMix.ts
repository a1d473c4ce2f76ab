import { requestId } from "../ledger/identity.ts";
import type { AcceptRecord } from "../ledger/records.ts";
import type { Rng } from "../util/rng.ts";
import type { LoadSettings, MixEntry } from "./settings.ts";

/** Retry settings of a bulk-seeded job: a fixed delay, or a delay computed per attempt. */
export type RetrySpec = NonNullable<MixEntry["retry"]>;

/** How a job should end when the scheduler keeps its promises; repeating jobs never end. */
export type Expectation = MixEntry["expect"];

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

/** What the plan of a load needs of its settings. */
export type MixOptions = {
  readonly [K in "jobs" | "mix" | "priorities" | "durationMs"]: Readonly<LoadSettings[K]>;
};

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
export function acceptExtras(
  job: PlannedJob,
): Pick<AcceptRecord, "request" | "retry" | "dedupeKey" | "long"> {
  const data = job.body.data as { failUntilAttempt?: number } | undefined;
  const dedupeKey = typeof job.body.dedupeKey === "string" ? job.body.dedupeKey : undefined;
  const retry = job.retry;
  return {
    request: requestId(job.seq),
    ...(dedupeKey ? { dedupeKey } : {}),
    ...(job.long ? { long: true } : {}),
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

/**
 * How many distinct jobs of a plan can finish: repeating jobs never do, and requests that share a
 * dedupe key make one job. A fault's point (a fraction of the jobs finished) is taken of these, so
 * that a point the run can reach is never planned out of its reach; a plan of repeating jobs only
 * counts them all (its faults strike at 0 or never, as before).
 */
export function finishableJobs(jobs: readonly PlannedJob[]): number {
  const keys = new Set<string>();
  let n = 0;
  for (const job of jobs) {
    if (job.expect === "repeating") continue;
    const key = job.body.dedupeKey;
    if (typeof key === "string") {
      if (keys.has(key)) continue;
      keys.add(key);
    }
    n++;
  }
  return n > 0 ? n : jobs.length;
}

/**
 * Every job name a load will enqueue: an example route's job is named after the route
 * (/trigger/email → email), any other job carries its name in the body. Planned jobs or a mix's
 * entries alike.
 */
export function jobNamesOf(jobs: readonly { route: string; body?: Record<string, unknown> }[]): string[] {
  const names = new Set<string>();
  for (const job of jobs) {
    const trigger = /^\/trigger\/([\w-]+)$/.exec(job.route);
    if (trigger?.[1]) names.add(trigger[1]);
    else if (typeof job.body?.name === "string") names.add(job.body.name);
  }
  return [...names].sort();
}
