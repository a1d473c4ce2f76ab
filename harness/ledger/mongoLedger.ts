/**
 * The ledger in a database: for writers on other machines, which share no folder and no IPC channel
 * with the harness. Each writer (a worker process, the harness) appends its records to one
 * collection as batches: a document per batch, `_id` `<instance>#<seq>`, with its writer's host and
 * instance and the clock samples it took (see clockOffsets.ts). `flush()` is a group commit: it
 * resolves once every record appended before it is in the database, and concurrent flushes share
 * one insert. A worker flushes its `start` before the job's work and its `end` before the scheduler
 * is told the job is done, so a record the database effect depends on is never lost with a SIGKILL.
 */
import type { Collection, Db } from "mongodb";
import type { ClockSample } from "./clockOffsets.ts";
import type { LedgerSink } from "./fileLedger.ts";
import type { LedgerRecord } from "./records.ts";

/** The ledger collection's name, in the ledger's own database. */
export const LEDGER_COLLECTION = "ledger";

/** Who writes a batch. */
export interface LedgerWriter {
  /** The process instance (`<host>/<hex>`): unique without the pid. */
  instance: string;
  host: string;
  /** The logical name (a worker's `w2`, a pod's name, `harness`). */
  proc: string;
}

/** One batch document. */
export interface LedgerBatch extends LedgerWriter {
  _id: string;
  seq: number;
  records: LedgerRecord[];
  clock: ClockSample[];
}

/** How long a failed insert waits before it is tried again. */
const RETRY_MS = 200;

/** A sink that writes batches to a collection; see the module's comment. */
export class MongoLedger implements LedgerSink {
  private pending: LedgerRecord[] = [];
  private samples: ClockSample[] = [];
  private seq = 0;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  /** The last error of an insert, for the writer's log. */
  lastError: string | undefined;

  constructor(
    private readonly collection: Collection<LedgerBatch>,
    private readonly writer: LedgerWriter,
    /** Records not flushed by a caller go in a batch at most this long after they were appended. */
    private readonly flushEveryMs = 100,
  ) {}

  append(record: LedgerRecord): void {
    if (this.closed) throw new Error(`ledger of ${this.writer.instance} is closed`);
    this.pending.push(record);
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushEveryMs);
  }

  /** Adds a clock sample to the next batch. */
  sample(s: ClockSample): void {
    this.samples.push(s);
    this.schedule();
  }

  /** Resolves once everything appended so far is in the database. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.write());
    return this.chain;
  }

  private async write(): Promise<void> {
    while (this.pending.length > 0 || this.samples.length > 0) {
      const records = this.pending;
      const clock = this.samples;
      this.pending = [];
      this.samples = [];
      const seq = this.seq;
      const batch: LedgerBatch = {
        _id: `${this.writer.instance}#${seq}`,
        ...this.writer,
        seq,
        records,
        clock,
      };
      try {
        await this.collection.insertOne(batch);
      } catch (error) {
        // A retried insert that had reached the server finds its own batch there: it is written.
        if ((error as { code?: number }).code !== 11000) {
          this.lastError = (error as Error).message;
          this.pending = [...records, ...this.pending];
          this.samples = [...clock, ...this.samples];
          if (this.closed) return;
          await new Promise((r) => setTimeout(r, RETRY_MS));
          continue;
        }
      }
      this.seq = seq + 1;
      return;
    }
  }

  /** Writes what is left (waiting at most `timeoutMs`) and stops taking records. */
  async closeAndFlush(timeoutMs = 3000): Promise<void> {
    clearTimeout(this.timer);
    const done = this.flush();
    await Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    this.closed = true;
  }

  close(): void {
    clearTimeout(this.timer);
    void this.flush();
  }
}

/**
 * Measures a writer's clock against the server's once: `hello` where the server has it, else
 * `isMaster` (the Java stand-in answers only the older name); both carry the server's `localTime`.
 */
export async function sampleServerClock(db: Db, clock: () => number): Promise<ClockSample> {
  const admin = db.admin();
  for (const command of ["hello", "isMaster"] as const) {
    const sentAt = clock();
    let reply: { localTime?: Date };
    try {
      reply = (await admin.command({ [command]: 1 })) as { localTime?: Date };
    } catch (error) {
      if (command === "hello") continue;
      throw error;
    }
    const receivedAt = clock();
    if (reply.localTime instanceof Date) return { sentAt, receivedAt, serverMs: reply.localTime.getTime() };
  }
  throw new Error("the server's hello and isMaster carry no localTime: its clock cannot be read");
}

/**
 * Samples the server's clock now and then every `everyMs` into the ledger, until stopped. The first
 * sample is awaited, so a writer that is up has measured its clock at least once.
 */
export async function startClockSampler(
  db: Db,
  ledger: MongoLedger,
  clock: () => number,
  everyMs = 1000,
): Promise<() => void> {
  ledger.sample(await sampleServerClock(db, clock));
  await ledger.flush();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    sampleServerClock(db, clock)
      .then((s) => ledger.sample(s))
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
