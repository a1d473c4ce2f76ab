/**
 * Where a run's ledger lives, as one bracket: a folder of JSONL files (each process writes its own,
 * the harness follows them), or a database of its own on the run's server (`--ledger db`: each
 * process writes batches there, stamped with its own clock and measured against the server's; the
 * harness follows the collection and reads it back on one reference clock). Its release drops what
 * it created.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import type { RunClocks } from "../ledger/clockOffsets.ts";
import { DbLedgerFollower, readDbLedger } from "../ledger/dbHistory.ts";
import { FileLedger, type LedgerSink } from "../ledger/fileLedger.ts";
import { type History, readLedgerDir } from "../ledger/history.ts";
import { newInstanceId } from "../ledger/identity.ts";
import { LiveLedger } from "../ledger/liveLedger.ts";
import {
  LEDGER_COLLECTION,
  type LedgerBatch,
  MongoLedger,
  startClockSampler,
} from "../ledger/mongoLedger.ts";
import type { WorkerConfig } from "../processes/workerMain.ts";
import type { Acquired } from "./teardown.ts";

/** Where the ledger goes: `files` (one JSONL file per process) or `db` (a database of the run's own). */
export type LedgerMode = "files" | "db";
export const ledgerModes: readonly LedgerMode[] = ["files", "db"];

/** A run's ledger while it runs. */
export interface RunLedger {
  mode: LedgerMode;
  /** The harness's own records (accepts, processes, faults). */
  sink: LedgerSink;
  /** The running picture the harness acts on. */
  live: LiveLedger;
  /** What a worker is told about the ledger. */
  workerConfig: Pick<WorkerConfig, "ledgerDir" | "ledgerDb">;
  /**
   * The instance of the worker that last wrote under this name (a database ledger; a worker run as a
   * service is named by its host: a pod's name), for an agent that binds pods.
   */
  instanceOfProc?(proc: string): Promise<string | undefined>;
  /** Reads what arrived since the last call into `live`. */
  follow(): Promise<void>;
  /** The whole history (on one reference clock), and the clocks that put it there (database ledger). */
  read(): Promise<{ history: History; clocks?: RunClocks }>;
}

/** Opens the run's ledger. `client` and `uri` are the run's server; the ledger database is `<dbName>_ledger`. */
export async function openRunLedger(
  mode: LedgerMode,
  o: {
    ledgerDir: string;
    client: MongoClient;
    uri: string;
    dbName: string;
    serverGone(): boolean;
    /** The ledger's own server, when it is not the run's (the workers are told it, not given it). */
    ledgerUri?: string;
  },
): Promise<Acquired<RunLedger>> {
  if (mode === "files") {
    const sink = new FileLedger(join(o.ledgerDir, "harness.jsonl"));
    const live = new LiveLedger(o.ledgerDir);
    return {
      value: {
        mode,
        sink,
        live,
        workerConfig: { ledgerDir: o.ledgerDir },
        follow: async () => {
          live.poll();
        },
        read: async () => ({ history: readLedgerDir(o.ledgerDir) }),
      },
      release: async () => sink.close(),
    };
  }
  const dbName = `${o.dbName}_ledger`;
  const own = o.ledgerUri && o.ledgerUri !== o.uri ? await new MongoClient(o.ledgerUri).connect() : null;
  const db = (own ?? o.client).db(dbName);
  const collection = db.collection<LedgerBatch>(LEDGER_COLLECTION);
  await collection.createIndex({ instance: 1, seq: 1 });
  const instance = newInstanceId();
  const sink = new MongoLedger(collection, { instance, host: hostname(), proc: "harness" });
  // The harness's records carry its wall clock (Date.now()); that is the clock it measures.
  const stopSampler = await startClockSampler(db, sink, () => Date.now());
  const live = new LiveLedger();
  const follower = new DbLedgerFollower(collection, live);
  return {
    value: {
      mode,
      sink,
      live,
      // The ledger's own address: never a worker's proxy, so a network fault cuts the jobs only.
      workerConfig: { ledgerDir: o.ledgerDir, ledgerDb: { uri: o.ledgerUri ?? o.uri, dbName } },
      instanceOfProc: async (proc) =>
        (await collection.find({ proc }).sort({ seq: -1 }).limit(1).next())?.instance ?? undefined,
      follow: () => follower.poll(),
      read: async () => {
        await sink.flush();
        return readDbLedger(collection, instance);
      },
    },
    release: async () => {
      stopSampler();
      await sink.closeAndFlush();
      if (!o.serverGone()) await db.dropDatabase().catch(() => {});
      await own?.close().catch(() => {});
    },
  };
}
