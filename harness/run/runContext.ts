import type { MongoClient } from "mongodb";
import type { EffectiveSettings, SchedulerAdapter } from "../adapters/adapter.ts";
import type { SutSpec } from "../adapters/wiring.ts";
import type { JobState } from "../checkers/types.ts";
import type { FaultRig } from "../faults/faultRig.ts";
import type { PlannedFault } from "../faults/faultType.ts";
import type { FaultRunSummary } from "../faults/runFaults.ts";
import type { FileLedger } from "../ledger/fileLedger.ts";
import type { LiveLedger } from "../ledger/liveLedger.ts";
import type { HttpLoadResult } from "../load/httpLoad.ts";
import type { PlannedJob } from "../load/jobMix.ts";
import type { Supervisor } from "../processes/supervisor.ts";
import type { RunSettings, Scenario } from "../scenario/schema.ts";
import type { MongoTarget } from "../servers/provision.ts";
import type { Reporter } from "../util/reporter.ts";
import type { Rng } from "../util/rng.ts";

/**
 * What the phases of one run share. Each phase fills in what it provides (provision: the target,
 * the database, the fault rig; deploy: the processes; load: the load's result; faults: the fault
 * schedule; settle: when observation ended; collect: the final state) and reads what came before.
 */
export interface RunContext {
  scenario: Scenario;
  settings: RunSettings;
  seed: number;
  rng: Rng;
  startedAt: number;
  runDir: string;
  ledgerDir: string;
  dbName: string;
  reporter: Reporter;
  /**
   * Aborted when the run must stop early: the user's Ctrl-C, or a process the run depends on (the
   * database server, the trigger server, the proxy) dying on its own. Its reason is a RunStopped.
   */
  signal: AbortSignal;
  /** Where the run is, for the line that says where it stopped. */
  stage: RunStage;
  /** Aborted when the load and the fault schedule must stop: at the end of the drain, or by the user. */
  phase: AbortController;
  plan: readonly PlannedFault[];
  jobs: PlannedJob[];
  /** The scheduler under test: which one, how it is wired, and its adapter. */
  sutSpec: SutSpec;
  adapter: SchedulerAdapter;
  /** The settings read from the built scheduler (provision); the timing checks use these. */
  effective?: EffectiveSettings;
  target?: MongoTarget;
  client?: MongoClient;
  rig?: FaultRig;
  harnessLedger?: FileLedger;
  supervisor?: Supervisor;
  live?: LiveLedger;
  /** The trigger server's port (HTTP load). */
  port?: number;
  load: HttpLoadResult | null;
  /** Settles (never rejects) once every injected fault is healed. */
  faults?: Promise<{ summary?: FaultRunSummary; error?: unknown }>;
  faultsDone: boolean;
  /** How long the drain may wait: the settings', or longer for long jobs (set in provision). */
  drainTimeoutMs: number;
  runEndedAt: number;
  finalState: JobState[];
}

/** The part of a run in progress. */
export type RunStage = "starting" | "load" | "drain" | "observe" | "settle" | "teardown";

/** Why a run stopped early: the reason saved as `incomplete`, and whether its server is gone. */
export class RunStopped extends Error {
  constructor(
    /** "interrupted", or the line naming a dependency that died. */
    readonly reason: string,
    /** The database server is gone: nothing can be read from it any more. */
    readonly serverGone = false,
  ) {
    super(reason);
    this.name = "RunStopped";
  }
}

/** Thrown by a phase that sees the run's stop signal: the run ends as incomplete. */
export class Interrupted extends Error {}

/** Throws Interrupted when the user has asked the run to stop. */
export function checkInterrupt(ctx: RunContext): void {
  if (ctx.signal.aborted) throw new Interrupted();
}

/** A field a previous phase must have set. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`run phase order: ${what} is not there yet`);
  return value;
}
