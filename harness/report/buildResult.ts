import { checkerRegistry } from "../checkers/index.ts";
import type { CheckInput, CheckSettings } from "../checkers/types.ts";
import { overallVerdict, runCheckers } from "../checkers/verdicts.ts";
import type { RunSettings } from "../config/scenarioSchema.ts";
import type { History } from "../ledger/history.ts";
import type { HttpLoadResult } from "../load/httpLoad.ts";
import type { TimingSettings } from "../sut/adapter.ts";
import { round } from "../util/stats.ts";
import { figure, figuresOf, type RunConfig, type RunResult, SCHEMA_VERSION } from "./result.ts";
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
}

/**
 * The settings the checkers take: the timing read from the built scheduler when the run recorded
 * it (what the user gave the Scheduler, whatever the wiring), else the run's configuration.
 */
export function checkSettings(
  config: RunSettings,
  runEndedAt: number,
  complete: boolean,
  timing?: TimingSettings,
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
    runEndedAt,
  };
}

/** Jobs acknowledged as completed per second, from the first start to the last completion. */
function jobsPerSec(history: History): number | null {
  const firstStart = history.records.find((r) => r.type === "start")?.t;
  const successes = history.records.filter((r) => r.type === "ack" && r.outcome === "success");
  const last = successes[successes.length - 1]?.t;
  if (firstStart === undefined || last === undefined || last <= firstStart) return null;
  return round((successes.length * 1000) / (last - firstStart), 1);
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
    ),
    history,
    finalState,
  };
  const checkers = runCheckers(
    meta.config.check.checkers.map((name) => checkerRegistry[name]).filter((c) => c !== undefined),
    input,
  ).map((r) => {
    const why = meta.config.check.informational[r.name];
    return why ? { ...r, informational: true, note: why } : r;
  });
  const verdict = overallVerdict(checkers);
  const n = (checker: string, name: string) => figure(checkers, checker, name) ?? 0;
  const settings = input.settings;
  // What an interrupted run had not finished yet is unfinished, never lost.
  const notEnded = n("lost-jobs", "lost");
  return {
    schemaVersion: SCHEMA_VERSION,
    scenario: meta.scenario,
    description: meta.description,
    verdict: meta.incomplete && verdict === "pass" ? "unknown" : verdict,
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
    counts: {
      accepted: n("lost-jobs", "accepted"),
      completed: n("lost-jobs", "completed"),
      lost: settings.complete ? notEnded : 0,
      unfinished: settings.complete ? 0 : notEnded,
      kills: history.records.filter((r) => r.type === "fault" && r.action === "kill").length,
      recovered: n("re-executions", "recovered"),
      doubleExecutions: n("re-executions", "doubleExecutions"),
      runsAfterSuccess: n("re-executions", "runsAfterSuccess"),
    },
    recovery: {
      p50Ms: figure(checkers, "recovery-time", "p50Ms"),
      maxMs: figure(checkers, "recovery-time", "maxMs"),
      boundMs: settings.lockTimeoutMs + settings.pollIntervalMs,
      toleranceMs: settings.recoveryToleranceMs,
    },
    throughput: { jobsPerSec: jobsPerSec(history) },
    load: meta.load,
    ...scenarioFigures(checkers),
    checkers,
    timeline: buildTimeline(history, meta.runEndedAt),
  };
}

/** Jobs per final status, exactly as the database held them. */
function countStatuses(finalState: CheckInput["finalState"]): RunResult["finalStatuses"] {
  const out = { total: finalState.length, pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const j of finalState)
    if (j.status in out && j.status !== "total") out[j.status as keyof typeof out]++;
  return out;
}

/** The per-scenario sections of result.json, each present only when its checker ran. */
function scenarioFigures(checkers: RunResult["checkers"]): Partial<RunResult> {
  const out: Partial<RunResult> = {};
  const num = (f: Record<string, number | null>, k: string) => f[k] ?? 0;
  const ordering = figuresOf(checkers, "priority-order");
  if (ordering) {
    out.ordering = {
      inversions: num(ordering, "inversions"),
      maxInversionWaitMs: num(ordering, "maxInversionWaitMs"),
      limitedBehindUnlimited: num(ordering, "limitedBehindUnlimited"),
    };
  }
  const concurrency = figuresOf(checkers, "concurrency-limit");
  if (concurrency) {
    out.concurrency = {};
    for (const key of Object.keys(concurrency).filter((k) => k.endsWith(": limit"))) {
      const name = key.slice(0, -": limit".length);
      out.concurrency[name] = {
        limit: num(concurrency, `${name}: limit`),
        peak: num(concurrency, `${name}: peak`),
        msOverLimit: num(concurrency, `${name}: msOverLimit`),
        longestStarvationMs: num(concurrency, `${name}: longestStarvationMs`),
      };
    }
  }
  const fixed = figuresOf(checkers, "retry-timing");
  const computed = figuresOf(checkers, "retry-computed-delay");
  if (fixed || computed) {
    const pick = (f: Record<string, number | null>) => ({
      checked: num(f, "checked"),
      early: num(f, "early"),
      late: num(f, "late"),
    });
    out.retries = { ...pick(fixed ?? {}), ...(computed ? { computed: pick(computed) } : {}) };
  }
  const repeats = figuresOf(checkers, "repeat-ticks");
  if (repeats) {
    out.repeats = {
      ticks: num(repeats, "ticks"),
      doubleTicks: num(repeats, "doubleTicks"),
      missed: num(repeats, "missed"),
      driftP50Ms: repeats.driftP50Ms ?? null,
      driftP99Ms: repeats.driftP99Ms ?? null,
    };
  }
  const dedupe = figuresOf(checkers, "dedupe");
  if (dedupe)
    out.dedupe = {
      requests: num(dedupe, "requests"),
      jobs: num(dedupe, "jobs"),
      executions: num(dedupe, "executions"),
    };
  return out;
}
