import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadHtmlAssets } from "../../report/html.ts";
import { pointLatest } from "../../report/writeReport.ts";
import type { BenchResult } from "../result.ts";
import { renderBenchHtml } from "./benchHtml.ts";
import { actionBenchmarkEntries } from "./benchViews.ts";

/** Where a bench goes: `<reportsDir>/bench/<timestamp>/`. */
export function benchDirFor(reportsDir: string, startedAt: Date): string {
  return join(reportsDir, "bench", startedAt.toISOString().replace(/[:.]/g, "-"));
}

/**
 * Writes result.json and the two github-action-benchmark files (benchmark-bigger.json for
 * customBiggerIsBetter, benchmark-smaller.json for customSmallerIsBetter) into the bench folder,
 * and points `<reportsDir>/bench/latest` at it.
 */
export function writeBench(dir: string, result: BenchResult): { resultPath: string; files: string[] } {
  mkdirSync(dir, { recursive: true });
  const resultPath = join(dir, "result.json");
  writeFileSync(resultPath, `${JSON.stringify(result, null, 2)}\n`);
  const { bigger, smaller } = actionBenchmarkEntries(result);
  const files = [join(dir, "benchmark-bigger.json"), join(dir, "benchmark-smaller.json")];
  writeFileSync(files[0] as string, `${JSON.stringify(bigger, null, 2)}\n`);
  writeFileSync(files[1] as string, `${JSON.stringify(smaller, null, 2)}\n`);
  writeFileSync(join(dir, "report.html"), renderBenchHtml(result, loadHtmlAssets()));
  // reports/bench/latest: a stable path for CI steps that read the newest bench.
  pointLatest(dirname(dir), dir, [
    "result.json",
    "benchmark-bigger.json",
    "benchmark-smaller.json",
    "report.html",
  ]);
  return { resultPath, files };
}
