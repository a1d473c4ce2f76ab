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
 * before the next begins. A change-stream record is stamped with when the read (getMore) that
 * returned it was sent: the server looks the document up while answering it, and the change itself
 * came after the read before was sent; the gap is the longest from one read's sending to the next
 * one's answer. A record whose read was sent before the last full read ended is read again by id,
 * so a document's records never go back in time. Claims carry the database's own times (lastRunAt,
 * lockUntil, updatedAt); what the records can miss (a claim that came and went between two reads of
 * its document) is bounded by that gap, recorded.
 */

import { randomBytes } from "node:crypto";
import type { ChangeStream, ChangeStreamDocument, Collection, Document, MongoClient } from "mongodb";
import type { LiveView } from "../faults/faultType.ts";
import type { LedgerSink } from "../ledger/fileLedger.ts";
import type { ObserveRecord } from "../ledger/records.ts";
import { ExitCode, HarnessError } from "../util/exitCodes.ts";
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
 * stream did not show; throws when the server refuses a change stream.
 */
export async function changeStreamMisses(client: MongoClient, withinMs = CHECK_WITHIN_MS): Promise<string[]> {
  const db = client.db(`harness_watch_${randomBytes(4).toString("hex")}`);
  const col = db.collection<{ _id: string; n: number }>("check");
  try {
    await col.insertOne({ _id: "x", n: 0 });
    // As the watcher reads: the document looked up (some servers' documentKey is not the key).
    const stream = col.watch([], { fullDocument: "updateLookup", maxAwaitTimeMS: 100 });
    try {
      await stream.tryNext();
      const writes: [op: string, id: string, write: () => Promise<unknown>][] = [
        ["insertOne", "a", () => col.insertOne({ _id: "a", n: 0 })],
        ["insertMany", "b", () => col.insertMany([{ _id: "b", n: 0 }])],
        ["updateOne", "x", () => col.updateOne({ _id: "x" }, { $set: { n: 1 } })],
        ["findOneAndUpdate", "a", () => col.findOneAndUpdate({ _id: "a" }, { $set: { n: 1 } })],
        [
          "findOneAndUpdate with upsert",
          "c",
          () => col.findOneAndUpdate({ _id: "c" }, { $setOnInsert: { n: 0 } }, { upsert: true }),
        ],
        ["updateMany", "b", () => col.updateMany({ _id: "b" }, { $set: { n: 1 } })],
      ];
      const expected = new Map<string, string>();
      for (const [op, id, write] of writes) {
        await write();
        expected.set(`${id}:${op.startsWith("insert") || op.endsWith("upsert") ? "insert" : "update"}`, op);
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

/** One read of the change stream: when it was sent and answered. */
interface StreamRead {
  sentAt: number;
  answeredAt: number;
}

export class CollectionObserver implements LiveView {
  private readonly last = new Map<string, { key: string; status: string }>();
  private samples = 0;
  private streamReads = 0;
  private maxGapMs = 0;
  private firstAt: number | null = null;
  private stopped = false;
  private loop: Promise<void> | undefined;
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
      this.loop = this.pollLoop(null);
      return `watching ${this.collection.collectionName} by reading it ${every} (no change stream to trust: ${opened.why})`;
    }
    this.loop = this.pollLoop(null);
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
      return { ok: false, why: `could not connect for one: ${oneLine(error)}` };
    }
    this.streamClient = client;
    // The stream's reads, in order, as the driver sends and the server answers them.
    const reads: StreamRead[] = [];
    const sent = new Map<number, number>();
    client.on("commandStarted", (e) => {
      if (e.commandName === "aggregate" || e.commandName === "getMore") sent.set(e.requestId, Date.now());
    });
    client.on("commandSucceeded", (e) => {
      const at = sent.get(e.requestId);
      if (at === undefined) return;
      sent.delete(e.requestId);
      reads.push({ sentAt: at, answeredAt: Date.now() });
    });
    client.on("commandFailed", (e) => sent.delete(e.requestId));
    const stream = client
      .db(opener.dbName)
      .collection(this.collection.collectionName)
      .watch([], { fullDocument: "updateLookup", maxAwaitTimeMS: this.everyMs });
    this.stream = stream;
    try {
      const misses = await (opener.check ?? changeStreamMisses)(client);
      if (misses.length > 0) {
        await this.closeStream();
        return {
          ok: false,
          why: `the server's change stream did not show ${misses.join(", ")} (measured on a database of the check's own, ${CHECK_WITHIN_MS / 1000} s after each write)`,
        };
      }
      const first = await stream.tryNext();
      if (first) this.pendingFirst = first;
      return { ok: true, stream, reads };
    } catch (error) {
      await this.closeStream();
      return { ok: false, why: `the server refused one: ${oneLine(error)}` };
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

  private async pollLoop(since: number | null): Promise<void> {
    let previous = since;
    while (!this.stopped) {
      const t = Date.now();
      try {
        await this.read(t);
        this.samples++;
        this.firstAt ??= t;
        if (previous !== null) this.maxGapMs = Math.max(this.maxGapMs, t - previous);
        previous = t;
      } catch {
        // The database is restarting or gone: the gap shows in maxGapMs.
      }
      await sleep(Math.max(0, this.everyMs - (Date.now() - t)));
    }
  }

  /**
   * The stream's loop: one full read first (the stream already runs, so nothing falls between),
   * then each change's document. A read of the stream that fails for good (the driver resumes
   * what it can) ends the stream: reads of the whole collection take over, the gap counted across.
   */
  private async streamLoop(stream: ChangeStream, reads: StreamRead[]): Promise<void> {
    const t0 = Date.now();
    await this.read(t0).catch(() => {});
    this.samples++;
    this.firstAt = t0;
    /** When the last full read (or read by id) ended: a stream read sent before it is read again. */
    let barrier = Date.now();
    let counted = 0;
    let previousSent: number | null = null;
    const account = () => {
      // Each stream read answered since: the gap from the read before's sending to its answer.
      for (; counted < reads.length; counted++) {
        const r = reads[counted] as StreamRead;
        if (previousSent !== null) this.maxGapMs = Math.max(this.maxGapMs, r.answeredAt - previousSent);
        previousSent = r.sentAt;
        this.streamReads++;
      }
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
          this.streamNote = `the change stream failed at ${new Date().toISOString()} (${oneLine(error)}); the whole collection was read from then on`;
          await this.closeStream();
          return this.pollLoop(previousSent ?? barrier);
        }
        account();
        if (!change) {
          await sleep(Math.max(0, this.everyMs - (Date.now() - asked)));
          continue;
        }
      }
      const doc = "fullDocument" in change ? change.fullDocument : undefined;
      const read = reads[reads.length - 1];
      change = undefined;
      if (!doc || !read) continue;
      if (read.sentAt >= barrier) {
        this.record(read.sentAt, doc);
        continue;
      }
      // Looked up before the last full read may have ended: its state may be older than that
      // read's. Read the document again instead, now.
      // The change came after the read before this one was sent (the first read: after it).
      const after = (reads[reads.length - 2] ?? read).sentAt;
      const t = Date.now();
      try {
        const again = await this.collection.findOne({ _id: doc._id }, { projection: { data: 0, result: 0 } });
        barrier = Date.now();
        this.maxGapMs = Math.max(this.maxGapMs, barrier - after);
        if (again) this.record(t, again);
      } catch {
        // The database is going away: the stream's own failure follows.
      }
    }
  }

  private record(t: number, d: Document): void {
    const o = observationOf(t, d);
    const k = key(o);
    if (this.last.get(o.jobId)?.key === k) return;
    this.last.set(o.jobId, { key: k, status: o.status });
    this.ledger.append(o);
  }

  private async read(t: number): Promise<void> {
    const docs = await this.collection.find({}, { projection: { data: 0, result: 0 } }).toArray();
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
    // A read of the stream waits at most everyMs for a change; closing ends it sooner.
    await this.closeStream();
    await this.loop?.catch(() => {});
    await this.read(Date.now()).catch(() => {});
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

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
