import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type CiOutputs, ciOutputsFrom, shownPath, writeCiOutputs } from "../report/ciOutputs.ts";
import { runJunit } from "../report/junit.ts";
import type { RunResult } from "../report/result.ts";
import { runSummaryMarkdown } from "../report/stepSummary.ts";
import { renderSummary } from "../report/terminal.ts";
import type { KeptRun } from "../run/runScenario.ts";
import { serveUi } from "../trigger/serveUi.ts";
import { HarnessError } from "../util/exitCodes.ts";
import type { CommandIo } from "./io.ts";

/** --junit and --summary-md (and GITHUB_STEP_SUMMARY), checked before anything starts. */
export function ciOutputsOf(argv: Record<string, unknown>, io: CommandIo): CiOutputs {
  return ciOutputsFrom({ junit: argv.junit, summaryMd: argv["summary-md"] }, io.env);
}

/** Prints a scenario result's summary table. */
export function showSummary(result: RunResult, io: CommandIo): void {
  io.print(renderSummary(result, { colour: io.colour }));
}

/**
 * Prints the paths of a result's files (`lines`, e.g. result and report) and writes the CI outputs
 * asked for: one place for `scenario` and `analyze`.
 */
export function showFiles(
  result: RunResult,
  lines: readonly [label: string, path: string][],
  ci: CiOutputs,
  io: CommandIo,
): void {
  for (const [label, path] of lines) io.print(`${label}: ${path}`);
  const shown = lines.find(([label]) => label === "report" || label === "analysis")?.[1] ?? "";
  writeCiOutputs(
    ci,
    { junit: () => runJunit(result), markdown: () => runSummaryMarkdown(result, shownPath(shown)) },
    io.print,
  );
}

/** The result and report lines of a run's result.json. */
export function runFiles(resultPath: string): [string, string][] {
  return [
    ["result", resultPath],
    ["report", join(dirname(resultPath), "report.html")],
  ];
}

/** Throws one line naming every problem, when there is any. */
export function rejectProblems(problems: readonly (string | null)[]): void {
  const found = problems.filter((p): p is string => p !== null);
  if (found.length) throw new HarnessError(`invalid settings: ${found.join("; ")}`);
}

/**
 * `--keep` (scenario, app): once the run is saved, its result shown (by `show`, which prints once),
 * then the Scheduler UI on the kept database until Ctrl-C.
 */
export function keepServing(o: {
  port: number;
  io: CommandIo;
  signal: AbortSignal;
  show(result: RunResult, path: string): void;
}): (kept: KeptRun) => Promise<void> {
  return async (kept) => {
    o.show(JSON.parse(readFileSync(kept.resultPath, "utf8")) as RunResult, kept.resultPath);
    await serveUi({
      uri: kept.uri,
      dbName: kept.dbName,
      port: o.port,
      reporter: o.io.reporter,
      print: o.io.print,
      signal: o.signal,
    });
  };
}
