/**
 * The run's judgement, in one place: which checkers count, what a run that could not be observed
 * whole may claim, and the headline counts read from the checkers' figures. A live run and
 * `analyze` both judge through here, so a saved run re-checks to the same verdict.
 */
import type { History } from "../ledger/history.ts";
import type { AnyCheckerResult, CheckerResults, Verdict } from "./types.ts";
import { overallVerdict } from "./verdicts.ts";

/** The checkers' results with the run's informational ones marked, each with the reason shown beside it. */
export function markInformational(
  results: readonly AnyCheckerResult[],
  informational: Readonly<Record<string, string>>,
): AnyCheckerResult[] {
  return results.map((r) => {
    const why = informational[r.name];
    return why ? ({ ...r, informational: true, note: why } as AnyCheckerResult) : r;
  });
}

/**
 * The run's verdict: the worst verdict of the checkers that are not informational (those measure a
 * known weakness and are reported, not counted). A fault that could not be injected or healed, or a
 * run cut short, leaves it unknown at best: the run's story is not whole, though a broken promise
 * already seen still fails it.
 */
export function judgeRun(
  results: readonly AnyCheckerResult[],
  run: { failedFaults: number; incomplete: boolean },
): Verdict {
  const counted = overallVerdict(results);
  if (counted === "pass" && (run.failedFaults > 0 || run.incomplete)) return "unknown";
  return counted;
}

/** The headline counts of a run (result.json `counts`), read from the checkers that measure them. */
export interface RunCounts {
  accepted: number;
  completed: number;
  lost: number;
  unexpected: number;
  /** What an interrupted run had not finished yet: unfinished, never lost. */
  unfinished: number;
  kills: number;
  recovered: number;
  doubleExecutions: number;
  runsAfterSuccess: number;
}

export function runCounts(checkers: CheckerResults, history: History): RunCounts {
  const lost = checkers["lost-jobs"]?.figures;
  const reruns = checkers["re-executions"]?.figures;
  return {
    accepted: lost?.accepted ?? 0,
    completed: lost?.completed ?? 0,
    lost: (lost?.lost ?? 0) + (lost?.mergedRequests ?? 0),
    unexpected: (lost?.unexpectedJobs ?? 0) + (lost?.unexpectedExecutions ?? 0),
    unfinished: checkers["lost-jobs"]?.unknowns.filter((u) => u.kind === "unfinished").length ?? 0,
    kills: history.records.filter((r) => r.type === "fault" && r.action === "kill").length,
    recovered: reruns?.byClass.recovery ?? 0,
    // App mode sees no handler: a job whose work was done twice shows as a duplicated effect.
    doubleExecutions: reruns?.byClass["double-execution"] ?? checkers.effects?.figures?.duplicated ?? 0,
    runsAfterSuccess: reruns?.byClass["run-after-success"] ?? 0,
  };
}
