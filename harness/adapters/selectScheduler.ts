import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { HarnessError } from "../util/exitCodes.ts";
import { runOwned } from "../util/ownedChild.ts";

/**
 * Resolves --scheduler to a folder holding a build of mongo-job-scheduler: a path as given, or a
 * published version installed once into the cache. The SUT spec carries it to every process.
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
    await checkSchedulerLoads(spec, path);
    return path;
  }
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) {
    throw new HarnessError(
      `--scheduler ${spec}: give a path to a mongo-job-scheduler build, or a version such as 1.2.3`,
    );
  }
  const prefix = join(cacheDir, "schedulers", spec);
  const path = join(prefix, "node_modules", "mongo-job-scheduler");
  if (existsSync(join(path, "package.json"))) {
    await checkSchedulerLoads(spec, path);
    return path;
  }
  mkdirSync(prefix, { recursive: true });
  progress(`installing mongo-job-scheduler@${spec} into ${prefix}, once…`);
  try {
    await runOwned(
      "npm",
      ["install", "--prefix", prefix, "--no-audit", "--no-fund", `mongo-job-scheduler@${spec}`, "mongodb@^6"],
      { name: "npm install", timeoutMs: 300_000 },
    );
  } catch (error) {
    const failed = error as { stderr?: unknown; message?: string };
    const why = npmReason(String(failed.stderr ?? "")) ?? failed.message?.split("\n")[0] ?? String(error);
    throw new HarnessError(`--scheduler ${spec}: npm refused to install it: ${why}`);
  }
  await checkSchedulerLoads(spec, path);
  return path;
}

/**
 * The line of npm's error output that says why it failed ("No matching version found for …"),
 * without npm's prefixes, its error code line or the pointer to its log; null when there is none.
 */
export function npmReason(stderr: string): string | null {
  const lines = stderr
    .split("\n")
    .map((l) => /^npm (?:error|ERR!) (.*)$/.exec(l.trim())?.[1]?.trim())
    .filter((l): l is string => Boolean(l))
    .filter((l) => !/^code \S+$/.test(l) && !/^A complete log of this run/.test(l) && !/^errno /.test(l));
  const first = lines[0];
  if (!first) return null;
  // npm starts its summary lines with a lowercase tag ("notarget", "network", "404").
  return first.replace(/^(?:[a-z]+|\d{3})\s+(?=\S)/, "").replace(/\.$/, "");
}

/**
 * Loads the scheduler build at `path` once in this process, so that a build that cannot load (a
 * dependency missing beside it) is one line before the run instead of a stack trace in the middle.
 */
export async function checkSchedulerLoads(spec: string, path: string): Promise<void> {
  try {
    await import(pathToFileURL(createRequire(import.meta.url).resolve(path)).href);
  } catch (error) {
    const missing = /Cannot find (?:module|package) '([^']+)'/.exec(String((error as Error)?.message))?.[1];
    if (missing) {
      const run = missing === "mongodb" ? "npm install --no-save mongodb@^6" : "npm install";
      throw new HarnessError(
        `--scheduler ${spec}: the build cannot load the module "${missing}": run "${run}" in ${path} (mongo-job-scheduler needs cron-parser, and mongodb 6 beside it)`,
      );
    }
    const first = String((error as Error)?.message ?? error).split("\n")[0];
    throw new HarnessError(`--scheduler ${spec}: the build at ${path} cannot be loaded: ${first}`);
  }
}
