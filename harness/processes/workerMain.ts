/**
 * A worker process: the scheduler under test (through its adapter, built with the run's wiring)
 * with `slots` workers, whose handler records every execution in this process's ledger file and
 * performs the simulated work in `job.data`. Started by the supervisor with HARNESS_WORKER (JSON of
 * WorkerConfig); says "ready" over IPC. Also runs as a service (docker compose) from MONGO_URL,
 * HARNESS_DB, WORKERS_PER_PROCESS, POLL_INTERVAL_MS, LOCK_TIMEOUT_MS, MAX_EXECUTION_MS, LEDGER_DIR,
 * and optionally HARNESS_SUT and HARNESS_WIRING. With a database ledger (LEDGER_URL, or `ledgerDb`
 * from the supervisor) it needs nothing but connection strings: its records go to the ledger
 * collection in batches, stamped with its own clock, beside samples of that clock against the
 * ledger server's (see ledger/mongoLedger.ts); no file, no IPC request, no clock from the harness.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { MongoClient } from "mongodb";
import { createAdapter } from "../adapters/registry.ts";
import type { SutSpec } from "../adapters/wiring.ts";
import { FileLedger, type LedgerSink, nullLedger, stampedWith } from "../ledger/fileLedger.ts";
import { newInstanceId } from "../ledger/identity.ts";
import {
  LEDGER_COLLECTION,
  type LedgerBatch,
  MongoLedger,
  startClockSampler,
} from "../ledger/mongoLedger.ts";
import { envValue } from "../util/environment.ts";
import { referenceClock, takeAnchor } from "../util/referenceClock.ts";
import { installFaultHooks, referenceStamped } from "./faultHooks.ts";
import { ledgerHandler } from "./ledgerHandler.ts";
import { installStatsResponder } from "./workerStats.ts";

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
  /**
   * How long the graceful stop on SIGTERM may wait for running handlers (the scheduler's stop
   * timeout); the process exits a second after it at the latest. Default 4000.
   */
  stopTimeoutMs?: number;
  ledgerDir: string;
  /** A database ledger instead of the folder: its server and database. */
  ledgerDb?: { uri: string; dbName: string };
  /** False: record nothing (the bench measures the ledger's own cost this way). Default true. */
  ledger?: boolean;
  /**
   * The scheduler and its wiring; default mongo-job-scheduler with the matched wiring, whose
   * timing defaults to pollIntervalMs and lockTimeoutMs above.
   */
  sut?: Partial<SutSpec>;
  /** Every job name the run enqueues (Agenda runs only names it has defined). */
  jobNames?: string[];
}

/** Settings from the supervisor (HARNESS_WORKER), or from plain variables when run as a service. */
function readConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const fromSupervisor = envValue("HARNESS_WORKER", env);
  if (fromSupervisor) return JSON.parse(fromSupervisor) as WorkerConfig;
  const maxExecutionMs = envValue("MAX_EXECUTION_MS", env);
  return {
    uri: envValue("MONGO_URL", env) ?? "mongodb://127.0.0.1:27017",
    dbName: envValue("HARNESS_DB", env) ?? "harness",
    proc: envValue("HARNESS_PROC", env) ?? hostname(),
    slots: Number(envValue("WORKERS_PER_PROCESS", env) ?? 2),
    pollIntervalMs: Number(envValue("POLL_INTERVAL_MS", env) ?? 250),
    lockTimeoutMs: Number(envValue("LOCK_TIMEOUT_MS", env) ?? 30_000),
    ...(maxExecutionMs ? { maxExecutionMs: Number(maxExecutionMs) } : {}),
    ledgerDir: envValue("LEDGER_DIR", env) ?? "ledger",
    ...(envValue("LEDGER_URL", env)
      ? {
          ledgerDb: {
            uri: envValue("LEDGER_URL", env) as string,
            dbName: envValue("LEDGER_DB", env) ?? `${envValue("HARNESS_DB", env) ?? "harness"}_ledger`,
          },
        }
      : {}),
    ...(envValue("HARNESS_SUT", env) || envValue("HARNESS_WIRING", env)
      ? {
          sut: {
            adapter: envValue("HARNESS_SUT", env) ?? "mongo-job-scheduler",
            wiring: envValue("HARNESS_WIRING", env) ?? "matched",
            matched: {
              pollIntervalMs: Number(envValue("POLL_INTERVAL_MS", env) ?? 250),
              lockTimeoutMs: Number(envValue("LOCK_TIMEOUT_MS", env) ?? 30_000),
            },
          },
        }
      : {}),
  };
}

const config = readConfig(process.env);
const pid = process.pid;
// This run of the process: unique without the pid (the supervisor names it; a service makes its own).
const instance = envValue("HARNESS_INSTANCE") || newInstanceId();
const fileStem = `${config.proc}-${instance.replace(/[^\w-]/g, "_")}`;
const dbLedger = config.ledger === false || !config.ledgerDb ? null : await openDbLedger(config.ledgerDb);
const ledger: LedgerSink =
  config.ledger === false
    ? nullLedger
    : dbLedger
      ? dbLedger.sink
      : // On the harness's reference clock: a clock fault may move this process's Date.now().
        referenceStamped(new FileLedger(join(config.ledgerDir, `${fileStem}.jsonl`)));

/**
 * The database ledger: its own client (never through a proxy of the run's network faults), stamped
 * with this process's own clock: its wall clock when it started, carried on by the monotonic clock,
 * so that a clock moved later (a clock fault) does not move the records; the clock sampler measures
 * that same clock against the server's.
 */
async function openDbLedger(where: { uri: string; dbName: string }) {
  const own = referenceClock(takeAnchor());
  const ledgerClient = new MongoClient(where.uri, { serverSelectionTimeoutMS: 10_000 });
  await ledgerClient.connect();
  const db = ledgerClient.db(where.dbName);
  const mongo = new MongoLedger(db.collection<LedgerBatch>(LEDGER_COLLECTION), {
    instance,
    host: hostname(),
    proc: config.proc,
  });
  const stopSampler = await startClockSampler(db, mongo, own);
  return {
    sink: stampedWith(mongo, () => Math.floor(own())),
    async close() {
      stopSampler();
      await mongo.closeAndFlush();
      if (mongo.lastError) process.stderr.write(`ledger: last write error: ${mongo.lastError}\n`);
      await ledgerClient.close().catch(() => {});
    },
  };
}
// A worker of a database ledger is not talked to: it answers no request of the harness.
if (!dbLedger) installFaultHooks();
// Event-loop delay of this process, written at shutdown: a latency spike and a stalled process
// look alike from outside.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
// The matched wiring's timing is this process's own settings unless the spec carries them.
const sut: SutSpec = {
  adapter: config.sut?.adapter ?? "mongo-job-scheduler",
  wiring: config.sut?.wiring ?? "matched",
  matched: config.sut?.matched ?? {
    pollIntervalMs: config.pollIntervalMs,
    lockTimeoutMs: config.lockTimeoutMs,
    ...(config.maxExecutionMs ? { maxExecutionMs: config.maxExecutionMs } : {}),
  },
  ...(config.sut?.build ? { build: config.sut.build } : {}),
};
const adapter = await createAdapter(sut);
// Command monitoring lets the bench count MongoDB commands per job (workerStats.ts).
const client = new MongoClient(config.uri, { serverSelectionTimeoutMS: 10_000, monitorCommands: true });
installStatsResponder(client);
await client.connect();
const recorder = ledgerHandler(ledger, { proc: config.proc, instance, pid });
const worker = await adapter.startWorker(client.db(config.dbName), {
  // Worker ids derive from this: unique per process instance, never from a (reusable) pid.
  id: `${config.proc}-${instance}`,
  slots: config.slots,
  jobNames: config.jobNames ?? [],
  ...recorder,
});

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const stopTimeoutMs = config.stopTimeoutMs ?? 4000;
  const force = setTimeout(() => process.exit(0), stopTimeoutMs + 1000);
  await worker.stop(stopTimeoutMs).catch(() => {});
  await client.close().catch(() => {});
  if (dbLedger) await dbLedger.close();
  else ledger.close();
  loopDelay.disable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  // Files only beside a file ledger: a worker of a database ledger may have no writable folder.
  if (!dbLedger)
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

process.send?.({ type: "ready", pid, slots: config.slots, lockOwner: worker.lockOwner });
if (!process.send)
  process.stdout.write(`worker ${config.proc} running ${config.slots} workers on ${config.dbName}\n`);
