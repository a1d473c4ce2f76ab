import { readFileSync, writeFileSync } from "node:fs";
import { BSON, type Db, type Document, ObjectId } from "mongodb";
import { loadScheduler } from "./schedulerModule.ts";

/** The scheduler's collection, as mongo-job-scheduler names it by default. */
export const JOBS_COLLECTION = "scheduler_jobs";

/**
 * Creates the jobs collection and the scheduler's own indexes before any process starts, as a
 * deployment would. Several processes creating them at once on a fresh database is not what is
 * under test, and the Java stand-in fails such concurrent creation now and then.
 */
export async function prepareDatabase(db: Db, build?: string): Promise<void> {
  await db.createCollection(JOBS_COLLECTION);
  const { MongoJobStore } = await loadScheduler(build);
  const store = new MongoJobStore(db) as unknown as { ensureIndexes?: () => Promise<void> };
  await store.ensureIndexes?.();
}

/** How many of the given jobs the database holds in a final status (completed, failed, cancelled). */
export async function countFinished(db: Db, ids: Iterable<string>): Promise<number> {
  const objectIds = [...ids].filter((id) => ObjectId.isValid(id)).map((id) => new ObjectId(id));
  if (objectIds.length === 0) return 0;
  return db.collection(JOBS_COLLECTION).countDocuments({
    _id: { $in: objectIds },
    status: { $in: ["completed", "failed", "cancelled"] },
  });
}

/** The file in a run folder that holds the jobs collection as the run left it (Extended JSON). */
export const JOBS_SNAPSHOT = "jobs.json";

/** Writes every job document, types kept (Extended JSON), so the Scheduler UI can show them later. */
export async function dumpJobs(db: Db, path: string, collection = JOBS_COLLECTION): Promise<number> {
  const docs = await db.collection(collection).find({}).toArray();
  writeFileSync(path, `${BSON.EJSON.stringify(docs, { relaxed: false })}\n`);
  return docs.length;
}

/** Loads a snapshot written by dumpJobs into the jobs collection of `db`. */
export async function restoreJobs(db: Db, path: string): Promise<number> {
  const docs = BSON.EJSON.parse(readFileSync(path, "utf8"), { relaxed: false }) as Document[];
  await prepareDatabase(db);
  if (docs.length) await db.collection(JOBS_COLLECTION).insertMany(docs);
  return docs.length;
}
