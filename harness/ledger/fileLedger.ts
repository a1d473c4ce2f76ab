import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { LedgerRecord } from "./records.ts";

/** Where ledger records go: a file per process (below), or a database for writers on other machines (mongoLedger.ts). */
export interface LedgerSink {
  append(record: LedgerRecord): void;
  /**
   * Resolves once every record appended so far is durable, where appending alone does not make it
   * so (a database sink batches); absent where `append` is durable already.
   */
  flush?(): Promise<void>;
  close(): void;
}

/** Wraps a sink so that every record is stamped with `clock`, whatever time its writer gave it. */
export function stampedWith(sink: LedgerSink, clock: () => number): LedgerSink {
  return {
    append: (record: LedgerRecord) => sink.append({ ...record, t: clock() }),
    ...(sink.flush ? { flush: () => (sink.flush as () => Promise<void>)() } : {}),
    close: () => sink.close(),
  };
}

/**
 * Appends one JSON line per record with a synchronous write to an open descriptor, so a line the
 * call returned from is in the kernel's hands and survives a SIGKILL of the process.
 */
export class FileLedger implements LedgerSink {
  private fd: number | undefined;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, "a");
  }

  append(record: LedgerRecord): void {
    if (this.fd === undefined) throw new Error(`ledger ${this.path} is closed`);
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A sink that drops everything: for runs with the ledger off and for tests. */
export const nullLedger: LedgerSink = { append() {}, close() {} };
