import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LedgerRecord } from "./records.ts";

/** The merged, time-ordered records of one run, plus what could not be read. */
export interface History {
  records: LedgerRecord[];
  /** Lines that were not valid JSON (e.g. a torn last line); any makes the checkers' verdict uncertain. */
  corruptLines: number;
}

/** Parses JSONL text; a final line cut by a crash counts as corrupt instead of throwing. */
export function parseLedgerText(text: string): History {
  const records: LedgerRecord[] = [];
  let corruptLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      records.push(JSON.parse(line) as LedgerRecord);
    } catch {
      corruptLines++;
    }
  }
  return { records, corruptLines };
}

/** Merges every `*.jsonl` file in a ledger directory into one history ordered by time (stable). */
export function readLedgerDir(dir: string): History {
  const merged: History = { records: [], corruptLines: 0 };
  if (!existsSync(dir)) return merged;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()) {
    const part = parseLedgerText(readFileSync(join(dir, file), "utf8"));
    merged.records.push(...part.records);
    merged.corruptLines += part.corruptLines;
  }
  merged.records.sort((a, b) => a.t - b.t);
  return merged;
}

/** Writes a merged history as JSONL. */
export function writeHistory(path: string, history: History): void {
  writeFileSync(
    path,
    history.records.map((r) => JSON.stringify(r)).join("\n") + (history.records.length ? "\n" : ""),
  );
}
