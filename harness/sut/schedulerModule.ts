import type * as SchedulerPackage from "mongo-job-scheduler";

/** The build of mongo-job-scheduler under test: the installed package, or HARNESS_SCHEDULER (a path). */
export async function loadScheduler(): Promise<typeof SchedulerPackage> {
  const specifier = process.env.HARNESS_SCHEDULER || "mongo-job-scheduler";
  const mod = (await import(specifier)) as typeof SchedulerPackage & { default?: typeof SchedulerPackage };
  return mod.Scheduler ? mod : (mod.default as typeof SchedulerPackage);
}
