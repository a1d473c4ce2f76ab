import type { MongoClient } from "mongodb";
import type { JobState } from "../../checkers/types.ts";
import type { RunSettings, Scenario } from "../../config/scenarioSchema.ts";
import type { FaultRig } from "../../faults/faultRig.ts";
import type { PlannedFault } from "../../faults/faultType.ts";
import type { FaultRunSummary } from "../../faults/runFaults.ts";
import type { FileLedger } from "../../ledger/fileLedger.ts";
import type { LiveLedger } from "../../ledger/liveLedger.ts";
import type { HttpLoadResult } from "../../load/httpLoad.ts";
import type { PlannedJob } from "../../load/jobMix.ts";
import type { MongoTarget } from "../../mongo/provision.ts";
import type { EffectiveSettings, SchedulerAdapter } from "../../sut/adapter.ts";
import type { Supervisor } from "../../sut/supervisor.ts";
import type { SutSpec } from "../../sut/wiring.ts";
import type { Rng } from "../../util/rng.ts";
import type { Reporter } from "../reporter.ts";

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
  /** The user's signal (Ctrl-C). */
  signal: AbortSignal;
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

/** Thrown by a phase that sees the user's signal: the run ends as interrupted. */
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
