import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { HarnessError } from "../exitCodes.ts";

/**
 * Resolves --scheduler to a folder holding a build of mongo-job-scheduler: a path as given, or a
 * published version installed once into the cache. The harness passes it to every process it
 * starts as HARNESS_SCHEDULER.
 */
export async function selectScheduler(
  spec: string,
  cacheDir: string,
  progress: (m: string) => void,
): Promise<string> {
  if (spec.includes("/") || spec.startsWith(".")) {
    const path = resolve(spec);
    if (!existsSync(join(path, "package.json")) && !existsSync(path)) {
      throw new HarnessError(
        `--scheduler ${spec}: no such folder; give a path to a mongo-job-scheduler build or a version such as 1.2.3`,
      );
    }
    return path;
  }
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) {
    throw new HarnessError(
      `--scheduler ${spec}: give a path to a mongo-job-scheduler build, or a version such as 1.2.3`,
    );
  }
  const prefix = join(cacheDir, "schedulers", spec);
  const path = join(prefix, "node_modules", "mongo-job-scheduler");
  if (existsSync(join(path, "package.json"))) return path;
  mkdirSync(prefix, { recursive: true });
  progress(`installing mongo-job-scheduler@${spec} into ${prefix}, once…`);
  try {
    await execa(
      "npm",
      ["install", "--prefix", prefix, "--no-audit", "--no-fund", `mongo-job-scheduler@${spec}`, "mongodb@^6"],
      { timeout: 300_000 },
    );
  } catch (error) {
    throw new HarnessError(
      `--scheduler ${spec}: npm could not install it (${(error as { shortMessage?: string }).shortMessage ?? error})`,
    );
  }
  return path;
}
