/**
 * A worker process: one Scheduler with a MongoJobStore and `slots` workers, whose handler records
 * every execution in this process's ledger file and performs the simulated work in `job.data`.
 * Started by the supervisor with HARNESS_WORKER (JSON of WorkerConfig); says "ready" over IPC.
 * Also runs as a service (docker compose) from MONGO_URL, HARNESS_DB, WORKERS_PER_PROCESS,
 * POLL_INTERVAL_MS, LOCK_TIMEOUT_MS, MAX_EXECUTION_MS and LEDGER_DIR.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Job } from "mongo-job-scheduler";
import { MongoClient } from "mongodb";
import { FileLedger, type LedgerSink, nullLedger } from "../ledger/fileLedger.ts";
import { newInstanceId } from "../ledger/identity.ts";
import { type ClaimedJob, ExecutionRecorder } from "./executionRecorder.ts";
import { loadScheduler } from "./schedulerModule.ts";
import { performSimulatedWork, readSimulatedWork } from "./simulatedWork.ts";

/** What the supervisor tells a worker process. */
export interface WorkerConfig {
  uri: string;
  dbName: string;
  proc: string;
  slots: number;
  pollIntervalMs: number;
  lockTimeoutMs: number;
  /** The scheduler's maxExecutionMs (stall detection), if set. */
  maxExecutionMs?: number;
  ledgerDir: string;
  /** False: record nothing (the bench measures the ledger's own cost this way). Default true. */
  ledger?: boolean;
}

/** Settings from the supervisor (HARNESS_WORKER), or from plain variables when run as a service. */
function readConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  if (env.HARNESS_WORKER) return JSON.parse(env.HARNESS_WORKER) as WorkerConfig;
  return {
    uri: env.MONGO_URL ?? "mongodb://127.0.0.1:27017",
    dbName: env.HARNESS_DB ?? "harness",
    proc: env.HARNESS_PROC ?? hostname(),
    slots: Number(env.WORKERS_PER_PROCESS ?? 2),
    pollIntervalMs: Number(env.POLL_INTERVAL_MS ?? 250),
    lockTimeoutMs: Number(env.LOCK_TIMEOUT_MS ?? 30_000),
    ...(env.MAX_EXECUTION_MS ? { maxExecutionMs: Number(env.MAX_EXECUTION_MS) } : {}),
    ledgerDir: env.LEDGER_DIR ?? "ledger",
  };
}

const config = readConfig(process.env);
const pid = process.pid;
// This run of the process: unique without the pid (the supervisor names it; a service makes its own).
const instance = process.env.HARNESS_INSTANCE || newInstanceId();
const fileStem = `${config.proc}-${instance.replace(/[^\w-]/g, "_")}`;
const ledger: LedgerSink =
  config.ledger === false ? nullLedger : new FileLedger(join(config.ledgerDir, `${fileStem}.jsonl`));
// Event-loop delay of this process, written at shutdown: a latency spike and a stalled process
// look alike from outside.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const { Scheduler, MongoJobStore } = await loadScheduler();
const client = new MongoClient(config.uri, { serverSelectionTimeoutMS: 10_000 });
await client.connect();

const recorder = new ExecutionRecorder(ledger, { proc: config.proc, instance, pid });

/** The recorder's view of a job the scheduler claimed. */
function claimed(job: Job): ClaimedJob {
  const data = job.data as { intendedAt?: unknown } | undefined;
  const lockUntil = (job as { lockUntil?: Date | string }).lockUntil;
  return {
    jobId: String(job._id),
    name: job.name,
    priority: job.priority ?? 5,
    ...(job.concurrency ? { concurrency: job.concurrency } : {}),
    attempt: (job.attempts ?? 0) + 1,
    lockVersion: job.lockVersion ?? 0,
    nextRunAt: new Date(job.nextRunAt).getTime(),
    ...(lockUntil ? { lockUntil: new Date(lockUntil).getTime() } : {}),
    ...(typeof data?.intendedAt === "number" ? { intendedAt: data.intendedAt } : {}),
    workerId: String(job.lockedBy ?? ""),
    ...(job.repeat
      ? { repeat: { every: job.repeat.every, cron: job.repeat.cron, timezone: job.repeat.timezone } }
      : {}),
    ...(job.dedupeKey ? { dedupeKey: job.dedupeKey } : {}),
  };
}

const scheduler = new Scheduler({
  // Worker ids derive from this: unique per process instance, never from a (reusable) pid.
  id: `${config.proc}-${instance}`,
  store: new MongoJobStore(client.db(config.dbName), { lockTimeoutMs: config.lockTimeoutMs }),
  workers: config.slots,
  pollIntervalMs: config.pollIntervalMs,
  lockTimeoutMs: config.lockTimeoutMs,
  ...(config.maxExecutionMs ? { maxExecutionMs: config.maxExecutionMs } : {}),
  handler: (job: Job) =>
    recorder.run(claimed(job), () =>
      performSimulatedWork(readSimulatedWork(job.data), (job.attempts ?? 0) + 1),
    ),
});

scheduler.on("job:success", (job) => recorder.ack(String(job._id), "success"));
scheduler.on("job:retry", (job) => recorder.ack(String(job._id), "retry"));
scheduler.on("job:fail", ({ job }) => recorder.ack(String(job._id), "fail"));
scheduler.on("job:stalled", (job) => recorder.stalled(String(job._id)));
scheduler.on("worker:error", (error) => recorder.workerError(String(error?.message ?? error)));

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(0), 5000);
  await scheduler.stop({ graceful: true, timeoutMs: 4000 }).catch(() => {});
  await client.close().catch(() => {});
  ledger.close();
  loopDelay.disable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  try {
    mkdirSync(config.ledgerDir, { recursive: true });
    writeFileSync(
      join(config.ledgerDir, `${fileStem}.loop.json`),
      JSON.stringify({
        proc: config.proc,
        pid,
        p50Ms: ms(loopDelay.percentile(50)),
        p99Ms: ms(loopDelay.percentile(99)),
        maxMs: ms(loopDelay.max),
      }),
    );
  } catch {
    // The figure is a nice-to-have; a read-only folder must not keep the worker from exiting.
  }
  clearTimeout(force);
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
// The parent is gone (even by SIGKILL): a worker must never outlive its harness.
if (process.send) process.on("disconnect", () => process.exit(0));

await scheduler.start();
process.send?.({ type: "ready", pid, slots: config.slots });
if (!process.send)
  process.stdout.write(`worker ${config.proc} running ${config.slots} workers on ${config.dbName}\n`);
