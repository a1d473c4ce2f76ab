/**
 * The one description of a worker run as a service, which every rendering shares (docker compose,
 * Kubernetes): the environment it needs, nothing but connection strings and its scheduler's
 * settings. Its ledger goes to a database (LEDGER_URL), so it needs no folder and no harness.
 */
import type { EnvName } from "../util/environment.ts";

export interface WorkerService {
  /** The jobs' MongoDB server and database. */
  mongoUrl: string;
  dbName: string;
  /** The ledger's server (its database is the jobs' with `_ledger` appended unless given). */
  ledgerUrl: string;
  ledgerDb?: string;
  slots: number;
  pollIntervalMs: number;
  lockTimeoutMs: number;
  maxExecutionMs?: number;
  /** The scheduler and its wiring, when not the default (mongo-job-scheduler, matched). */
  sut?: { adapter: string; wiring: string };
}

/** A worker's environment, by the variables workerMain.ts reads. */
export function workerEnv(w: WorkerService): Partial<Record<EnvName, string>> {
  return {
    MONGO_URL: w.mongoUrl,
    HARNESS_DB: w.dbName,
    LEDGER_URL: w.ledgerUrl,
    ...(w.ledgerDb ? { LEDGER_DB: w.ledgerDb } : {}),
    WORKERS_PER_PROCESS: String(w.slots),
    POLL_INTERVAL_MS: String(w.pollIntervalMs),
    LOCK_TIMEOUT_MS: String(w.lockTimeoutMs),
    ...(w.maxExecutionMs ? { MAX_EXECUTION_MS: String(w.maxExecutionMs) } : {}),
    ...(w.sut && (w.sut.adapter !== "mongo-job-scheduler" || w.sut.wiring !== "matched")
      ? { HARNESS_SUT: w.sut.adapter, HARNESS_WIRING: w.sut.wiring }
      : {}),
  };
}

/** The worker service of docker-compose.yml, as its file holds it (checked by a unit test). */
export const composeWorker: WorkerService = {
  mongoUrl: "mongodb://mongo:27017/?replicaSet=rs0",
  dbName: "harness_compose",
  ledgerUrl: "mongodb://mongo:27017/?replicaSet=rs0",
  slots: 2,
  pollIntervalMs: 250,
  lockTimeoutMs: 5000,
};
