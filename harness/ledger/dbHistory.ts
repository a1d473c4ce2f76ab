/**
 * Reading a database ledger (see mongoLedger.ts): after the run, every batch into one history on
 * the server's clock, validated line by line exactly as a ledger folder is; during the run, the
 * batches as they arrive, for the live picture the harness acts on.
 */
import type { Collection, Filter } from "mongodb";
import { type ClockSample, onServerClock, type RunClocks, runClocks, writerOf } from "./clockOffsets.ts";
import { type History, parseLedgerText } from "./history.ts";
import type { LiveLedger } from "./liveLedger.ts";
import type { LedgerBatch } from "./mongoLedger.ts";
import type { LedgerRecord } from "./records.ts";

/** A database ledger's history, and the clocks that put it on the server's time. */
export interface DbHistory {
  history: History;
  clocks: RunClocks;
}

/**
 * Every batch of the ledger, in each writer's order: each writer's clock offset is estimated from
 * its samples, each record put on the server's clock, and the whole validated and ordered like a
 * ledger folder's lines (an invalid record is counted and kept, never dropped).
 */
export async function readDbLedger(collection: Collection<LedgerBatch>, harness: string): Promise<DbHistory> {
  const batches = await collection.find({}).sort({ instance: 1, seq: 1 }).toArray();
  const samples = new Map<string, { host: string; samples: ClockSample[] }>();
  const records: LedgerRecord[] = [];
  for (const b of batches) {
    const entry = samples.get(b.instance) ?? { host: b.host, samples: [] };
    entry.samples.push(...(b.clock ?? []));
    samples.set(b.instance, entry);
    records.push(...(b.records ?? []));
  }
  const writers = records.map((r) => writerOf(r, harness));
  const clocks = runClocks(harness, samples, writers);
  const text = onServerClock(records, clocks)
    .map((r) => JSON.stringify(r))
    .join("\n");
  return { history: parseLedgerText(text, "ledger"), clocks };
}

/**
 * Feeds a live ledger from the database while the run goes on: each poll reads the batches written
 * since the last one (per writer, in order of their sequence numbers) and applies their records.
 */
export class DbLedgerFollower {
  private readonly next = new Map<string, number>();
  private busy: Promise<void> | undefined;

  constructor(
    private readonly collection: Collection<LedgerBatch>,
    private readonly live: LiveLedger,
  ) {}

  /** Reads what arrived; a poll while one is under way waits for that one. */
  poll(): Promise<void> {
    this.busy ??= this.read().finally(() => {
      this.busy = undefined;
    });
    return this.busy;
  }

  private async read(): Promise<void> {
    const known = [...this.next];
    const filter: Filter<LedgerBatch> = {
      $or: [
        { instance: { $nin: known.map(([i]) => i) } },
        ...known.map(([instance, seq]) => ({ instance, seq: { $gte: seq } })),
      ],
    };
    const batches = await this.collection
      .find(filter, { projection: { instance: 1, seq: 1, records: 1 } })
      .sort({ instance: 1, seq: 1 })
      .toArray();
    for (const b of batches) {
      const expected = this.next.get(b.instance) ?? 0;
      // A batch past a gap waits for the one before it (written, not yet visible).
      if (b.seq !== expected) continue;
      this.next.set(b.instance, expected + 1);
      this.live.ingest(b.records ?? []);
    }
  }
}
