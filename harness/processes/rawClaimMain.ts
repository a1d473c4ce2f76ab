/**
 * The bench's baseline: the scheduler's claim and completion done straight through the driver, no
 * scheduler. `slots` loops each claim the next due job with the scheduler's own claim command
 * (rawClaim.ts), do the same simulated work, and complete it with the scheduler's completion; with
 * `readBack` each also reads the job back once, as the scheduler's worker does to verify its lock.
 * When nothing is due a loop sleeps one poll interval. Concurrency-limited jobs are out of its
 * scope. Started by the supervisor with HARNESS_WORKER (the worker's settings); says "ready" over IPC.
 */
import { MongoClient } from "mongodb";
import { JOBS_COLLECTION } from "../adapters/jobsCollection.ts";
import { rawClaimCommand, rawCompleteCommand } from "../adapters/rawClaim.ts";
import { envValue } from "../util/environment.ts";
import { performSimulatedWork, readSimulatedWork } from "./simulatedWork.ts";
import type { WorkerConfig } from "./workerMain.ts";
import { countExecution, installStatsResponder } from "./workerStats.ts";

const config = JSON.parse(envValue("HARNESS_WORKER") ?? "{}") as WorkerConfig & { readBack?: boolean };
const client = new MongoClient(config.uri, { serverSelectionTimeoutMS: 10_000, monitorCommands: true });
installStatsResponder(client);
await client.connect();
const jobs = client.db(config.dbName).collection(JOBS_COLLECTION);
let running = true;

async function loop(slot: number): Promise<void> {
  const me = `${config.proc}-${process.pid}-raw${slot}`;
  while (running) {
    const claim = rawClaimCommand(new Date(), me, config.lockTimeoutMs);
    const job = await jobs.findOneAndUpdate(claim.filter, claim.update, claim.options);
    if (!job) {
      await new Promise((r) => setTimeout(r, config.pollIntervalMs));
      continue;
    }
    countExecution();
    if (config.readBack) await jobs.findOne({ _id: job._id });
    await performSimulatedWork(readSimulatedWork(job.data), 1).catch(() => {});
    const complete = rawCompleteCommand(job._id, me);
    await jobs.updateOne(complete.filter, complete.update);
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
