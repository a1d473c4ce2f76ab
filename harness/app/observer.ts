/**
 * Watches the service's job documents through the run: the whole collection read every few tens of
 * milliseconds, and an observe record written for each document that is new or whose status,
 * attempts, lock, claim time or error changed. Claims carry the database's own times (lastRunAt,
 * lockUntil, updatedAt), so the checkers do not depend on when a read happened to come; what a read
 * can miss (a claim that came and went between two) is bounded by the longest gap, recorded.
 */
import type { Collection, Document } from "mongodb";
import type { LiveView } from "../faults/faultType.ts";
import type { LedgerSink } from "../ledger/fileLedger.ts";
import type { ObserveRecord } from "../ledger/records.ts";
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

export class CollectionObserver implements LiveView {
  private readonly last = new Map<string, { key: string; status: string }>();
  private samples = 0;
  private maxGapMs = 0;
  private firstAt: number | null = null;
  private stopped = false;
  private loop: Promise<void> | undefined;
  readonly seesExecutions = false;
  /** The job ids the load was answered with: the finished count is theirs. */
  readonly accepted = new Set<string>();

  constructor(
    private readonly collection: Collection,
    private readonly ledger: LedgerSink,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.loop = (async () => {
      let previous: number | null = null;
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
    })();
  }

  private async read(t: number): Promise<void> {
    const docs = await this.collection.find({}, { projection: { data: 0, result: 0 } }).toArray();
    for (const d of docs) {
      const o = observationOf(t, d);
      const k = key(o);
      if (this.last.get(o.jobId)?.key === k) continue;
      this.last.set(o.jobId, { key: k, status: o.status });
      this.ledger.append(o);
    }
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
    await this.loop;
    await this.read(Date.now()).catch(() => {});
    this.ledger.append({
      type: "observer",
      t: Date.now(),
      collection: collectionName,
      samples: this.samples,
      everyMs: this.everyMs,
      maxGapMs: this.maxGapMs,
      firstAt: this.firstAt,
    });
  }
}
