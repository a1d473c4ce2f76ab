/**
 * Watches the service's job documents through the run, and writes an observe record for each
 * document that is new or whose status, attempts, lock, claim time or error changed. Two ways:
 *
 * - a change stream, where the server has one: each change's document as it is when the stream
 *   reads it (updateLookup), so a read costs what changed, not the whole collection;
 * - else reads of the whole collection every few tens of milliseconds.
 *
 * Either way every record keeps one rule the checkers build on: the document it shows held at some
 * moment between the record's time and that time plus the longest gap, and a change it is the first
 * to show came after its time less that gap. A full read takes its snapshot after it starts and
 * before the next begins. A looked-up change-stream record is stamped with when the read (getMore)
 * that returned it was sent: the server looks the document up while answering it. An insert's
 * document is as written, so it is stamped with the moment its change came after: when the last
 * read that caught up (returned less than a full batch) was sent. The gap runs from that moment to
 * each read's answer. A record whose read was sent before the last full read ended, and an insert
 * of a document already read, are read again by id, so a document's records never go back in time.
 * Claims carry the database's own times (lastRunAt, lockUntil, updatedAt); what the records can miss
 * (a claim that came and went between two reads of its document) is bounded by that gap, recorded.
 */

import { randomBytes } from "node:crypto";
import type { ChangeStream, ChangeStreamDocument, Collection, Document, MongoClient } from "mongodb";
import type { LiveView } from "../faults/faultType.ts";
import type { LedgerSink } from "../ledger/fileLedger.ts";
import type { ObserveRecord } from "../ledger/records.ts";
import { ExitCode, HarnessError } from "../util/exitCodes.ts";
import { firstLine } from "../util/firstLine.ts";
import { sleep } from "../util/wait.ts";

const FINAL = new Set(["completed", "failed", "cancelled"]);

/** A date field as milliseconds: null when absent; a date that is not one (Invalid Date) as NaN. */
function ms(v: unknown): number | null {
  if (v instanceof Date) return v.getTime();
  if (typeof v === "number") return v;
  if (typeof v === "string" && v !== "") return Date.parse(v);
  return null;
}

/** What the checkers read of a job document. */
export function observationOf(t: number, d: Document): ObserveRecord {
  const repeat = d.repeat as { cron?: unknown; every?: unknown; timezone?: unknown } | undefined;
  const lockUntil = ms(d.lockUntil);
  return {
    type: "observe",
    t,
    jobId: String(d._id),
    name: String(d.name ?? ""),
    status: String(d.status ?? ""),
    attempts: Number.isInteger(d.attempts) ? (d.attempts as number) : 0,
    ...(Number.isInteger(d.priority) ? { priority: d.priority as number } : {}),
    ...(Number.isInteger(d.concurrency) && (d.concurrency as number) > 0
      ? { concurrency: d.concurrency as number }
      : {}),
    lockedBy: typeof d.lockedBy === "string" ? d.lockedBy : null,
    // A stored date that is not a date (NaN) is kept as the earliest: a lock that never holds.
    lockUntil: lockUntil === null ? null : Number.isFinite(lockUntil) ? lockUntil : 0,
    lastRunAt: finiteOrNull(ms(d.lastRunAt)),
    nextRunAt: finiteOrNull(ms(d.nextRunAt)),
    updatedAt: finiteOrNull(ms(d.updatedAt)),
    lastError: d.lastError == null ? null : String(d.lastError),
    repeat: repeat
      ? {
          ...(typeof repeat.cron === "string" ? { cron: repeat.cron } : {}),
          ...(typeof repeat.every === "number" ? { every: repeat.every } : {}),
          ...(typeof repeat.timezone === "string" ? { timezone: repeat.timezone } : {}),
        }
      : null,
    dedupeKey: typeof d.dedupeKey === "string" ? d.dedupeKey : null,
  };
}

function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

/** The fields whose change is worth a record. */
function key(o: ObserveRecord): string {
  return [o.status, o.attempts, o.lockedBy, o.lockUntil, o.lastRunAt, o.lastError, o.nextRunAt].join("|");
}

/** How the job documents are watched: `auto` is a change stream where the server has one. */
export type WatchMode = "auto" | "stream" | "poll";

/** What the observer needs to open a change stream: a client of its own, with command events. */
export interface StreamOpener {
  /** A new client with `monitorCommands` on; the observer closes it. */
  client(): Promise<MongoClient>;
  dbName: string;
  /** The check a change stream must pass first (changeStreamMisses; a test's own). */
  check?: (client: MongoClient) => Promise<string[]>;
}

/** How long the check waits for the change stream to show its writes. */
const CHECK_WITHIN_MS = 3000;

/**
 * The change stream's own check, measured rather than assumed: on a database of its own (dropped
 * after), each kind of write the schedulers make (inserts, upserts, updates, findOneAndUpdate: the
 * claim) is made once, and each must show as a change within a few seconds. Returns the writes the
 * stream did not show; throws, with a one-line message, when the server refuses a change stream or
 * the check cannot write in its database.
 */
export async function changeStreamMisses(client: MongoClient, withinMs = CHECK_WITHIN_MS): Promise<string[]> {
  const name = `harness_watch_${randomBytes(4).toString("hex")}`;
  const db = client.db(name);
  const col = db.collection<{ _id: string; n: number }>("check");
  /** A failure of the check's own writes is not a refusal of change streams: said apart. */
  const ours = (error: unknown) =>
    new Error(`the check could not write in a database of its own (${name}): ${firstLine(error)}`);
  try {
    await col.insertOne({ _id: "x", n: 0 }).catch((e) => Promise.reject(ours(e)));
    // As the watcher reads: the document looked up (some servers' documentKey is not the key).
    const stream = col.watch([], { fullDocument: "updateLookup", maxAwaitTimeMS: 100 });
    try {
      await stream
        .tryNext()
        .catch((e) => Promise.reject(new Error(`the server refused one: ${firstLine(e)}`)));
      // Each write, the document it touches and the change it must show as.
      const writes: [op: string, id: string, shows: "insert" | "update", write: () => Promise<unknown>][] = [
        ["insertOne", "a", "insert", () => col.insertOne({ _id: "a", n: 0 })],
        ["insertMany", "b", "insert", () => col.insertMany([{ _id: "b", n: 0 }])],
        ["updateOne", "x", "update", () => col.updateOne({ _id: "x" }, { $set: { n: 1 } })],
        ["findOneAndUpdate", "a", "update", () => col.findOneAndUpdate({ _id: "a" }, { $set: { n: 1 } })],
        [
          "findOneAndUpdate with upsert",
          "c",
          "insert",
          () => col.findOneAndUpdate({ _id: "c" }, { $setOnInsert: { n: 0 } }, { upsert: true }),
        ],
        ["updateMany", "b", "update", () => col.updateMany({ _id: "b" }, { $set: { n: 1 } })],
      ];
      const expected = new Map<string, string>();
      for (const [op, id, shows, write] of writes) {
        await write().catch((e) => Promise.reject(ours(e)));
        expected.set(`${id}:${shows}`, op);
      }
      const deadline = Date.now() + withinMs;
      while (expected.size > 0 && Date.now() < deadline) {
        const change = await stream.tryNext();
        if (!change) {
          await sleep(50);
          continue;
        }
        const doc = "fullDocument" in change ? change.fullDocument : undefined;
        if (doc) expected.delete(`${String(doc._id)}:${change.operationType}`);
      }
      return [...expected.values()];
    } finally {
      await stream.close().catch(() => {});
    }
  } finally {
    await db.dropDatabase().catch(() => {});
  }
}

/** One read of the change stream: when it was sent and answered, and how many changes it returned. */
interface StreamRead {
  sentAt: number;
  answeredAt: number;
  returned: number;
}

/**
 * The stream's batch size. A read that returns fewer changes has caught up: every change before
 * it was sent is in it or in an earlier read. A full one may leave older changes to the next.
 */
const STREAM_BATCH = 1000;

/** Changes after which the stream shows nothing more of the collection (it was dropped or renamed). */
const ENDS_STREAM = new Set(["drop", "rename", "dropDatabase", "invalidate"]);

export class CollectionObserver implements LiveView {
  private readonly last = new Map<string, { key: string; status: string }>();
  private samples = 0;
  private streamReads = 0;
  private maxGapMs = 0;
  private firstAt: number | null = null;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /**
   * Every change before this moment has been shown by some record; a change not yet shown came
   * after it. A full read moves it to when the read began; a stream read that caught up, to when
   * it was sent.
   */
  private shownUntil: number | null = null;
  /** How watching began; a stream that failed later is said in streamNote. */
  private via: "poll" | "stream" = "poll";
  /** Why the change stream was not used, or stopped being used. */
  private streamNote: string | null = null;
  private streamClient: MongoClient | undefined;
  private stream: ChangeStream | undefined;
  readonly seesExecutions = false;
  /** The job ids the load was answered with: the finished count is theirs. */
  readonly accepted = new Set<string>();

  constructor(
    private readonly collection: Collection,
    private readonly ledger: LedgerSink,
    private readonly everyMs: number,
    private readonly mode: WatchMode = "poll",
    private readonly opener?: StreamOpener,
  ) {}

  /**
   * Starts watching; says how, in one line. `stream` on a server without change streams is refused
   * in one line; `auto` falls back to reads.
   */
  async start(): Promise<string> {
    const every = `every ${this.everyMs} ms`;
    if (this.mode !== "poll" && this.opener) {
      const opened = await this.openStream();
      if (opened.ok) {
        this.via = "stream";
        this.loop = this.streamLoop(opened.stream, opened.reads);
        return `watching ${this.collection.collectionName} through a change stream (asked again ${every} when quiet)`;
      }
      if (this.mode === "stream")
        throw new HarnessError(
          `--watch stream: no change stream to trust on ${this.collection.collectionName}: ${opened.why}; use --watch poll (or auto), or a server whose change streams show every write (a replica set)`,
          ExitCode.Invalid,
        );
      this.streamNote = `no change stream to trust: ${opened.why}`;
      this.loop = this.pollLoop();
      return `watching ${this.collection.collectionName} by reading it ${every} (no change stream to trust: ${opened.why})`;
    }
    this.loop = this.pollLoop();
    return `watching ${this.collection.collectionName} by reading it ${every}`;
  }

  /**
   * Opens the change stream and makes its first read (the aggregate), so that every change after
   * this point reaches it; a server without change streams refuses here.
   */
  private async openStream(): Promise<
    { ok: true; stream: ChangeStream; reads: StreamRead[] } | { ok: false; why: string }
  > {
    const opener = this.opener as StreamOpener;
    let client: MongoClient;
    try {
      client = await opener.client();
    } catch (error) {
      return { ok: false, why: `could not connect for one: ${firstLine(error)}` };
    }
    this.streamClient = client;
    // The stream's reads, in order, as the driver sends and the server answers them (the check's
    // own, in a database of its own, are not the watcher's).
    const reads: StreamRead[] = [];
    const sent = new Map<number, number>();
    client.on("commandStarted", (e) => {
      if ((e.commandName === "aggregate" || e.commandName === "getMore") && e.databaseName === opener.dbName)
        sent.set(e.requestId, Date.now());
    });
    client.on("commandSucceeded", (e) => {
      const at = sent.get(e.requestId);
      if (at === undefined) return;
      sent.delete(e.requestId);
      const cursor = (e.reply as { cursor?: { firstBatch?: unknown[]; nextBatch?: unknown[] } }).cursor;
      const returned = (cursor?.firstBatch ?? cursor?.nextBatch ?? []).length;
      reads.push({ sentAt: at, answeredAt: Date.now(), returned });
    });
    client.on("commandFailed", (e) => sent.delete(e.requestId));
    let misses: string[];
    try {
      misses = await (opener.check ?? changeStreamMisses)(client);
    } catch (error) {
      await this.closeStream();
      return { ok: false, why: firstLine(error) };
    }
    if (misses.length > 0) {
      await this.closeStream();
      return {
        ok: false,
        why: `the server's change stream did not show ${misses.join(", ")} (each write made once in a database of the check's own: these never showed as a change)`,
      };
    }
    // What the records read, as the full reads do (a job's payload and result left out), so a
    // batch holds many changes; looked up at the majority's state, as the full reads read.
    const stream = client
      .db(opener.dbName)
      .collection(this.collection.collectionName)
      .watch([{ $project: { "fullDocument.data": 0, "fullDocument.result": 0, updateDescription: 0 } }], {
        fullDocument: "updateLookup",
        maxAwaitTimeMS: this.everyMs,
        batchSize: STREAM_BATCH,
      });
    this.stream = stream;
    try {
      const first = await stream.tryNext();
      if (first) this.pendingFirst = first;
      return { ok: true, stream, reads };
    } catch (error) {
      await this.closeStream();
      return { ok: false, why: `the server refused one: ${firstLine(error)}` };
    }
  }

  /** A change the opening read already returned, handled after the first full read. */
  private pendingFirst: ChangeStreamDocument | undefined;

  private async closeStream(): Promise<void> {
    await this.stream?.close().catch(() => {});
    await this.streamClient?.close(true).catch(() => {});
    this.stream = undefined;
    this.streamClient = undefined;
  }

  /** Reads the whole collection every everyMs until stopped. */
  private async pollLoop(): Promise<void> {
    while (!this.stopped) {
      const t = Date.now();
      try {
        await this.read(t);
        this.samples++;
        this.firstAt ??= t;
        // A change this read is the first to show came after the last moment everything was shown.
        if (this.shownUntil !== null) this.maxGapMs = Math.max(this.maxGapMs, t - this.shownUntil);
        this.shownUntil = t;
      } catch {
        // The database is restarting or gone: the gap shows in maxGapMs.
      }
      await sleep(Math.max(0, this.everyMs - (Date.now() - t)));
    }
  }

  /**
   * The stream's loop: one full read first (the stream already runs, so nothing falls between),
   * then each change's document. A read of the stream that fails for good (the driver resumes
   * what it can), or a change after which it shows nothing more (the collection dropped or
   * renamed), ends the stream: reads of the whole collection take over, the gap counted across.
   */
  private async streamLoop(stream: ChangeStream, reads: StreamRead[]): Promise<void> {
    // The first full read, tried until it succeeds: before it, nothing was seen.
    let t0: number | null = null;
    while (!this.stopped && t0 === null) {
      const t = Date.now();
      try {
        await this.read(t);
        t0 = t;
      } catch {
        await sleep(this.everyMs);
      }
    }
    if (t0 === null) return;
    this.samples++;
    this.firstAt = t0;
    // Its snapshot came after t0: every change before t0 is shown.
    this.shownUntil = t0;
    if (this.stopped) return;
    /** When the last full read (or read by id) ended: a stream read sent before it is read again. */
    let barrier = Date.now();
    /** Per stream read: the moment its changes came after (the last caught-up read's sending). */
    const after: number[] = [];
    const account = () => {
      for (let k = after.length; k < reads.length; k++) {
        const r = reads[k] as StreamRead;
        const from = this.shownUntil ?? r.sentAt;
        after.push(from);
        this.maxGapMs = Math.max(this.maxGapMs, r.answeredAt - from);
        if (r.returned < STREAM_BATCH) this.shownUntil = Math.max(this.shownUntil ?? r.sentAt, r.sentAt);
        this.streamReads++;
      }
    };
    const fallBack = async (why: string) => {
      this.streamNote = `the change stream ${why} at ${new Date().toISOString()}; the whole collection was read from then on`;
      await this.closeStream();
      return this.pollLoop();
    };
    let change = this.pendingFirst;
    this.pendingFirst = undefined;
    while (!this.stopped) {
      if (!change) {
        const asked = Date.now();
        try {
          change = (await stream.tryNext()) ?? undefined;
        } catch (error) {
          if (this.stopped) return;
          account();
          return fallBack(`failed (${firstLine(error)})`);
        }
        if (this.stopped) return;
        account();
        if (!change) {
          if (stream.closed) return fallBack("closed");
          await sleep(Math.max(0, this.everyMs - (Date.now() - asked)));
          continue;
        }
      }
      account();
      const current = change;
      change = undefined;
      if (ENDS_STREAM.has(current.operationType)) return fallBack(`ended (${current.operationType})`);
      const doc = "fullDocument" in current ? current.fullDocument : undefined;
      const k = reads.length - 1;
      const read = reads[k];
      if (!doc || !read) continue;
      // An insert's (or a replacement's) document is the one written, not looked up: it held when
      // the change came, after the read's bound. A document not yet seen takes it as its first
      // record; one already seen is read again (a read may have shown a later state).
      const asWritten = current.operationType === "insert" || current.operationType === "replace";
      if (asWritten && !this.last.has(String(doc._id))) {
        this.record(after[k] ?? read.sentAt, doc);
        continue;
      }
      if (!asWritten && read.sentAt >= barrier) {
        this.record(read.sentAt, doc);
        continue;
      }
      // Looked up before the last full read may have ended, its state may be older than that
      // read's: read the document again instead, now (until it can be read).
      const t = Date.now();
      try {
        const again = await this.collection.findOne({ _id: doc._id }, this.readOptions());
        barrier = Date.now();
        this.maxGapMs = Math.max(this.maxGapMs, barrier - (after[k] ?? read.sentAt));
        if (again) this.record(t, again);
      } catch {
        change = current;
        await sleep(this.everyMs);
      }
    }
  }

  /**
   * How the collection is read: a job's payload and result left out; with a change stream, at the
   * majority's state, which is the state the stream's lookups show, so a later lookup never shows
   * an older document than a read did.
   */
  private readOptions() {
    return {
      projection: { data: 0, result: 0 },
      ...(this.via === "stream" ? { readConcern: { level: "majority" as const } } : {}),
    };
  }

  private record(t: number, d: Document): void {
    const o = observationOf(t, d);
    const k = key(o);
    if (this.last.get(o.jobId)?.key === k) return;
    this.last.set(o.jobId, { key: k, status: o.status });
    this.ledger.append(o);
  }

  private async read(t: number): Promise<void> {
    const docs = await this.collection.find({}, this.readOptions()).toArray();
    for (const d of docs) this.record(t, d);
  }

  /** Job documents seen so far. */
  seen(): number {
    return this.last.size;
  }

  /** Accepted jobs whose last read status is final. */
  finishedCount(): number {
    let n = 0;
    for (const id of this.accepted) if (FINAL.has(this.last.get(id)?.status ?? "")) n++;
    return n;
  }

  /** A black box shows no execution in flight on an instance. */
  inFlight(): { execId: string; jobId: string }[] {
    return [];
  }

  poll(): void {}

  /** Reads once more, stops, and writes how the watching went. */
  async stop(collectionName: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Never started (refused, or the run ended before): nothing was watched, nothing to say.
    if (!this.loop) {
      await this.closeStream();
      return;
    }
    // A read of the stream waits at most everyMs for a change; closing ends it sooner.
    await this.closeStream();
    await this.loop?.catch(() => {});
    // The last read: a change it is the first to show came after everything was last shown.
    const t = Date.now();
    try {
      await this.read(t);
      this.firstAt ??= t;
      if (this.shownUntil !== null) this.maxGapMs = Math.max(this.maxGapMs, Date.now() - this.shownUntil);
    } catch {
      // The database is gone: what was read stands.
    }
    this.ledger.append({
      type: "observer",
      t: Date.now(),
      collection: collectionName,
      samples: this.samples,
      everyMs: this.everyMs,
      maxGapMs: this.maxGapMs,
      firstAt: this.firstAt,
      via: this.via,
      ...(this.streamReads > 0 ? { streamReads: this.streamReads } : {}),
      ...(this.streamNote ? { streamNote: this.streamNote } : {}),
    });
  }
}
