import type { BenchJob } from "../../adapters/adapter.ts";
import type { Arrivals, Lateness } from "../../load/openLoop.ts";
import { sleep, waitFor } from "../../util/wait.ts";
import type { Percentiles } from "../stats/percentiles.ts";
import { type GroupStats, statsDelta, type VariantGroup } from "./variantGroup.ts";

/** How long one backlog may take to drain before the trial counts as failed, unless told otherwise. */
export const DRAIN_TIMEOUT_MS = 300_000;

/** The figures of one drain of a backlog. */
export interface DrainTrial {
  /** Completions per second between the 10% and the 90% completion (database timestamps). */
  jobsPerSec: number;
  /** Worker processes' CPU time (user + system) per completed job, ms. */
  cpuMsPerJob: number;
  /** The worker processes' main threads alone (JavaScript), ms per job; null where it cannot be read. */
  mainCpuMsPerJob: number | null;
  /** MongoDB commands per completed job, idle polls taken out (see commandsPerJob). */
  commandsPerJob: number;
  /** Distinct jobs completed: the figures are per completed job, whatever ran twice. */
  completed: number;
  /** Handler executions per completed job: 1 where every job ran once (absent in older results). */
  executionsPerJob?: number;
  /** Jobs still not done when a drain allowed to end partly ended (a server whose claim is broken). */
  stuck?: number;
}

/**
 * Completions per second from the ⌈10%⌉-th to the ⌈90%⌉-th completion time: the start (processes
 * waking from a poll) and the tail (the last slots finishing) are left out, and the window is read
 * from the jobs' own timestamps, never from the harness's polling.
 */
export function rate10to90(times: readonly number[]): number | null {
  if (times.length < 10) return null;
  const s = [...times].sort((a, b) => a - b);
  const i10 = Math.ceil(s.length * 0.1) - 1;
  const i90 = Math.ceil(s.length * 0.9) - 1;
  const ms = (s[i90] as number) - (s[i10] as number);
  return ms > 0 ? ((i90 - i10) * 1000) / ms : null;
}

/**
 * Commands per completed job: the commands the workers sent in the window less those of polls that
 * found nothing (each empty poll costs `perEmptyPoll` commands, measured while the group idled),
 * so the figure is the same however long the workers waited at either end of the drain.
 */
export function commandsPerJob(
  delta: Pick<GroupStats, "commands" | "emptyClaims">,
  perEmptyPoll: number,
  completed: number,
): number {
  return Math.round(((delta.commands - delta.emptyClaims * perEmptyPoll) / completed) * 1000) / 1000;
}

/** Waits until `expected` jobs are done (completed, or failed for good); false on timeout or abort. */
export async function waitCompleted(
  group: VariantGroup,
  expected: number,
  timeoutMs: number,
  signal: AbortSignal,
) {
  let done = 0;
  let asking = false;
  return waitFor(() => done >= expected, {
    everyMs: 50,
    timeoutMs,
    signal,
    onTick: () => {
      if (asking) return;
      asking = true;
      void group.jobs
        .finishedCount(group.db)
        .then((n) => {
          done = n;
        })
        // A failed count is asked again on the next tick; after an interrupt the server may be gone.
        .catch(() => {})
        .finally(() => {
          asking = false;
        });
    },
  });
}

/** The plain bench job `i`: no priority, no concurrency limit (BenchJob can carry both; no drain uses them yet). */
export function plainJobs(count: number, durationMs: number): BenchJob[] {
  return Array.from({ length: count }, (_, i) => ({ name: "bench", data: { durationMs, seq: i } }));
}

/** How a drain may end: its time bound, and whether it may end with jobs not done (counted, not failed). */
export interface DrainBounds {
  timeoutMs?: number;
  /**
   * On a server whose claim the probe found broken, jobs can be left undone for good (a stale
   * write restored an older state): the drain then ends at its bound and its figures are those of
   * the jobs that completed, with the rest counted as stuck.
   */
  partial?: boolean;
}

/**
 * Drains a backlog seeded in bulk on a resumed group; the group is paused again afterwards. The
 * figures are per distinct job completed, with executions per completed job beside them.
 */
export async function drainTrial(
  group: VariantGroup,
  jobs: readonly BenchJob[],
  perEmptyPoll: number,
  signal: AbortSignal,
  bounds: DrainBounds = {},
): Promise<DrainTrial | string> {
  const timeoutMs = bounds.timeoutMs ?? DRAIN_TIMEOUT_MS;
  await group.resume(signal);
  try {
    await group.collection.deleteMany({});
    const before = await group.stats();
    await group.jobs.seed(group.db, jobs);
    const drained = await waitCompleted(group, jobs.length, timeoutMs, signal);
    if (signal.aborted) return "interrupted";
    if (!drained && !bounds.partial) return `${jobs.length} jobs did not drain within ${timeoutMs / 1000} s`;
    const delta = statsDelta(before, await group.stats());
    const times = await group.jobs.completionTimes(group.db);
    const rate = rate10to90(times);
    if (rate === null) return "too few completions to time";
    const completed = times.length;
    const stuck = drained ? 0 : jobs.length - (await group.jobs.finishedCount(group.db));
    const perJob = (ms: number) => Math.round((ms / completed) * 1000) / 1000;
    return {
      jobsPerSec: Math.round(rate * 10) / 10,
      cpuMsPerJob: perJob(delta.cpuMs),
      mainCpuMsPerJob: delta.mainCpuMs === null ? null : perJob(delta.mainCpuMs),
      commandsPerJob: commandsPerJob(delta, perEmptyPoll, completed),
      completed,
      executionsPerJob: Math.round((delta.executions / completed) * 1000) / 1000,
      ...(stuck > 0 ? { stuck } : {}),
    };
  } finally {
    await group.collection.deleteMany({}).catch(() => {});
    group.pause();
  }
}

/** A variant's median drain rate, jobs/s, over its trials that completed (the upper middle one); null when none did. */
export function medianRate(
  trials: ReadonlyMap<string, readonly (DrainTrial | null)[]>,
  variant: string,
): number | null {
  const runs = (trials.get(variant) ?? [])
    .filter((r): r is DrainTrial => r !== null)
    .map((r) => r.jobsPerSec);
  return runs.length ? (runs.sort((a, b) => a - b)[runs.length >> 1] ?? null) : null;
}

/** What an idle group costs MongoDB. */
export interface IdleTrial {
  /** Commands per second per worker slot with an empty queue. */
  commandsPerSecPerWorker: number;
  /** Commands one empty poll sends (findAndModify, and the scheduler's concurrency query). */
  commandsPerEmptyPoll: number;
  byName: Record<string, number>;
}

/** Lets a resumed group idle on an empty queue for `ms` and counts what it sends. */
export async function idleTrial(
  group: VariantGroup,
  ms: number,
  signal: AbortSignal,
): Promise<IdleTrial | string> {
  await group.resume(signal);
  try {
    await group.collection.deleteMany({});
    const before = await group.stats();
    const t0 = Date.now();
    await sleep(ms, signal);
    const delta = statsDelta(before, await group.stats());
    const seconds = (Date.now() - t0) / 1000;
    if (delta.emptyClaims === 0) return "no empty poll was seen while idle";
    return {
      commandsPerSecPerWorker: Math.round((delta.commands / seconds / group.slots) * 100) / 100,
      commandsPerEmptyPoll: Math.round(delta.commands / delta.emptyClaims),
      byName: delta.byName,
    };
  } finally {
    group.pause();
  }
}

/** One open-loop step (openStep.ts): a rate offered over HTTP for a duration, judged at the window's end. */
export interface OpenStep {
  offeredPerSec: number;
  arrivals: Arrivals;
  durationMs: number;
  /** Send duration + grace: completions after it count as not done. */
  windowMs: number;
  planned: number;
  accepted: number;
  rejected: number;
  /** Requests accepted (201) per second, from the first intended send to the last accepted reply. */
  acceptedPerSec: number;
  /** Jobs completed by the window's end, per second of sending (the achieved rate). */
  completedPerSec: number;
  /** Planned jobs not completed by the window's end (rejected ones included), percent. */
  notDonePct: number;
  /** Actual − intended send time, ms. */
  lateness: Lateness | null;
  /** False when the generator fell behind by more than the poll interval (lateness max). */
  valid: boolean;
  /** From the intended send time: to the claim (lastRunAt) and to completion (updatedAt), all accepted jobs. */
  enqueueToStart: Percentiles | null;
  enqueueToComplete: Percentiles | null;
  /** The same start latency from the ledger's own start records, when the ledger is on. */
  ledgerStart: Percentiles | null;
  /** Accepted jobs still not completed when the harness stopped waiting. */
  neverCompleted: number;
  /** One JSON line per request: intended, actual send and reply times, its job's claim and completion times. */
  recordsFile: string;
}
