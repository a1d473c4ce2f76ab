import type { CheckerResult, Verdict } from "../checkers/types.ts";
import type { RunSettings } from "../config/scenarioSchema.ts";
import type { HttpLoadResult } from "../load/httpLoad.ts";
import type { EffectiveSettings } from "../sut/adapter.ts";
import type { Timeline } from "./timeline.ts";

/**
 * The settings of a run as resolved, with the options that chose where it ran and wrote (absent
 * in results written before they were recorded).
 */
export type RunConfig = RunSettings & {
  /** --mongo and --mongo-uri / MONGO_URL (password hidden). */
  mongo?: { choice: string; uri: string | null };
  /** --reports-dir, absolute. */
  reportsDir?: string;
  /** --keep: the database was kept and served in the Scheduler UI after the run. */
  keep?: boolean;
};

/** Bumped whenever a field of result.json changes meaning or goes away. */
export const SCHEMA_VERSION = 1;

/** The product of a run: everything a view needs, as JSON. Every view is a pure function of it. */
export interface RunResult {
  schemaVersion: typeof SCHEMA_VERSION;
  scenario: string;
  description: string;
  verdict: Verdict;
  /** Why the run did not finish, when it did not (interrupted, setup failed mid-way). */
  incomplete: string | null;
  seed: number;
  startedAt: string;
  /** When the run stopped observing (ms since the epoch); `analyze` needs it to re-check. */
  runEndedAt: number;
  durationMs: number;
  config: RunConfig;
  environment: {
    node: string;
    driver: string;
    scheduler: string;
    /** Where the scheduler under test was loaded from, when it is not the installed package. */
    schedulerSource: string | null;
    platform: string;
    cpus: number;
  };
  server: { provider: string; version: string; isMongoDB: boolean };
  /**
   * The scheduler under test: adapter, its version, the wiring (a preset or a module's path) and
   * the effective settings of the scheduler and its store, read from the built instances; the
   * checkers' timing comes from `effective.timing`. Absent in results written before adapters.
   */
  sut?: {
    adapter: string;
    version: string;
    wiring: string;
    effective: EffectiveSettings | null;
  };
  /** Jobs in the run's collection by final status, as the database held them when the run ended. */
  finalStatuses: {
    total: number;
    pending: number;
    running: number;
    completed: number;
    failed: number;
    cancelled: number;
  };
  counts: {
    accepted: number;
    completed: number;
    /** Accepted jobs not in their expected final status when a complete run ended. */
    lost: number;
    /**
     * Accepted jobs not (yet) in their expected final status when an interrupted run stopped:
     * not judged lost, since the run did not wait for them (absent in results written before).
     */
    unfinished?: number;
    kills: number;
    recovered: number;
    doubleExecutions: number;
    runsAfterSuccess: number;
  };
  recovery: { p50Ms: number | null; maxMs: number | null; boundMs: number; toleranceMs: number };
  throughput: { jobsPerSec: number | null };
  load: HttpLoadResult | null;
  /** Present when the priority-order checker ran. */
  ordering?: { inversions: number; maxInversionWaitMs: number; limitedBehindUnlimited: number };
  /** Present when the concurrency-limit checker ran: one entry per limited job name. */
  concurrency?: Record<
    string,
    { limit: number; peak: number; msOverLimit: number; longestStarvationMs: number }
  >;
  /** Present when a retry checker ran; `computed` for delays given as functions. */
  retries?: {
    checked: number;
    early: number;
    late: number;
    computed?: { checked: number; early: number; late: number };
  };
  /** Present when the repeat-ticks checker ran. */
  repeats?: {
    ticks: number;
    doubleTicks: number;
    missed: number;
    driftP50Ms: number | null;
    driftP99Ms: number | null;
  };
  /** Present when the dedupe checker ran: accepted requests and the jobs they made. */
  dedupe?: { requests: number; jobs: number; executions: number };
  checkers: CheckerResult[];
  /** The series the HTML report draws (absent in results written before it existed). */
  timeline?: Timeline;
}

/** The figures of one checker, if it ran. */
export function figuresOf(
  checkers: readonly CheckerResult[],
  checker: string,
): CheckerResult["figures"] | undefined {
  return checkers.find((c) => c.name === checker)?.figures;
}

/** Reads one figure a checker measured, or null when that checker did not run. */
export function figure(checkers: readonly CheckerResult[], checker: string, name: string): number | null {
  return checkers.find((c) => c.name === checker)?.figures[name] ?? null;
}
