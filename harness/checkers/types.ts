import type { History } from "../ledger/history.ts";

/** Three-valued, as in Jepsen: unknown means the checker could not decide. */
export type Verdict = "pass" | "fail" | "unknown";

/** One broken promise, with the evidence a person needs to find it again. */
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
}

/** What the checkers need from the run's configuration. */
export interface CheckSettings {
  lockTimeoutMs: number;
  pollIntervalMs: number;
  /** Slack allowed above the recovery bound before a recovery counts as late. */
  recoveryToleranceMs: number;
  /** Slack for other timing checks (claim round trips, timers firing late). */
  timingToleranceMs: number;
  /** The scheduler's maxExecutionMs, when stall detection was on. */
  maxExecutionMs?: number;
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

export interface CheckerResult {
  name: string;
  verdict: Verdict;
  /** One line for people. */
  summary: string;
  violations: Violation[];
  /** Figures this checker measured (null when there was nothing to measure). */
  figures: Record<string, number | null>;
  /** Reported, but not counted in the run's verdict. */
  informational?: boolean;
  /** Why it is informational (the known weakness it measures). */
  note?: string;
}

/** A pure function of the recorded history and the final database state. */
export interface Checker {
  name: string;
  check(input: CheckInput): CheckerResult;
}
