import type { FaultRecord, LedgerRecord, ProcessRecord } from "../ledger/records.ts";
import type { Execution } from "./executions.ts";

/**
 * The scheduler's claim order (mongo-job-scheduler 1.x `findAndLockNext`): jobs without a
 * concurrency limit first, by (priority, nextRunAt); only when none is claimable, limited jobs by
 * (priority, nextRunAt), skipping names whose running count is at their limit.
 */
export function sortsBefore(
  a: Pick<Execution, "priority" | "nextRunAt">,
  b: Pick<Execution, "priority" | "nextRunAt">,
) {
  return a.priority < b.priority || (a.priority === b.priority && a.nextRunAt < b.nextRunAt);
}

/**
 * The number of jobs named `name` the database holds as running at time t: live executions until
 * their acknowledgement, and executions whose process died, until the job is claimed again or a
 * restarted process's start-up recovery releases its expired lock.
 */
export function runningCount(
  name: string,
  t: number,
  executions: readonly Execution[],
  readyTimes: readonly number[],
  lockTimeoutMs: number,
): number {
  let count = 0;
  for (const x of executions) {
    if (x.name !== name || x.start > t) continue;
    if (x.diedAt === undefined) {
      if (t < (x.ackT ?? x.stop)) count++;
      continue;
    }
    const next =
      executions.find((y) => y.jobId === x.jobId && y.start > x.start)?.start ?? Number.POSITIVE_INFINITY;
    const released =
      readyTimes.find((r) => r >= (x.diedAt as number) + lockTimeoutMs) ?? Number.POSITIVE_INFINITY;
    if (t < Math.min(next, released)) count++;
  }
  return count;
}

/**
 * Whether claiming `j` at its start passed over `v`, which was claimable then by the claim order:
 * evidence that `v` was not recovered when it could have been.
 */
export function passesOver(
  j: Execution,
  v: Execution,
  executions: readonly Execution[],
  readyTimes: readonly number[],
  lockTimeoutMs: number,
): boolean {
  if (v.concurrency == null) return j.concurrency != null || sortsBefore(v, j);
  if (j.concurrency == null) return false;
  if (!sortsBefore(v, j)) return false;
  if (j.name === v.name) return true;
  return runningCount(v.name, j.start, executions, readyTimes, lockTimeoutMs) < v.concurrency;
}

/** What the free-worker count needs from a history besides the executions. */
export interface Liveness {
  processes: readonly ProcessRecord[];
  faults: readonly FaultRecord[];
}

/** The liveness records of a history: process up/down and kill/pause faults. */
export function livenessOf(records: readonly LedgerRecord[]): Liveness {
  return {
    processes: records.filter((r): r is ProcessRecord => r.type === "process"),
    faults: records.filter((r): r is FaultRecord => r.type === "fault"),
  };
}

function processUp(pid: number, t: number, live: Liveness): boolean {
  const ready = live.processes.some((p) => p.pid === pid && p.event === "ready" && p.t <= t);
  const gone =
    live.processes.some((p) => p.pid === pid && p.event === "exit" && p.t <= t) ||
    live.faults.some((f) => f.pid === pid && f.action === "kill" && f.t <= t);
  const pause = live.faults
    .filter((f) => f.pid === pid && (f.action === "pause" || f.action === "resume") && f.t <= t)
    .at(-1);
  return ready && !gone && pause?.action !== "pause";
}

/**
 * Scheduler workers that could have claimed a job at time t: their process was up and not frozen,
 * they had claimed before (a worker counts from its first claim on: before it, it is still
 * opening connections and compiling code), and they were not executing anything.
 */
export function freeWorkersAt(t: number, executions: readonly Execution[], live: Liveness): number {
  const workers = new Map<string, { pid: number; first: number; busy: boolean }>();
  for (const e of executions) {
    const w = workers.get(e.workerId) ?? { pid: e.pid, first: e.start, busy: false };
    w.first = Math.min(w.first, e.start);
    if (e.start <= t && t < e.stop) w.busy = true;
    workers.set(e.workerId, w);
  }
  let free = 0;
  for (const w of workers.values()) if (w.first <= t && !w.busy && processUp(w.pid, t, live)) free++;
  return free;
}

/**
 * The longest stretch inside [from, to) during which a worker stood free (see freeWorkersAt) and
 * `eligible` held: a worker that could have claimed a job and did not.
 */
export function longestFreeSlotGap(
  from: number,
  to: number,
  executions: readonly Execution[],
  live: Liveness,
  eligible: (t: number) => boolean = () => true,
): { ms: number; at: number | null } {
  if (to <= from) return { ms: 0, at: null };
  const points = new Set<number>([from, to]);
  for (const e of executions) for (const t of [e.start, e.stop]) if (t > from && t < to) points.add(t);
  for (const r of [...live.processes, ...live.faults]) if (r.t > from && r.t < to) points.add(r.t);
  const sorted = [...points].sort((a, b) => a - b);
  let best = { ms: 0, at: null as number | null };
  let gapStart: number | null = null;
  for (let i = 0; i < sorted.length - 1; i++) {
    const t = sorted[i] as number;
    const free = freeWorkersAt(t, executions, live) > 0 && eligible(t);
    if (free && gapStart === null) gapStart = t;
    if (!free && gapStart !== null) {
      if (t - gapStart > best.ms) best = { ms: t - gapStart, at: gapStart };
      gapStart = null;
    }
  }
  if (gapStart !== null && to - gapStart > best.ms) best = { ms: to - gapStart, at: gapStart };
  return best;
}
