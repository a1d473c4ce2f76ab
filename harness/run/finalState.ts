import type { Db } from "mongodb";
import type { JobState } from "../checkers/types.ts";

/** The scheduler's collection, as mongo-job-scheduler names it by default. */
export const JOBS_COLLECTION = "scheduler_jobs";

/** Reads every job document of the run's database into the shape the checkers take. */
export async function readFinalState(db: Db): Promise<JobState[]> {
  const docs = await db.collection(JOBS_COLLECTION).find({}).toArray();
  return docs.map((d) => ({
    id: String(d._id),
    name: String(d.name),
    status: String(d.status),
    priority: Number(d.priority ?? 5),
    attempts: Number(d.attempts ?? 0),
    ...(d.concurrency ? { concurrency: Number(d.concurrency) } : {}),
    lockUntil: d.lockUntil instanceof Date ? d.lockUntil.getTime() : null,
    lockedBy: d.lockedBy ?? null,
    lastError: d.lastError ?? null,
  }));
}
