import { checkerRegistry } from "../checkers/index.ts";
import type { CheckInput, CheckSettings } from "../checkers/types.ts";
import { overallVerdict, runCheckers } from "../checkers/verdicts.ts";
import type { RunSettings } from "../config/scenarioSchema.ts";
import type { History } from "../ledger/history.ts";
import type { HttpLoadResult } from "../load/httpLoad.ts";
import { round } from "../util/stats.ts";
import { figure, type RunResult, SCHEMA_VERSION } from "./result.ts";

/** What a run knows about itself besides the history and the final state. */
export interface RunMeta {
  scenario: string;
  description: string;
  seed: number;
  startedAt: number;
  runEndedAt: number;
  durationMs: number;
  config: RunSettings;
  environment: RunResult["environment"];
  server: RunResult["server"];
  load: HttpLoadResult | null;
  incomplete: string | null;
}

/** The settings the checkers take, from a run's configuration. */
export function checkSettings(config: RunSettings, runEndedAt: number, complete: boolean): CheckSettings {
  return {
    complete,
    lockTimeoutMs: config.sut.lockTimeoutMs,
    pollIntervalMs: config.sut.pollIntervalMs,
    recoveryToleranceMs: config.check.recoveryToleranceMs,
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
    settings: checkSettings(meta.config, meta.runEndedAt, meta.incomplete === null),
    history,
    finalState,
  };
  const checkers = runCheckers(
    meta.config.check.checkers.map((name) => checkerRegistry[name]).filter((c) => c !== undefined),
    input,
  ).map((r) => (meta.config.check.informational.includes(r.name) ? { ...r, informational: true } : r));
  const verdict = overallVerdict(checkers);
  const n = (checker: string, name: string) => figure(checkers, checker, name) ?? 0;
  const settings = input.settings;
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
    counts: {
      accepted: n("lost-jobs", "accepted"),
      completed: n("lost-jobs", "completed"),
      lost: n("lost-jobs", "lost"),
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
    checkers,
  };
}
