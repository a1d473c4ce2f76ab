import { hostname } from "node:os";
import { MongoJobStore, Scheduler } from "mongo-job-scheduler";
import { CLEANUP_CRON, CLEANUP_JOB, cronCleanup } from "./jobs/cronCleanup.js";
import { generateReport } from "./jobs/generateReport.js";
import { retryDemo } from "./jobs/retryDemo.js";
import { sendEmail } from "./jobs/sendEmail.js";

/** The job names the service schedules, as they appear in the scheduler's collection. */
export const JOB = { email: "send-email", report: "generate-report", retryDemo: "retry-demo" };

/**
 * The service's Scheduler on `db` (the Db of Mongoose's connection, so one driver serves both), its
 * store's indexes created before anything is scheduled: the unique index on dedupeKey is what keeps
 * two instances starting at once from registering the daily job twice.
 */
export async function createScheduler(db, config) {
  const store = new MongoJobStore(db, { lockTimeoutMs: config.lockTimeoutMs });
  // The constructor starts the same index builds without waiting for them; wait here.
  await store.ensureIndexes();
  const handlers = {
    [JOB.email]: (job) => sendEmail(job, config),
    [JOB.report]: (job) => generateReport(job, config),
    [JOB.retryDemo]: (job) => retryDemo(job),
    [CLEANUP_JOB]: () => cronCleanup(),
  };
  const scheduler = new Scheduler({
    // Names the instance in each job's lockedBy, so a claim can be traced to the process that made it.
    id: `jobs-service-${hostname()}-${process.pid}`,
    store,
    workers: config.workers,
    pollIntervalMs: config.pollIntervalMs,
    lockTimeoutMs: config.lockTimeoutMs,
    async handler(job) {
      const run = handlers[job.name];
      // An unknown name fails the job where people look for failures, instead of completing it unrun.
      if (!run) throw new Error(`no handler for job "${job.name}"`);
      await run(job);
    },
  });
  scheduler.on("job:fail", ({ job, error }) =>
    console.error(`job ${job.name} ${job._id} failed: ${error.message}`),
  );
  scheduler.on("worker:error", (error) => console.error(`worker error: ${error.message}`));
  return scheduler;
}

/**
 * Registers the daily cleanup once for the whole deployment: the dedupe key makes every later
 * registration (a restart, another instance) find the existing job instead of adding one, and
 * `lastScheduledAt` makes its first run the next midnight rather than the moment of registration.
 */
export async function registerDailyCleanup(scheduler) {
  try {
    await scheduler.schedule({
      name: CLEANUP_JOB,
      dedupeKey: CLEANUP_JOB,
      repeat: { cron: CLEANUP_CRON, timezone: "UTC" },
      lastScheduledAt: new Date(),
    });
  } catch (error) {
    // Two instances upserting the same key at the same moment: the other one inserted it.
    if (error?.code !== 11000) throw error;
  }
}
