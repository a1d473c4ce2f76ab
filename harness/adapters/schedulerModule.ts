import { createRequire } from "node:module";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as SchedulerPackage from "mongo-job-scheduler";

const require = createRequire(import.meta.url);

/**
 * Where the build of mongo-job-scheduler under test lives: the installed package, or the folder
 * or file named by HARNESS_SCHEDULER (a build its maintainers want to measure before publishing).
 */
export function schedulerEntry(): string {
  const source = process.env.HARNESS_SCHEDULER;
  if (!source) return require.resolve("mongo-job-scheduler");
  return require.resolve(isAbsolute(source) ? source : resolve(source));
}

/** Loads the scheduler under test. */
export async function loadScheduler(): Promise<typeof SchedulerPackage> {
  const mod = (await import(pathToFileURL(schedulerEntry()).href)) as typeof SchedulerPackage & {
    default?: typeof SchedulerPackage;
  };
  return mod.Scheduler ? mod : (mod.default as typeof SchedulerPackage);
}
