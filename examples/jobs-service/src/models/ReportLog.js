import mongoose from "mongoose";

/**
 * One document per execution of the report job, with when it started and finished: the overlap of
 * these intervals shows whether the job's concurrency limit held.
 */
const reportLogSchema = new mongoose.Schema(
  {
    reportType: { type: String, default: "summary" },
    jobId: { type: String, required: true, index: true },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date, required: true },
  },
  { collection: "reportlogs", versionKey: false },
);

export const ReportLog = mongoose.model("ReportLog", reportLogSchema);
