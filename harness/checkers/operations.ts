/**
 * What the checkers of operations (stop-handover, scaling, db-reconnect) read from a history beside
 * the executions: the operation records, the fault windows of a kind, the backlog of jobs waiting,
 * and completions over time.
 */
import type { History } from "../ledger/history.ts";
import type {
  AcceptRecord,
  OpStartRecord,
  OpStepRecord,
  OpStopRecord,
  WindowRecord,
} from "../ledger/records.ts";
import type { Execution } from "./executions.ts";
import { Steps } from "./steps.ts";

/** The operation records of a history, by action, in time order. */
export function opRecords(history: History): {
  stops: OpStopRecord[];
  starts: OpStartRecord[];
  steps: OpStepRecord[];
} {
  const out = { stops: [] as OpStopRecord[], starts: [] as OpStartRecord[], steps: [] as OpStepRecord[] };
  for (const r of history.records) {
    if (r.type !== "op") continue;
    if (r.action === "stop") out.stops.push(r);
    else if (r.action === "start") out.starts.push(r);
    else out.steps.push(r);
  }
  return out;
}

/** One fault window, begin to end, with what its end record said. */
export interface WindowSpan {
  window: string;
  fault: string;
  from: number;
  /** Its end record's time; the end of the run when it has none. */
  to: number;
  detail: Record<string, unknown>;
}

/** The fault windows of the given kinds, in the order they began. */
export function windowsOf(history: History, faults: readonly string[], runEndedAt: number): WindowSpan[] {
  const open = new Map<string, WindowRecord>();
  const out: WindowSpan[] = [];
  for (const r of history.records) {
    if (r.type !== "fault" || (r.action !== "begin" && r.action !== "end") || !faults.includes(r.fault))
      continue;
    if (r.action === "begin") open.set(r.window, r);
    else {
      const begin = open.get(r.window);
      open.delete(r.window);
      out.push({ window: r.window, fault: r.fault, from: begin?.t ?? r.t, to: r.t, detail: r.detail ?? {} });
    }
  }
  for (const b of open.values())
    out.push({ window: b.window, fault: b.fault, from: b.t, to: runEndedAt, detail: {} });
  return out.sort((a, b) => a.from - b.from);
}

/** Each accepted job's first accept, and the time it was due: its acceptance (jobs run at once). */
export function acceptsByJob(history: History): Map<string, AcceptRecord> {
  const out = new Map<string, AcceptRecord>();
  for (const r of history.records) if (r.type === "accept" && !out.has(r.jobId)) out.set(r.jobId, r);
  return out;
}

/**
 * Jobs waiting over time: accepted and not yet started (each job counted from its acceptance, or
 * its nextRunAt if later, to its first start). A step function; the count is 0 before any accept.
 */
export function backlogSteps(history: History, byJob: ReadonlyMap<string, readonly Execution[]>): Steps {
  const events: { t: number; d: number }[] = [];
  for (const [jobId, accept] of acceptsByJob(history)) {
    const first = byJob.get(jobId)?.[0];
    const due = Math.max(accept.t, first?.nextRunAt ?? accept.t);
    if (first && first.start <= due) continue; // started before it could wait (or in the same ms)
    events.push({ t: due, d: 1 });
    if (first) events.push({ t: first.start, d: -1 });
  }
  return new Steps(events);
}

/** The time inside [from, to) during which `steps` was above 0 (ms). */
export function positiveMs(steps: Steps, from: number, to: number): number {
  if (to <= from) return 0;
  let total = 0;
  let at = from;
  for (const t of [...steps.changesIn(from, to), to]) {
    if (steps.at(at) > 0) total += t - at;
    at = t;
  }
  return total;
}

/** The times of the successful acknowledgements, ascending. */
export function completionTimes(history: History): number[] {
  const out: number[] = [];
  for (const r of history.records) if (r.type === "ack" && r.outcome === "success") out.push(r.t);
  return out.sort((a, b) => a - b);
}

/** How many of the sorted times fall in [from, to). */
export function countIn(sorted: readonly number[], from: number, to: number): number {
  const first = (t: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return Math.max(0, first(to) - first(from));
}

/** Per second over [from, to), one decimal; null for an empty stretch. */
export function perSec(count: number, from: number, to: number): number | null {
  return to > from ? Math.round((count * 10_000) / (to - from)) / 10 : null;
}

export const iso = (t: number) => new Date(t).toISOString();
