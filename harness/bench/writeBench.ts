import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchResult } from "./benchResult.ts";
import { actionBenchmarkEntries } from "./benchViews.ts";

/** Where a bench goes: `<reportsDir>/bench/<timestamp>/`. */
export function benchDirFor(reportsDir: string, startedAt: Date): string {
  return join(reportsDir, "bench", startedAt.toISOString().replace(/[:.]/g, "-"));
}

/**
 * Writes result.json and the two github-action-benchmark files (benchmark-bigger.json for
 * customBiggerIsBetter, benchmark-smaller.json for customSmallerIsBetter) into the bench folder.
 */
export function writeBench(dir: string, result: BenchResult): { resultPath: string; files: string[] } {
  mkdirSync(dir, { recursive: true });
  const resultPath = join(dir, "result.json");
  writeFileSync(resultPath, `${JSON.stringify(result, null, 2)}\n`);
  const { bigger, smaller } = actionBenchmarkEntries(result);
  const files = [join(dir, "benchmark-bigger.json"), join(dir, "benchmark-smaller.json")];
  writeFileSync(files[0] as string, `${JSON.stringify(bigger, null, 2)}\n`);
  writeFileSync(files[1] as string, `${JSON.stringify(smaller, null, 2)}\n`);
  return { resultPath, files };
}
