import { createRequire } from "node:module";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as SchedulerPackage from "mongo-job-scheduler";

const require = createRequire(import.meta.url);

/**
 * Where the build of mongo-job-scheduler under test lives: the installed package, or `build`, the
 * folder or file of another (--scheduler: a build its maintainers want to measure before
 * publishing), as the SUT spec carries it to every process.
 */
export function schedulerEntry(build?: string): string {
  if (!build) return require.resolve("mongo-job-scheduler");
  return require.resolve(isAbsolute(build) ? build : resolve(build));
}

/** Loads the scheduler under test (the installed package, or `build`). */
export async function loadScheduler(build?: string): Promise<typeof SchedulerPackage> {
  const mod = (await import(pathToFileURL(schedulerEntry(build)).href)) as typeof SchedulerPackage & {
    default?: typeof SchedulerPackage;
  };
  return mod.Scheduler ? mod : (mod.default as typeof SchedulerPackage);
}
