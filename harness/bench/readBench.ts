import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { HarnessError } from "../util/exitCodes.ts";
import { BENCH_SCHEMA_VERSION, type BenchResult } from "./result.ts";
import { benchShapeProblems } from "./resultShape.ts";

/**
 * Reads a saved bench result (a bench run's folder or its result.json), or says in one line why
 * it cannot be used.
 */
export function readBench(given: string): BenchResult {
  const expected = "give a bench run's folder or its result.json (e.g. reports/bench/latest)";
  if (!existsSync(given)) throw new HarnessError(`${given} not found: ${expected}`);
  const path = statSync(given).isDirectory() ? join(given, "result.json") : given;
  if (!existsSync(path)) throw new HarnessError(`${given} is a folder without a result.json: ${expected}`);
  let result: BenchResult;
  try {
    result = JSON.parse(readFileSync(path, "utf8")) as BenchResult;
  } catch {
    throw new HarnessError(`${path} is not JSON: give the result.json of a bench run`);
  }
  if (result?.kind !== "bench") {
    const scenarioRun = typeof (result as { scenario?: unknown })?.scenario === "string";
    throw new HarnessError(
      `${path} is ${scenarioRun ? "a scenario run's result, not a bench result" : "not a bench result"}: ${expected}`,
    );
  }
  if (result.schemaVersion !== BENCH_SCHEMA_VERSION)
    throw new HarnessError(
      `${path} has bench schema ${result.schemaVersion}, this harness reads ${BENCH_SCHEMA_VERSION}: rerun the baseline`,
    );
  const problems = benchShapeProblems(result);
  if (problems.length)
    throw new HarnessError(
      `${path} is not a well-formed bench result (${problems.join("; ")}): give the result.json a bench run wrote, unedited`,
    );
  return result;
}
