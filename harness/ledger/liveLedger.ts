import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { type JobKind, kindsOf } from "./jobKinds.ts";
import type { AcceptRecord, LedgerRecord, StartRecord } from "./records.ts";

/**
 * Follows a ledger directory while the run goes on: each `poll()` reads only the bytes appended
 * since the last one, and keeps the running picture the harness acts on (which jobs are executing
 * where, which are done). The checkers never use it; they read the merged history after the run.
 */
export class LiveLedger {
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  /** execId → the start record of executions that have not ended. */
  readonly open = new Map<string, StartRecord>();
  /** What the load's accept records said of each job, for the kinds of its executions. */
  private readonly accepts = new Map<string, AcceptRecord>();
  /** Jobs the scheduler acknowledged as finished for good (success or final failure). */
  readonly finished = new Set<string>();
  readonly accepted = new Set<string>();

  /** `dir`: the ledger folder to follow; none when the records arrive through `ingest` (a database ledger). */
  constructor(private readonly dir?: string) {}

  /** Applies records read elsewhere (a database ledger's batches). */
  ingest(records: readonly LedgerRecord[]): void {
    for (const r of records) this.apply(r);
  }

  /** Reads what was appended since the last call and returns those records. */
  poll(): LedgerRecord[] {
    if (this.dir === undefined || !existsSync(this.dir)) return [];
    const dir = this.dir;
    const fresh: LedgerRecord[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".jsonl"))) {
      const path = join(dir, file);
      const from = this.offsets.get(file) ?? 0;
      const size = statSync(path).size;
      if (size <= from) continue;
      const buffer = Buffer.alloc(size - from);
      const fd = openSync(path, "r");
      try {
        readSync(fd, buffer, 0, buffer.length, from);
      } finally {
        closeSync(fd);
      }
      this.offsets.set(file, size);
      const text = (this.partial.get(file) ?? "") + buffer.toString("utf8");
      const lines = text.split("\n");
      this.partial.set(file, lines.pop() ?? "");
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          fresh.push(JSON.parse(line) as LedgerRecord);
        } catch {
          // A torn line is counted by the merged history; here it only delays a decision.
        }
      }
    }
    for (const r of fresh) this.apply(r);
    return fresh;
  }

  private apply(r: LedgerRecord): void {
    if (r.type === "start") this.open.set(r.execId, r);
    else if (r.type === "end") this.open.delete(r.execId);
    else if (r.type === "ack" && r.outcome !== "retry") this.finished.add(r.jobId);
    else if (r.type === "accept") {
      this.accepted.add(r.jobId);
      this.accepts.set(r.jobId, r);
    } else if (r.type === "fault" && r.action === "kill") {
      for (const [execId, e] of this.open) if (e.instance === r.instance) this.open.delete(execId);
    }
  }

  /** What a process instance is executing now (a start without an end). */
  inFlight(instance: string): { execId: string; jobId: string }[] {
    return [...this.open]
      .filter(([, e]) => e.instance === instance)
      .map(([execId, e]) => ({ execId, jobId: e.jobId }));
  }

  /** The jobs a process instance is executing now: their names and kinds (fault targets by job). */
  running(instance: string): { name: string; kinds: JobKind[] }[] {
    // Kinds from the accept as known now: a worker's start may be read before the load's accept.
    return [...this.open.values()]
      .filter((e) => e.instance === instance)
      .map((e) => ({ name: e.name, kinds: kindsOf(this.accepts.get(e.jobId), e) }));
  }

  /** How many accepted jobs the scheduler has finished for good. */
  finishedCount(): number {
    let n = 0;
    for (const id of this.accepted) if (this.finished.has(id)) n++;
    return n;
  }
}
