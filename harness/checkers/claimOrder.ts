import type { ProcessRecord } from "../ledger/records.ts";
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

/** Slots (Scheduler workers) of processes that were up, as a step function over time. */
export function aliveSlotsAt(
  t: number,
  processes: readonly ProcessRecord[],
  kills: readonly { t: number; pid: number }[],
) {
  let slots = 0;
  for (const p of processes) {
    if (p.event !== "ready" || p.t > t) continue;
    const gone =
      processes.some((q) => q.event === "exit" && q.pid === p.pid && q.t <= t) ||
      kills.some((k) => k.pid === p.pid && k.t <= t);
    if (!gone) slots += p.slots;
  }
  return slots;
}

/**
 * The longest stretch inside [from, to) during which fewer executions were alive than there were
 * worker slots (and `eligible` held): a worker that could have claimed a job and did not.
 */
export function longestFreeSlotGap(
  from: number,
  to: number,
  executions: readonly Execution[],
  processes: readonly ProcessRecord[],
  kills: readonly { t: number; pid: number }[],
  eligible: (t: number) => boolean = () => true,
): { ms: number; at: number | null } {
  if (to <= from) return { ms: 0, at: null };
  const points = new Set<number>([from, to]);
  for (const e of executions) for (const t of [e.start, e.stop]) if (t > from && t < to) points.add(t);
  for (const p of processes) if (p.t > from && p.t < to) points.add(p.t);
  for (const k of kills) if (k.t > from && k.t < to) points.add(k.t);
  const sorted = [...points].sort((a, b) => a - b);
  let best = { ms: 0, at: null as number | null };
  let gapStart: number | null = null;
  for (let i = 0; i < sorted.length - 1; i++) {
    const t = sorted[i] as number;
    const live = executions.filter((e) => e.start <= t && t < e.stop).length;
    const free = live < aliveSlotsAt(t, processes, kills) && eligible(t);
    if (free && gapStart === null) gapStart = t;
    if (!free && gapStart !== null) {
      if (t - gapStart > best.ms) best = { ms: t - gapStart, at: gapStart };
      gapStart = null;
    }
  }
  if (gapStart !== null && to - gapStart > best.ms) best = { ms: to - gapStart, at: gapStart };
  return best;
}
