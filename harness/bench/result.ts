import type { Arrivals } from "../load/openLoop.ts";
import type { ProbeResult } from "../probe/probeTypes.ts";
import type { RunResult } from "../report/result.ts";
import type { IdleTrial, OpenStep } from "./measure/trials.ts";
import type { Fingerprint } from "./model/fingerprint.ts";
import type { BenchMatrix } from "./model/matrix.ts";
import type { BenchVariant } from "./model/variants.ts";
import type { Estimate } from "./stats/bootstrap.ts";
import type { Better, GateResult } from "./stats/gate.ts";

/** Bumped whenever a field of a bench result changes meaning or goes away. */
export const BENCH_SCHEMA_VERSION = 2;

/** The per-repetition figures of a drain trial. */
export const drainFigures = [
  { figure: "drain jobs/s", key: "jobsPerSec", unit: "jobs/s", better: "higher", exact: false },
  { figure: "worker CPU ms/job", key: "cpuMsPerJob", unit: "ms", better: "lower", exact: false },
  {
    figure: "main-thread CPU ms/job",
    key: "mainCpuMsPerJob",
    unit: "ms",
    better: "lower",
    exact: false,
    /** Read from Linux's /proc only; results saved before it have none. */
    optional: true,
  },
  { figure: "commands/job", key: "commandsPerJob", unit: "commands", better: "lower", exact: true },
] as const;
export type FigureName = (typeof drainFigures)[number]["figure"];

/** One figure of one variant over its repetitions, with a bootstrap interval around the median. */
export interface FigureSeries {
  figure: FigureName;
  variant: string;
  unit: string;
  better: Better;
  /** Compared by value (no interval): does not depend on the machine's load. */
  exact: boolean;
  /** Repetition k at index k (null: that repetition failed, or the figure cannot be read here). */
  runs: (number | null)[];
  /** The fork (fresh worker processes) repetition k ran in; absent in results before forks. */
  forks?: number[];
  estimate: Estimate | null;
}

/** A ratio between two variants' series (current / reference), paired by repetition. */
export interface RatioRow {
  /** What the ratio means, e.g. "efficiency vs raw claim". */
  label: string;
  figure: FigureName;
  variant: string;
  reference: string;
  estimate: Estimate | null;
}

/** Where the load path tops out: the generator alone, the trigger server's enqueue, the drain. */
export interface Headroom {
  /** autocannon (closed loop, 10 connections) against a no-op endpoint: the generator's ceiling. */
  generatorNoopPerSec: number | null;
  /** The same against the trigger server's POST /jobs with the workers frozen: enqueue capacity. */
  enqueuePerSec: number | null;
  enqueueLatencyMs: { p50: number; p99: number; max: number } | null;
  /** The compared variant's median drain rate. */
  drainPerSec: number | null;
  /** The smallest of the three. */
  limitedBy: "generator" | "enqueue" | "drain" | null;
}

/** --sweep: offered rate against latency, with the sustainable throughput. */
export interface SweepResult {
  variant: string;
  /** The rate the factors multiply: the lower of the drain rate and the enqueue capacity. */
  capacityPerSec: number;
  /** The variant's median drain rate, and the trigger server's enqueue capacity (headroom). */
  drainPerSec: number | null;
  enqueuePerSec: number | null;
  steps: OpenStep[];
  /** Highest offered rate passing the criterion (and every valid step below it), or null. */
  sustainablePerSec: number | null;
  criterion: string;
}

/** --scaling: throughput against worker processes, and claim cost against backlog size. */
export interface ScalingResult {
  variant: string;
  workersPerProcess: number;
  points: {
    processes: number;
    jobsPerSec: Estimate | null;
    perWorkerPerSec: number | null;
    runs: (number | null)[];
  }[];
  claimCost: {
    /** Due jobs, with as many completed and as many scheduled for tomorrow beside them. */
    backlog: number;
    history: number;
    future: number;
    /** Mean round trip of a claiming findAndModify (driver command monitoring), ms. */
    claimMs: number | null;
    commandsPerJob: number | null;
    /** Documents the server examined for one claim (explain executionStats), null when it cannot say. */
    docsExamined: number | null;
  }[];
  /** Why docsExamined is missing, if it is. */
  explainNote: string | null;
}

/** result.json of a bench run. */
export interface BenchResult {
  schemaVersion: typeof BENCH_SCHEMA_VERSION;
  kind: "bench";
  matrix: string;
  seed: number;
  verdict: "pass" | "fail" | "unknown";
  /** Correctness and measurement problems (lost or doubly executed jobs, failed trials). */
  problems: string[];
  startedAt: string;
  durationMs: number;
  /** forks and workerNodeArgs are absent in results saved before forks (one fork, no flags). */
  settings: Omit<BenchMatrix, "forks" | "workerNodeArgs"> &
    Partial<Pick<BenchMatrix, "forks" | "workerNodeArgs">> & { arrivals: Arrivals };
  environment: RunResult["environment"];
  server: RunResult["server"];
  fingerprint: Fingerprint;
  variants: BenchVariant[];
  /** The order the drain trials ran in (fork: the set of fresh processes it ran on). */
  order: { variant: string; repetition: number; fork?: number }[];
  figures: FigureSeries[];
  ratios: RatioRow[];
  idle: ({ variant: string } & IdleTrial)[];
  /** Each variant's unmeasured warm-up drains (worker CPU ms per job), and whether they settled. */
  warmup?: { variant: string; fork?: number; cpuMsPerJob: number[]; settled: boolean }[];
  open: { variant: string; step: OpenStep }[];
  headroom: Headroom | null;
  sweep: SweepResult | null;
  scaling: ScalingResult | null;
  /** The quick probe of the server's primitives at the start (absent in older results). */
  probe?: ProbeResult;
  /**
   * Per variant, every measured drain's handler executions per completed job (1: each job ran once)
   * and jobs left undone, repetition k at index k: the figures count distinct jobs completed, and
   * these say what else happened (absent in older results).
   */
  executions?: { variant: string; perJob: (number | null)[]; stuck: number[] }[];
  /** Each system's drain (by the adapter whose jobs it runs): its backlog and time bound. */
  backlogs?: Record<string, { backlog: number; timeoutMs: number }>;
  /** The regression gate: every gated figure's decision, as data. */
  gate: {
    mode: "none" | "versus" | "baseline";
    /** The versus build or the baseline file. */
    against: string | null;
    /** A/A: the versus build is the current one; the intervals are the noise floor. */
    aa: boolean;
    maxRegression: number;
    results: GateResult[];
    noiseFloor: { figure: string; pct: number }[];
    warnings: string[];
  };
}
