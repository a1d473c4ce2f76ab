import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildResult, type RunMeta } from "../report/buildResult.ts";
import { checkerList, type RunResult } from "../report/result.ts";
import type { Scenario } from "../scenario/schema.ts";
import { resolveSettings } from "../scenario/settings.ts";
import { HarnessError } from "../util/exitCodes.ts";
import { readSavedRun, type SavedResult } from "./savedRun.ts";

/** Where analyze writes its result in the run folder (result.json is evidence and stays as it was). */
export const ANALYSIS_FILE = "analysis.json";

/**
 * A scenario's definition in the code; or, for a run whose checkers follow from its own settings
 * (app mode: what its service's description declares), how to make it from the saved run.
 */
export type ScenarioDefinition = Scenario | ((run: RunMeta) => Scenario);

/** A saved run re-checked, and where it differs from what the run itself said. */
export interface Analysis {
  result: RunResult;
  /** Where the saved run's own settings or verdicts differ from this analysis, one line each. */
  differences: string[];
}

/**
 * Re-checks a saved run. Which checkers run and which are informational come from the scenario's
 * definition in the code, never from the editable result.json; every place the saved run says
 * otherwise, and every verdict that comes out differently, is listed in `differences`.
 */
export function analyzeRun(dir: string, scenarios: Readonly<Record<string, ScenarioDefinition>>): Analysis {
  const run = readSavedRun(dir);
  const entry = scenarios[run.saved.scenario];
  const scenario = typeof entry === "function" ? entry(run.meta) : entry;
  if (!scenario) {
    throw new HarnessError(
      `${join(dir, "result.json")} names scenario "${run.saved.scenario}", which this harness does not define: it cannot tell which checkers apply`,
    );
  }
  const defined = resolveSettings(scenario, {}).check;
  const differences: string[] = [];
  const savedCheck = run.meta.config.check;
  if (savedCheck.checkers.join(",") !== defined.checkers.join(",")) {
    differences.push(
      `checkers: the saved run lists [${savedCheck.checkers.join(", ")}], the scenario's definition [${defined.checkers.join(", ")}]: the definition is used`,
    );
  }
  const names = new Set([...Object.keys(savedCheck.informational), ...Object.keys(defined.informational)]);
  for (const name of names) {
    const was = savedCheck.informational[name];
    const is = defined.informational[name];
    if (was === is) continue;
    differences.push(
      is === undefined
        ? `${name}: informational in the saved run, counted in the verdict by the scenario's definition`
        : was === undefined
          ? `${name}: counted in the saved run's verdict, informational by the scenario's definition (${is})`
          : `${name}: informational in both, with another reason in the saved run`,
    );
  }
  // The tolerances are the scenario's too (no flag sets them): an edited result.json cannot widen them.
  for (const key of ["timingToleranceMs", "recoveryToleranceMs"] as const) {
    if (savedCheck[key] !== defined[key])
      differences.push(
        `${key}: ${savedCheck[key]} in the saved run, ${defined[key]} by the scenario's definition: the definition is used`,
      );
  }
  const config = {
    ...run.meta.config,
    check: {
      ...savedCheck,
      checkers: defined.checkers,
      informational: defined.informational,
      timingToleranceMs: defined.timingToleranceMs,
      recoveryToleranceMs: defined.recoveryToleranceMs,
    },
  };
  const result = buildResult({ ...run.meta, config }, run.history, run.finalState);
  differences.push(...verdictDifferences(run.saved, result));
  return { result, differences };
}

function verdictDifferences(saved: SavedResult, result: RunResult): string[] {
  const out: string[] = [];
  for (const r of checkerList(result)) {
    const before = saved.checkers[r.name];
    if (!before) out.push(`${r.name}: not in the saved run; now ${r.verdict.toUpperCase()}`);
    else if (before.verdict !== r.verdict)
      out.push(`${r.name}: ${before.verdict.toUpperCase()} in the saved run, ${r.verdict.toUpperCase()} now`);
  }
  for (const name of Object.keys(saved.checkers))
    if (!(name in result.checkers))
      out.push(`${name}: in the saved run, not run now (not in the scenario's definition)`);
  if (saved.verdict !== result.verdict)
    out.push(`verdict: ${saved.verdict.toUpperCase()} in the saved run, ${result.verdict.toUpperCase()} now`);
  return out;
}

/** Writes the analysis next to the run's files; returns its path. */
export function writeAnalysis(dir: string, analysis: Analysis): string {
  const path = join(dir, ANALYSIS_FILE);
  try {
    writeFileSync(
      path,
      `${JSON.stringify({ ...analysis.result, differences: analysis.differences }, null, 2)}\n`,
    );
  } catch (error) {
    throw new HarnessError(`cannot write ${path}: ${(error as Error).message}`);
  }
  return path;
}
