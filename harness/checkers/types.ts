import type { History } from "../ledger/history.ts";
import type { ClaimOrder } from "./claimOrder.ts";
import type { CheckerName, FiguresByChecker } from "./figures.ts";
import type { CheckSettingsOf } from "./settings.ts";

/** What app mode's checkers know of the service under test. */
export type AppCheckSettings = NonNullable<CheckSettingsOf["app"]>;

export type { CheckerName, FiguresByChecker } from "./figures.ts";

/** Three-valued, as in Jepsen: unknown means the checker could not decide. */
export type Verdict = "pass" | "fail" | "unknown";

/** One broken promise (or one thing that could not be judged), with the evidence to find it again. */
export interface Violation {
  kind: string;
  message: string;
  jobId?: string;
  t?: number;
  evidence?: Record<string, unknown>;
}

/** The final state of one job document, as read from the jobs collection after the run. */
export interface JobState {
  id: string;
  name: string;
  status: string;
  priority: number;
  attempts: number;
  concurrency?: number;
  lockUntil?: number | null;
  lockedBy?: string | null;
  lastError?: string | null;
  dedupeKey?: string | null;
  /** The load's request that created it (the harness puts it in the job's data), if known. */
  request?: string | null;
}

/** What the checkers need from the run's configuration. */
export interface CheckSettings {
  lockTimeoutMs: number;
  pollIntervalMs: number;
  /** Slack allowed above the recovery bound before a recovery counts as late. */
  recoveryToleranceMs: number;
  /** Slack for other timing checks (claim round trips, timers firing late). */
  timingToleranceMs: number;
  /**
   * How the scheduler picks the next job to claim (claimOrder.ts), as its adapter declares it;
   * mongo-job-scheduler's global priority order when unset.
   */
  claimOrder?: ClaimOrder;
  /** The scheduler's maxExecutionMs, when stall detection was on. */
  maxExecutionMs?: number;
  /** App mode: what the black-box checkers know of the service (checkers/settings.ts). */
  app?: AppCheckSettings;
  /** The growth checker's bounds per hour (check.growth); its defaults when unset. */
  growth?: { rssMbPerHour: number; heapUsedMbPerHour: number; connectionsPerHour: number };
  /** When the run stopped observing (ms): open executions are cut here. */
  runEndedAt: number;
  /**
   * False when the run was cut short (interrupted): what had not finished yet cannot be judged
   * lost, so checkers that need the end of the story answer unknown instead of fail.
   */
  complete: boolean;
}

export interface CheckInput {
  settings: CheckSettings;
  history: History;
  finalState: JobState[];
}

/** What one checker found. The verdict follows from it (see `decide` in verdicts.ts). */
export interface CheckerResult<N extends CheckerName = CheckerName> {
  name: N;
  verdict: Verdict;
  /** One line for people. */
  summary: string;
  /** Broken promises, each naming its job: any makes the verdict fail. */
  violations: Violation[];
  /**
   * What could not be judged (evidence missing or contradictory): makes the verdict unknown
   * unless a violation already fails it.
   */
  unknowns: Violation[];
  /** The figures this checker measured; null when it threw before measuring anything. */
  figures: FiguresByChecker[N] | null;
  /** Reported, but not counted in the run's verdict. */
  informational?: boolean;
  /** Why it is informational (the known weakness it measures). */
  note?: string;
}

/** Any checker's result, discriminated by name (so `figures` narrows with `name`). */
export type AnyCheckerResult = { [K in CheckerName]: CheckerResult<K> }[CheckerName];

/** Checker results keyed by checker name, in the order the scenario lists them. */
export type CheckerResults = { [K in CheckerName]?: CheckerResult<K> };

/** A pure function of the recorded history and the final database state. */
export interface Checker<N extends CheckerName = CheckerName> {
  name: N;
  /** When it passes and when it fails, in a sentence each, for the documentation's table. */
  describe: { pass: string; fail: string };
  check(input: CheckInput): CheckerResult<N>;
}
