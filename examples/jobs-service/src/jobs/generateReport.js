import { setTimeout as sleep } from "node:timers/promises";
import { ReportLog } from "../models/ReportLog.js";

/** A long job that at most two instances may run at once (its concurrency is set when scheduled). */
export async function generateReport(job, config) {
  const startedAt = new Date();
  await sleep(config.reportMs);
  await ReportLog.create({
    reportType: job.data?.reportType,
    jobId: String(job._id),
    startedAt,
    finishedAt: new Date(),
  });
}
