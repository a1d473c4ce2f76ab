import type { EffectiveSettings } from "../adapters/adapter.ts";
import type { ClaimOrder } from "../checkers/claimOrder.ts";
import type { CheckerName, CheckerResult, CheckerResults, Verdict } from "../checkers/types.ts";
import type { NotStruck } from "../faults/runFaults.ts";
import type { RunClocks } from "../ledger/clockOffsets.ts";
import type { HistoryProblem } from "../ledger/history.ts";
import type { HttpLoadResult } from "../load/httpLoad.ts";
import type { OpenLoadResult } from "../load/openLoad.ts";
import type { Attribution } from "../probe/attribution.ts";
import type { ProbeResult } from "../probe/probeTypes.ts";
import type { RunSettings } from "../scenario/schema.ts";
import type { FaultCoverage } from "./faultCoverage.ts";
import type { FaultWindow } from "./faultWindows.ts";
import type { ServerInfo } from "./serverText.ts";
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

/**
 * Bumped whenever a field of result.json changes meaning or goes away. 2: checker results keyed
 * by checker name with typed figures; the history's problems; process instance ids.
 */
export const SCHEMA_VERSION = 2;

/** What was wrong with the run's history, as read (see ledger/history.ts). */
export interface HistorySummary {
  records: number;
  /** Lines that were not valid records (unreadable, unknown type, missing fields). */
  rejectedLines: number;
  /** Every problem: rejected lines and records that do not fit together (an ack before its start, …). */
  problems: number;
  byKind: Partial<Record<HistoryProblem["kind"], number>>;
  /** The first problems, for people. */
  examples: HistoryProblem[];
}

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
  /** The server, as it named itself (see report/serverText.ts). */
  server: ServerInfo;
  /**
   * The scheduler under test: adapter, its version, the wiring (a preset or a module's path) and
   * the effective settings of the scheduler and its store, read from the built instances; the
   * checkers' timing comes from `effective.timing`. Absent in results written before adapters.
   */
  sut?: {
    adapter: string;
    version: string;
    wiring: string;
    /**
     * How the scheduler claims (claimOrder.ts), as its adapter declares it; the recovery-time
     * checker judges late recoveries by it. Absent in results written before: global-priority.
     */
    claimOrder?: ClaimOrder;
    /** Its claim returns a lock version the ledger keeps (see SchedulerAdapter.claimVersioned). */
    claimVersioned?: boolean;
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
  /** The headline figures, from the checkers' figures (0 when the checker did not run). */
  counts: {
    accepted: number;
    completed: number;
    /** Accepted jobs not in their expected final status when a complete run ended. */
    lost: number;
    unexpected: number;
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
  /** The HTTP load; an open loop's adds its answers by status, its send lateness and its rate. */
  load: (HttpLoadResult & Partial<Pick<OpenLoadResult, "byStatus" | "lateness" | "ratePerSec">>) | null;
  history: HistorySummary;
  /**
   * Every fault window (begin to end) with what it did; `failed` names those whose injection or
   * heal failed, each of which makes the verdict unknown at best (absent in older results).
   */
  faults?: {
    windows: FaultWindow[];
    failed: string[];
    /** What each fault struck (the kinds and names of the jobs in flight) and the table by type × kind. */
    coverage?: FaultCoverage;
    /**
     * Planned faults that never struck, as "id at N%" (absent when every one struck): `missed`
     * found no target at their point (no worker executing a job), `unstruck` never saw their point
     * come (too few jobs finished). A verdict without them tested less than the plan said.
     */
    notStruck?: NotStruck;
  };
  /** Every checker's result, keyed by checker name in the scenario's order; figures are typed per checker. */
  checkers: CheckerResults;
  /** The series the HTML report draws (absent in results written before it existed). */
  timeline?: Timeline;
  /** The quick probe of the server's primitives at the start of the run (absent in older results). */
  probe?: ProbeResult;
  /**
   * A database ledger's clocks: each writer's offset to the server's clock and its uncertainty; the
   * history's times are on the server's clock, and a checker whose verdict depends on an ordering
   * finer than the uncertainty is unknown (absent for a ledger folder, whose times share one clock).
   */
  clocks?: RunClocks;
  /** Whose promise each failed checker's violations broke: the server's or the scheduler's. */
  attribution?: Attribution;
  /** App mode: the service under test, how it was started, and how its instances stopped. */
  app?: AppRunInfo;
}

/** App mode's account of the service under test (`harness app`). */
export interface AppRunInfo {
  /** The API description's name (`example`, or the file's). */
  api: string;
  /** The command each instance ran, or null when attached to instances started elsewhere. */
  command: string | null;
  cwd: string | null;
  instances: number;
  /** The base URLs when attached (--app-url). */
  urls?: string[];
  /** From SIGTERM to exit, each time an instance was stopped (faults and the end of the run). */
  stopTimes: { proc: string; ms: number; killed: boolean; exit: string }[];
  /** Instances that exited when nobody asked them to, with the last lines of their logs. */
  crashes: { proc: string; t: number; exit: string; log: string }[];
  /** What the service's dependency tree holds of the driver, BSON and the scheduler, and what looks wrong. */
  dependencies: {
    packages: { name: string; version: string; path: string }[];
    resolves: Record<string, string>;
    warnings: string[];
  } | null;
  /**
   * How the job documents were watched: read every this many ms (through a change stream: asked
   * again this often when quiet), and the longest gap between two reads of a document.
   */
  sampleEveryMs: number;
  maxGapMs: number | null;
  /** How the run was asked to watch (--watch; absent in older runs). */
  watch?: "auto" | "stream" | "poll";
  /** A change stream, or reads of the whole collection (absent in older runs: reads). */
  watchedBy?: "stream" | "poll";
  /** Why no change stream was used, or when it failed and reads took over. */
  watchNote?: string;
}

/** One checker's result in a run, if it ran. */
export function checkerOf<N extends CheckerName>(
  result: Pick<RunResult, "checkers">,
  name: N,
): CheckerResult<N> | undefined {
  return result.checkers[name] as CheckerResult<N> | undefined;
}

/** The checker results of a run, in order. */
export function checkerList(result: Pick<RunResult, "checkers">): CheckerResult[] {
  return Object.values(result.checkers) as CheckerResult[];
}
