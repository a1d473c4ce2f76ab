import type { RunResult } from "../report/result.ts";
import type { BenchCell, BenchSetup } from "./matrix.ts";
import type { Percentiles, Spread } from "./stats.ts";

/** Bumped whenever a field of a bench result changes meaning or goes away. */
export const BENCH_SCHEMA_VERSION = 1;

/** The figures of one cell of the matrix, over its repetitions. */
export interface BenchCellResult {
  id: string;
  setup: BenchSetup;
  cell: BenchCell;
  /** Drain: jobs completed per second, from the first claim to the last completion (database clock). */
  jobsPerSec: Spread | null;
  /** Open loop: share of accepted jobs not completed by the end of the window, per repetition (percent). */
  notCompletedPct: Spread | null;
  /** Latencies over all repetitions (ms). Open loop measures from the intended send time. */
  latency: {
    enqueueToStart: Percentiles | null;
    runTime: Percentiles | null;
    enqueueToComplete: Percentiles | null;
  };
  /** Open loop: what autocannon measured of the HTTP enqueue. */
  http: { requestsPerSec: Spread | null; latencyP99Ms: Spread | null } | null;
}

/** The two baselines and the headroom of one setup, measured in the same run on the same server. */
export interface BenchSetupResult {
  setup: BenchSetup;
  /** The scheduler's plain drain throughput (ledger on), the raw claim loop's, and the ledger-off scheduler's. */
  schedulerJobsPerSec: Spread | null;
  rawClaimJobsPerSec: Spread | null;
  ledgerOffJobsPerSec: Spread | null;
  /** scheduler / raw claim loop. */
  efficiency: number | null;
  /** ledger on / ledger off: the harness's own cost (1 means none). */
  ledgerOverhead: number | null;
  /** HTTP enqueue through the trigger server and autocannon, closed loop. */
  enqueue: { requestsPerSec: number; latencyMs: { p50: number; p99: number; max: number } } | null;
  /** Enqueue rate / scheduler drain rate: how far the load side outpaces what it measures. */
  headroom: number | null;
  /** Event-loop delay of the worker processes (worst process). */
  eventLoopDelayMs: { p99: number; max: number } | null;
}

/** result.json of a bench run. */
export interface BenchResult {
  schemaVersion: typeof BENCH_SCHEMA_VERSION;
  kind: "bench";
  matrix: string;
  verdict: "pass" | "fail" | "unknown";
  /** Correctness problems seen during the bench (lost or doubly executed jobs), empty when none. */
  problems: string[];
  startedAt: string;
  durationMs: number;
  repeats: number;
  settings: { pollIntervalMs: number; lockTimeoutMs: number; jobDurationMs: number };
  environment: RunResult["environment"];
  server: RunResult["server"];
  setups: BenchSetupResult[];
  cells: BenchCellResult[];
}
