import { resolve } from "node:path";
import { readBench } from "../../bench/readBench.ts";
import { compareWithBaseline, renderGate } from "../../bench/stats/compare.ts";
import { ExitCode, HarnessError } from "../../util/exitCodes.ts";
import type { CommandIo } from "../io.ts";

/** `compare <baseline> <current>`: gates a saved run on a saved baseline without running anything. */
export function compareCommand(argv: Record<string, unknown>, io: CommandIo): ExitCode {
  const maxRegression = Number(argv["max-regression"]);
  if (!(maxRegression > 0 && maxRegression < 1))
    throw new HarnessError(
      `--max-regression ${argv["max-regression"]}: give a fraction between 0 and 1, e.g. 0.05`,
    );
  const c = compareWithBaseline(
    readBench(resolve(String(argv.baseline))),
    readBench(resolve(String(argv.current))),
    maxRegression,
    Boolean(argv.force),
  );
  if (c.refused) throw new HarnessError(c.refused);
  io.print(renderGate(c.results, c.warnings, maxRegression));
  if (c.results.some((g) => !g.pass)) return ExitCode.Fail;
  // Nothing judged is not a pass: the baseline and the run share no compared variant.
  return c.results.length === 0 ? ExitCode.Unknown : ExitCode.Pass;
}
