/**
 * What each fault struck: the kinds and names of the jobs in flight on its targets when it began
 * (the ledger's fault records carry them), and the table of a run (fault type × job kind: how many
 * strikes hit at least one job of that kind; `idle` when none was in flight). `explore` adds the
 * tables of its runs up, so that a few seeds show which compositions were exercised.
 */

import type { History } from "../ledger/history.ts";
import { type JobKind, kindsOf } from "../ledger/jobKinds.ts";
import type { AcceptRecord, StartRecord } from "../ledger/records.ts";

export type CoverageTable = Record<string, Partial<Record<JobKind | "idle", number>>>;

export interface FaultStrike {
  /** The fault window (or kill) id, and its type. */
  id: string;
  fault: string;
  t: number;
  kinds: JobKind[];
  names: string[];
}

export interface FaultCoverage {
  strikes: FaultStrike[];
  table: CoverageTable;
}

export function faultCoverage(history: History): FaultCoverage {
  // A service seen from outside (app mode): what its instances ran when struck is not known, and
  // its fault records carry no jobs in flight; saying "idle" would be a guess.
  if (history.records.some((r) => r.type === "observer")) return { strikes: [], table: {} };
  const accepts = new Map<string, AcceptRecord>();
  const starts = new Map<string, StartRecord>();
  const ends = new Map<string, number>();
  for (const r of history.records) {
    if (r.type === "accept") accepts.set(r.jobId, r);
    else if (r.type === "start") starts.set(r.execId, r);
    else if (r.type === "end") ends.set(r.execId, r.t);
  }
  const strikes: FaultStrike[] = [];
  for (const r of history.records) {
    if (r.type !== "fault" || (r.action !== "kill" && r.action !== "begin") || !r.inFlight) continue;
    // The live view the fault read may lag a poll behind: an execution that had ended was not struck.
    const jobs = r.inFlight.flatMap((e) => {
      const start = starts.get(e.execId);
      const ended = ends.get(e.execId);
      if (!start || (ended !== undefined && ended < r.t)) return [];
      return [{ name: start.name, kinds: kindsOf(accepts.get(start.jobId), start) }];
    });
    strikes.push({
      id: r.action === "kill" ? `kill@${r.proc}@${r.t}` : r.window,
      fault: r.fault,
      t: r.t,
      kinds: [...new Set(jobs.flatMap((j) => j.kinds))].sort(),
      names: [...new Set(jobs.map((j) => j.name))].sort(),
    });
  }
  const table: CoverageTable = {};
  for (const s of strikes) addStrike(table, s.fault, s.kinds.length ? s.kinds : ["idle"], 1);
  return { strikes, table };
}

/** Adds `n` strikes of `fault` on `kinds` to a table. */
function addStrike(
  table: CoverageTable,
  fault: string,
  kinds: readonly (JobKind | "idle")[],
  n: number,
): void {
  const row = table[fault] ?? {};
  for (const k of kinds) row[k] = (row[k] ?? 0) + n;
  table[fault] = row;
}

/** The sum of several runs' tables. */
export function addTables(tables: readonly (CoverageTable | undefined)[]): CoverageTable {
  const out: CoverageTable = {};
  for (const t of tables)
    for (const [fault, row] of Object.entries(t ?? {}))
      for (const [kind, n] of Object.entries(row)) addStrike(out, fault, [kind as JobKind], n ?? 0);
  return out;
}
