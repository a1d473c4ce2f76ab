import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type LedgerRecord, recordSchemas } from "./records.ts";

/** Something wrong with a history: each one is counted, shown, and makes a pass unknown. */
export interface HistoryProblem {
  kind:
    | "unreadable-line"
    | "unknown-type"
    | "invalid-record"
    | "duplicate-start"
    | "end-without-start"
    | "ack-without-start"
    | "end-before-start"
    | "ack-before-start"
    | "double-end"
    | "double-ack"
    | "duplicate-request"
    | "after-death"
    | "unpaired-window"
    | "mismatched-execution";
  message: string;
  /** Where the line came from (file:line), for lines that could not be read. */
  where?: string;
  execId?: string;
  jobId?: string;
}

/**
 * How far a process's own record may come after the harness recorded its death (kill or exit) and
 * still be read as written before it: the kill is dated after the signal, and the worker stamps its
 * records on the harness's clock from an anchor (sub-millisecond truncation, slow slew). A record
 * later than this says the process outlived its recorded death.
 */
export const DEATH_SLACK_MS = 100;

/** The merged, time-ordered records of one run, and everything that was wrong with them. */
export interface History {
  records: LedgerRecord[];
  /** Lines that are not valid records, verbatim: saved with the history so a re-read finds them. */
  rejected: string[];
  problems: HistoryProblem[];
}

/** At most this many characters of a rejected line are quoted in a problem's message. */
const QUOTE = 80;

function quote(line: string): string {
  return JSON.stringify(line.length > QUOTE ? `${line.slice(0, QUOTE)}…` : line);
}

/** Validates one line: a record, or the problem with it. */
function parseLine(line: string, where: string): LedgerRecord | HistoryProblem {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: "unreadable-line", where, message: `${where}: not JSON: ${quote(line)}` };
  }
  const type = (value as { type?: unknown } | null)?.type;
  const schema = typeof type === "string" ? recordSchemas[type] : undefined;
  if (!schema) {
    return {
      kind: "unknown-type",
      where,
      message: `${where}: not a record of a known type (type ${JSON.stringify(type ?? null)}): ${quote(line)}`,
    };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join(".") || "(record)"}: ${i.message}`)
      .join("; ");
    return { kind: "invalid-record", where, message: `${where}: invalid ${type} record (${issues})` };
  }
  return parsed.data as LedgerRecord;
}

/** Reads JSONL text into records, keeping every line that is not a valid record and why. */
function readLines(text: string, source: string, into: History): void {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === "") continue;
    const out = parseLine(line, `${source}:${i + 1}`);
    if ("kind" in out && !("type" in out)) {
      into.rejected.push(line);
      into.problems.push(out);
    } else into.records.push(out as LedgerRecord);
  }
}

/**
 * Checks how the records fit together: every end and ack belongs to a start of the same
 * execution (the same job, on the same process instance), comes after it, and comes once; every request is recorded once; no process instance
 * writes a record after the harness recorded its death (see DEATH_SLACK_MS); every fault window
 * has one begin and one end.
 */
export function structuralProblems(records: readonly LedgerRecord[]): HistoryProblem[] {
  const problems: HistoryProblem[] = [];
  const firstDeath = new Map<string, number>();
  for (const r of records) {
    const dead = (r.type === "fault" && r.action === "kill") || (r.type === "process" && r.event === "exit");
    if (dead && !(r.t >= (firstDeath.get(r.instance) ?? Number.POSITIVE_INFINITY)))
      firstDeath.set(r.instance, r.t);
  }
  for (const r of records) {
    if (
      r.type !== "start" &&
      r.type !== "end" &&
      r.type !== "ack" &&
      r.type !== "worker-error" &&
      r.type !== "stalled"
    )
      continue;
    const death = firstDeath.get(r.instance);
    if (death === undefined || r.t <= death + DEATH_SLACK_MS) continue;
    const what =
      "execId" in r ? `its ${r.type} of execution ${r.execId} (job ${r.jobId})` : `a ${r.type} record`;
    problems.push({
      kind: "after-death",
      ...("execId" in r ? { execId: r.execId } : {}),
      ...("jobId" in r ? { jobId: r.jobId } : {}),
      message: `process instance ${r.instance} wrote ${what} at ${r.t}, ${r.t - death} ms after its death was recorded at ${death}`,
    });
  }
  const starts = new Map<string, number>();
  const startOf = new Map<string, { jobId: string; instance: string }>();
  const ends = new Set<string>();
  const acks = new Set<string>();
  const requests = new Set<string>();
  for (const r of records)
    if (r.type === "start" && !starts.has(r.execId)) {
      starts.set(r.execId, r.t);
      startOf.set(r.execId, { jobId: r.jobId, instance: r.instance });
    }
  // Every fault window is healed, or says it could not be, before the history is read: a begin
  // without its end (or an end without its begin) leaves the window's extent a guess.
  const windows = new Map<string, { begins: number; ends: number; fault: string; t: number }>();
  for (const r of records) {
    if (r.type !== "fault" || (r.action !== "begin" && r.action !== "end")) continue;
    const w = windows.get(r.window) ?? { begins: 0, ends: 0, fault: r.fault, t: r.t };
    if (r.action === "begin") w.begins++;
    else w.ends++;
    windows.set(r.window, w);
  }
  for (const [window, w] of windows) {
    if (w.begins === 1 && w.ends === 1) continue;
    problems.push({
      kind: "unpaired-window",
      message: `fault window ${window} (${w.fault}, from ${w.t}) has ${w.begins} begin and ${w.ends} end record(s), not one of each`,
    });
  }
  const seenStart = new Set<string>();
  for (const r of records) {
    if (r.type === "start") {
      if (seenStart.has(r.execId))
        problems.push({
          kind: "duplicate-start",
          execId: r.execId,
          jobId: r.jobId,
          message: `execution ${r.execId} (job ${r.jobId}) has more than one start record`,
        });
      seenStart.add(r.execId);
    } else if (r.type === "end" || r.type === "ack") {
      const start = starts.get(r.execId);
      const what = r.type === "end" ? "end" : "acknowledgement";
      if (start === undefined) {
        problems.push({
          kind: r.type === "end" ? "end-without-start" : "ack-without-start",
          execId: r.execId,
          jobId: r.jobId,
          message: `the ${what} of execution ${r.execId} (job ${r.jobId}) has no start record`,
        });
      } else if (startOf.get(r.execId)?.jobId !== r.jobId || startOf.get(r.execId)?.instance !== r.instance) {
        const of = startOf.get(r.execId);
        problems.push({
          kind: "mismatched-execution",
          execId: r.execId,
          jobId: r.jobId,
          message: `the ${what} of execution ${r.execId} names job ${r.jobId} on ${r.instance}, its start job ${of?.jobId} on ${of?.instance}`,
        });
      } else if (r.t < start) {
        problems.push({
          kind: r.type === "end" ? "end-before-start" : "ack-before-start",
          execId: r.execId,
          jobId: r.jobId,
          message: `the ${what} of execution ${r.execId} (job ${r.jobId}) at ${r.t} comes before its start at ${start}`,
        });
      }
      const seen = r.type === "end" ? ends : acks;
      if (seen.has(r.execId)) {
        problems.push({
          kind: r.type === "end" ? "double-end" : "double-ack",
          execId: r.execId,
          jobId: r.jobId,
          message: `execution ${r.execId} (job ${r.jobId}) has a second ${what}`,
        });
      }
      seen.add(r.execId);
    } else if (r.type === "accept") {
      if (requests.has(r.request))
        problems.push({
          kind: "duplicate-request",
          jobId: r.jobId,
          message: `request ${r.request} is recorded as accepted more than once`,
        });
      requests.add(r.request);
    }
  }
  return problems;
}

/** Orders records by time (stable) and adds the structural problems. */
function finish(history: History): History {
  history.records.sort((a, b) => a.t - b.t);
  history.problems.push(...structuralProblems(history.records));
  return history;
}

/** Parses a saved history (JSONL); every line that is not a valid record is counted and kept. */
export function parseLedgerText(text: string, source = "history.jsonl"): History {
  const history: History = { records: [], rejected: [], problems: [] };
  readLines(text, source, history);
  return finish(history);
}

/** Merges every `*.jsonl` file in a ledger directory into one history ordered by time (stable). */
export function readLedgerDir(dir: string): History {
  const history: History = { records: [], rejected: [], problems: [] };
  if (!existsSync(dir)) return finish(history);
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl") && statSync(join(dir, f)).isFile())
    .sort()) {
    readLines(readFileSync(join(dir, file), "utf8"), file, history);
  }
  return finish(history);
}

/** A history built from records in memory (tests, synthetic histories): sorted and checked. */
export function historyOf(records: readonly LedgerRecord[]): History {
  return finish({ records: [...records], rejected: [], problems: [] });
}

/**
 * Writes a merged history as JSONL: the records in time order, then every rejected line verbatim,
 * so that reading the file again finds the same records and the same problems.
 */
export function writeHistory(path: string, history: History): void {
  const lines = [...history.records.map((r) => JSON.stringify(r)), ...history.rejected];
  writeFileSync(path, lines.join("\n") + (lines.length ? "\n" : ""));
}

/** Counts of a history's problems by kind, for result.json. */
export function problemCounts(history: History): Partial<Record<HistoryProblem["kind"], number>> {
  const out: Partial<Record<HistoryProblem["kind"], number>> = {};
  for (const p of history.problems) out[p.kind] = (out[p.kind] ?? 0) + 1;
  return out;
}
