import type { TimingSettings } from "../adapters/adapter.ts";
import type { ClaimOrder } from "../checkers/claimOrder.ts";
import { runCheckersOnClocks } from "../checkers/clockRobust.ts";
import { checkerRegistry, isCheckerName } from "../checkers/index.ts";
import { judgeRun, markInformational, runCounts } from "../checkers/judge.ts";
import type { Checker, CheckInput, CheckSettings } from "../checkers/types.ts";
import { keyByName } from "../checkers/verdicts.ts";
import type { NotStruck } from "../faults/runFaults.ts";
import type { RunClocks } from "../ledger/clockOffsets.ts";
import { type History, problemCounts } from "../ledger/history.ts";
import type { HttpLoadResult } from "../load/httpLoad.ts";
import { attribute } from "../probe/attribution.ts";
import type { ProbeResult } from "../probe/probeTypes.ts";
import type { RunSettings } from "../scenario/schema.ts";
import { round } from "../util/stats.ts";
import { faultCoverage } from "./faultCoverage.ts";
import { failedFaults, faultWindows } from "./faultWindows.ts";
import { type HistorySummary, type RunConfig, type RunResult, SCHEMA_VERSION } from "./result.ts";
import { buildTimeline } from "./timeline.ts";

/** What a run knows about itself besides the history and the final state. */
export interface RunMeta {
  scenario: string;
  description: string;
  seed: number;
  startedAt: number;
  runEndedAt: number;
  durationMs: number;
  config: RunConfig;
  environment: RunResult["environment"];
  server: RunResult["server"];
  load: HttpLoadResult | null;
  incomplete: string | null;
  /** The scheduler under test, its wiring and the settings read from it (absent in older results). */
  sut?: RunResult["sut"];
  /** The probe of the server at the start of the run, when it ran. */
  probe?: ProbeResult;
  /** App mode: the service under test. */
  app?: RunResult["app"];
  /** The writers' clocks of a database ledger: the history is on the server's clock within these. */
  clocks?: RunClocks;
  /** The planned faults that never struck (no target at their point, or the point never came). */
  notStruck?: NotStruck;
}

/**
 * The settings the checkers take: the timing read from the built scheduler when the run recorded
 * it (what the user gave the Scheduler, whatever the wiring), else the run's configuration; and
 * the claim order the scheduler's adapter declared, when the run recorded it.
 */
export function checkSettings(
  config: RunSettings,
  runEndedAt: number,
  complete: boolean,
  timing?: TimingSettings,
  claimOrder?: ClaimOrder,
): CheckSettings {
  const lockTimeoutMs = timing?.lockTimeoutMs ?? config.sut.lockTimeoutMs;
  const pollIntervalMs = timing?.pollIntervalMs ?? config.sut.pollIntervalMs;
  const maxExecutionMs = timing ? timing.maxExecutionMs : config.sut.maxExecutionMs;
  return {
    complete,
    lockTimeoutMs,
    pollIntervalMs,
    recoveryToleranceMs: config.check.recoveryToleranceMs,
    timingToleranceMs: config.check.timingToleranceMs,
    ...(maxExecutionMs ? { maxExecutionMs } : {}),
    ...(claimOrder ? { claimOrder } : {}),
    ...(config.check.app ? { app: config.check.app } : {}),
    // Absent in results written before the growth checker.
    ...(config.check.growth ? { growth: config.check.growth } : {}),
    runEndedAt,
  };
}

/** Jobs acknowledged as completed per second, from the first start to the last completion. */
function jobsPerSec(history: History): number | null {
  let firstStart: number | undefined;
  let last: number | undefined;
  let successes = 0;
  for (const r of history.records) {
    if (r.type === "start" && firstStart === undefined) firstStart = r.t;
    if (r.type === "ack" && r.outcome === "success") {
      successes++;
      last = r.t;
    }
  }
  if (firstStart === undefined || last === undefined || last <= firstStart) return null;
  return round((successes * 1000) / (last - firstStart), 1);
}

/** At most this many history problems are written out as examples; the counts cover them all. */
const MAX_PROBLEM_EXAMPLES = 50;

/** What was wrong with a history, for result.json. */
export function summarizeHistory(history: History): HistorySummary {
  return {
    records: history.records.length,
    rejectedLines: history.rejected.length,
    problems: history.problems.length,
    byKind: problemCounts(history),
    examples: history.problems.slice(0, MAX_PROBLEM_EXAMPLES),
  };
}

/** The checkers a configuration names, in its order (names it does not know are left to validation). */
export function checkersOf(config: RunSettings): Checker[] {
  return config.check.checkers.filter(isCheckerName).map((name) => checkerRegistry[name] as Checker);
}

/**
 * Runs the scenario's checkers on a history and a final state and assembles result.json. Used by
 * a live run and by `analyze`, so a saved run re-checks to the same result.
 */
export function buildResult(
  meta: RunMeta,
  history: History,
  finalState: CheckInput["finalState"],
): RunResult {
  const input: CheckInput = {
    settings: checkSettings(
      meta.config,
      meta.runEndedAt,
      meta.incomplete === null,
      meta.sut?.effective?.timing,
      meta.sut?.claimOrder,
    ),
    history,
    finalState,
  };
  const results = markInformational(
    runCheckersOnClocks(checkersOf(meta.config), input, meta.clocks),
    meta.config.check.informational,
  );
  const windows = faultWindows(history);
  const failed = failedFaults(windows).map(
    (w) => `${w.window} (${w.fault} on ${w.procs.join(", ")}): ${w.error}`,
  );
  const verdict = judgeRun(results, { failedFaults: failed.length, incomplete: meta.incomplete !== null });
  const checkers = keyByName(results);
  const recovery = checkers["recovery-time"]?.figures;
  const settings = input.settings;
  return {
    schemaVersion: SCHEMA_VERSION,
    scenario: meta.scenario,
    description: meta.description,
    verdict,
    incomplete: meta.incomplete,
    seed: meta.seed,
    startedAt: new Date(meta.startedAt).toISOString(),
    runEndedAt: meta.runEndedAt,
    durationMs: meta.durationMs,
    config: { ...meta.config, seed: meta.seed },
    environment: meta.environment,
    server: meta.server,
    ...(meta.sut ? { sut: meta.sut } : {}),
    finalStatuses: countStatuses(finalState),
    counts: runCounts(checkers, history),
    recovery: {
      p50Ms: recovery?.p50Ms ?? null,
      maxMs: recovery?.maxMs ?? null,
      boundMs: settings.lockTimeoutMs + settings.pollIntervalMs,
      toleranceMs: settings.recoveryToleranceMs,
    },
    throughput: { jobsPerSec: jobsPerSec(history) },
    load: meta.load,
    history: summarizeHistory(history),
    faults: {
      windows,
      failed,
      coverage: faultCoverage(history),
      ...(meta.notStruck && (meta.notStruck.missed.length > 0 || meta.notStruck.unstruck.length > 0)
        ? { notStruck: meta.notStruck }
        : {}),
    },
    checkers,
    timeline: buildTimeline(history, meta.runEndedAt, settings),
    ...(meta.probe ? { probe: meta.probe } : {}),
    ...(meta.clocks ? { clocks: meta.clocks } : {}),
    attribution: attribute(
      checkers,
      history,
      meta.probe,
      meta.sut?.claimVersioned === true,
      meta.app !== undefined,
    ),
    ...(meta.app ? { app: meta.app } : {}),
  };
}

/** Jobs per final status, exactly as the database held them. */
function countStatuses(finalState: CheckInput["finalState"]): RunResult["finalStatuses"] {
  const out = { total: finalState.length, pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const j of finalState)
    if (j.status in out && j.status !== "total") out[j.status as keyof typeof out]++;
  return out;
}
