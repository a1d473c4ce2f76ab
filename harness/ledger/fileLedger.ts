import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { LedgerRecord } from "./records.ts";

/** Where ledger records go. A MongoDB-backed sink can stand in for workers on other machines. */
export interface LedgerSink {
  append(record: LedgerRecord): void;
  close(): void;
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
