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
import { installFaultHooks, referenceStamped } from "./faultHooks.ts";
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
const ledger: LedgerSink =
  config.ledger === false
    ? nullLedger
    : // On the harness's reference clock: a clock fault may move this process's Date.now().
      referenceStamped(new FileLedger(join(config.ledgerDir, `${config.proc}-${process.pid}.jsonl`)));
installFaultHooks();
// Event-loop delay of this process, written at shutdown: a latency spike and a stalled process
// look alike from outside.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const { Scheduler, MongoJobStore } = await loadScheduler();
const client = new MongoClient(config.uri, { serverSelectionTimeoutMS: 10_000 });
await client.connect();

let counter = 0;
const execOf = new Map<string, string>();
const pid = process.pid;

const scheduler = new Scheduler({
  id: `${config.proc}-${pid}`,
  store: new MongoJobStore(client.db(config.dbName), { lockTimeoutMs: config.lockTimeoutMs }),
  workers: config.slots,
  pollIntervalMs: config.pollIntervalMs,
  lockTimeoutMs: config.lockTimeoutMs,
  ...(config.maxExecutionMs ? { maxExecutionMs: config.maxExecutionMs } : {}),
  handler: async (job: Job) => {
    const execId = `${pid}-${++counter}`;
    const jobId = String(job._id);
    const attempt = (job.attempts ?? 0) + 1;
    execOf.set(jobId, execId);
    ledger.append({
      type: "start",
      t: Date.now(),
      execId,
      jobId,
      name: job.name,
      priority: job.priority ?? 5,
      ...(job.concurrency ? { concurrency: job.concurrency } : {}),
      attempt,
      lockVersion: job.lockVersion ?? 0,
      nextRunAt: new Date(job.nextRunAt).getTime(),
      ...(typeof (job.data as { intendedAt?: unknown })?.intendedAt === "number"
        ? { intendedAt: (job.data as { intendedAt: number }).intendedAt }
        : {}),
      workerId: String(job.lockedBy ?? ""),
      ...(job.repeat
        ? { repeat: { every: job.repeat.every, cron: job.repeat.cron, timezone: job.repeat.timezone } }
        : {}),
      ...(job.dedupeKey ? { dedupeKey: job.dedupeKey } : {}),
      proc: config.proc,
      pid,
    });
    try {
      await performSimulatedWork(readSimulatedWork(job.data), attempt);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ledger.append({ type: "end", t: Date.now(), execId, jobId, outcome: "error", error: message, pid });
      throw error;
    }
    ledger.append({ type: "end", t: Date.now(), execId, jobId, outcome: "ok", pid });
  },
});

function ack(job: Job, outcome: "success" | "retry" | "fail"): void {
  const jobId = String(job._id);
  const execId = execOf.get(jobId);
  if (!execId) return;
  execOf.delete(jobId);
  ledger.append({ type: "ack", t: Date.now(), execId, jobId, outcome, pid });
}
scheduler.on("job:success", (job) => ack(job, "success"));
scheduler.on("job:retry", (job) => ack(job, "retry"));
scheduler.on("job:fail", ({ job }) => ack(job, "fail"));
scheduler.on("job:stalled", (job) => {
  ledger.append({ type: "stalled", t: Date.now(), jobId: String(job._id), pid, proc: config.proc });
});
scheduler.on("worker:error", (error) => {
  ledger.append({
    type: "worker-error",
    t: Date.now(),
    message: String(error?.message ?? error),
    pid,
    proc: config.proc,
  });
});

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
      join(config.ledgerDir, `${config.proc}-${process.pid}.loop.json`),
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
