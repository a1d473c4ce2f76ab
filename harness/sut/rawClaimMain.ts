/**
 * The bench's baseline: the scheduler's claim and completion done straight through the driver,
 * no scheduler. `slots` loops each claim the next due job with the same findOneAndUpdate (sort by
 * priority, then nextRunAt), do the same simulated work, and mark it completed; when nothing is
 * due they sleep one poll interval. Concurrency-limited jobs are out of its scope. Started by the
 * supervisor with HARNESS_WORKER (the worker's settings); says "ready" over IPC.
 */
import { MongoClient, type ObjectId } from "mongodb";
import { JOBS_COLLECTION } from "../run/jobsCollection.ts";
import { performSimulatedWork, readSimulatedWork } from "./simulatedWork.ts";
import type { WorkerConfig } from "./workerMain.ts";

const config = JSON.parse(process.env.HARNESS_WORKER ?? "{}") as WorkerConfig;
const client = new MongoClient(config.uri, { serverSelectionTimeoutMS: 10_000 });
await client.connect();
const jobs = client.db(config.dbName).collection(JOBS_COLLECTION);
let running = true;

async function loop(slot: number): Promise<void> {
  const me = `${config.proc}-${process.pid}-raw${slot}`;
  while (running) {
    const now = new Date();
    const job = await jobs.findOneAndUpdate(
      { status: "pending", nextRunAt: { $lte: now } },
      {
        $set: {
          status: "running",
          lockedBy: me,
          lockedAt: now,
          lockUntil: new Date(now.getTime() + config.lockTimeoutMs),
          lastRunAt: now,
          updatedAt: now,
        },
        $inc: { lockVersion: 1 },
      },
      { sort: { priority: 1, nextRunAt: 1 }, returnDocument: "after" },
    );
    if (!job) {
      await new Promise((r) => setTimeout(r, config.pollIntervalMs));
      continue;
    }
    await performSimulatedWork(readSimulatedWork(job.data), 1).catch(() => {});
    await jobs.updateOne(
      { _id: job._id as ObjectId, lockedBy: me, status: "running" },
      {
        $set: { status: "completed", updatedAt: new Date() },
        $unset: { lockedBy: "", lockedAt: "", lockUntil: "" },
      },
    );
  }
}

const loops = Array.from({ length: config.slots }, (_, i) => loop(i));
async function shutdown(): Promise<void> {
  running = false;
  setTimeout(() => process.exit(0), 3000).unref();
  await Promise.allSettled(loops);
  await client.close().catch(() => {});
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.on("disconnect", () => process.exit(0));
process.send?.({ type: "ready", pid: process.pid, slots: config.slots });
