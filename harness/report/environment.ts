import { createRequire } from "node:module";
import { cpus } from "node:os";
import { schedulerEntry } from "../adapters/schedulerModule.ts";
import { versionNear } from "../util/versionNear.ts";
import type { RunResult } from "./result.ts";

const require = createRequire(import.meta.url);

/**
 * The software a run used: Node, the driver, and the build of the scheduler under test (`build`:
 * the --scheduler folder, when not the installed package).
 */
export function describeEnvironment(build?: string): RunResult["environment"] {
  const source = build ?? null;
  return {
    node: process.version,
    driver: versionNear(require.resolve("mongodb")),
    scheduler: versionNear(schedulerEntry(build)),
    schedulerSource: source,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
  };
}
