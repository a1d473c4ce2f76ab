import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import type { RunResult } from "../report/result.ts";
import { schedulerEntry } from "../sut/schedulerModule.ts";

const require = createRequire(import.meta.url);

/** The version in the nearest package.json above a file. */
export function versionNear(file: string): string {
  let dir = dirname(file);
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, "utf8")) as { name?: string; version?: string };
      if (json.version) return json.version;
    }
    dir = dirname(dir);
  }
  return "unknown";
}

/** The software a run used: Node, the driver, and the build of the scheduler under test. */
export function describeEnvironment(): RunResult["environment"] {
  const source = process.env.HARNESS_SCHEDULER || null;
  return {
    node: process.version,
    driver: versionNear(require.resolve("mongodb")),
    scheduler: versionNear(schedulerEntry()),
    schedulerSource: source,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
  };
}
