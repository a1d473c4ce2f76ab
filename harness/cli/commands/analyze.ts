import { join, resolve } from "node:path";
import { scenarios } from "../../../scenarios/index.ts";
import { analyzeRun, writeAnalysis } from "../../analyze/analyzeRun.ts";
import { APP_SCENARIO_NAME, savedAppScenario } from "../../app/appScenario.ts";
import { type ExitCode, exitFor } from "../../util/exitCodes.ts";
import type { CommandIo } from "../io.ts";
import { ciOutputsOf, showFiles, showSummary } from "../output.ts";

/** `analyze <dir>`: re-checks a saved run, prints what came out differently, writes analysis.json. */
export function analyzeCommand(argv: Record<string, unknown>, io: CommandIo): ExitCode {
  const dir = resolve(String(argv.dir));
  const ci = ciOutputsOf(argv, io);
  const analysis = analyzeRun(dir, {
    ...scenarios,
    [APP_SCENARIO_NAME]: (run) => savedAppScenario(run.config, run.app?.command != null),
  });
  const path = writeAnalysis(dir, analysis);
  showSummary(analysis.result, io);
  if (analysis.differences.length) {
    io.print(`differences from the saved run (${join(dir, "result.json")}):`);
    for (const d of analysis.differences) io.print(`  - ${d}`);
  }
  showFiles(analysis.result, [["analysis", path]], ci, io);
  return exitFor(analysis.result.verdict);
}
