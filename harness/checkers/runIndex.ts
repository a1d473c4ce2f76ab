import type { History } from "../ledger/history.ts";
import { type ClaimOrder, passesOver } from "./claimOrder.ts";
import {
  buildExecutions,
  deathsByInstance,
  type Execution,
  executionsByJob,
  windowsByInstance,
  workerKey,
} from "./executions.ts";

export { workerKey } from "./executions.ts";

import { Steps } from "./steps.ts";

/** An unavailable stretch of one process instance (a fault window: frozen, partitioned, …). */
export interface Unavailable {
  from: number;
  to: number;
  fault: string;
}

/**
 * What every checker of a run asks of its history, computed once (O(n log n)) and queried in
 * O(log n): the executions by job and by start, the next run of each execution's job, the free
 * worker slots over time, the database's running count per job name over time, and when each
 * process instance was up and available.
 */
export class RunIndex {
  readonly executions: Execution[];
  readonly byJob: Map<string, Execution[]>;
  /** Start times of `executions`, ascending. */
  readonly starts: number[];
  /** Per instance: first ready time. */
  readonly readyAt = new Map<string, number>();
  /** Every ready time of every instance, ascending (restarted processes release expired locks). */
  readonly readyTimes: number[];
  readonly deaths: Map<string, number[]>;
  /** Unavailable windows per instance (see WindowRecord). */
  readonly unavailable: Map<string, Unavailable[]>;
  private readonly next = new Map<string, number>();
  private workers?: Map<string, Execution[]>;
  private positions?: Map<Execution, number>;
  private free?: Steps;
  private claimP99?: number;
  private readonly running = new Map<string, Steps>();

  constructor(
    readonly history: History,
    readonly runEndedAt: number,
    readonly lockTimeoutMs: number,
  ) {
    this.executions = buildExecutions(history, runEndedAt);
    this.byJob = executionsByJob(this.executions);
    this.starts = this.executions.map((e) => e.start);
    for (const list of this.byJob.values()) {
      for (let i = 0; i < list.length; i++) {
        const e = list[i] as Execution;
        // The next run strictly after this one's start.
        for (let k = i + 1; k < list.length; k++) {
          const f = list[k] as Execution;
          if (f.start > e.start) {
            this.next.set(e.execId, f.start);
            break;
          }
        }
      }
    }
    const readyTimes: number[] = [];
    for (const r of history.records) {
      if (r.type === "process" && r.event === "ready") {
        if (!this.readyAt.has(r.instance)) this.readyAt.set(r.instance, r.t);
        readyTimes.push(r.t);
      }
    }
    this.unavailable = windowsByInstance(history, "unavailable");
    this.readyTimes = readyTimes.sort((a, b) => a - b);
    this.deaths = deathsByInstance(history);
  }

  /**
   * When the poll that claimed e began: the claim sets lockUntil = (poll start) + lockTimeoutMs,
   * so it is exact where the ledger has lockUntil; else the start (a little after the claim).
   */
  claimAt(e: Execution): number {
    return e.lockUntil !== undefined ? Math.min(e.start, e.lockUntil - this.lockTimeoutMs) : e.start;
  }

  /** Each scheduler worker's executions, in start order. */
  byWorker(): Map<string, Execution[]> {
    if (this.workers) return this.workers;
    const out = new Map<string, Execution[]>();
    for (const e of this.executions) {
      const key = workerKey(e);
      const list = out.get(key);
      if (list) list.push(e);
      else out.set(key, [e]);
    }
    this.workers = out;
    return out;
  }

  /**
   * Stretches inside [from, to) during which a worker of a live, available process held no job
   * and was not claiming one: from the release of its previous job (the acknowledgement, or the
   * end) to the start of the poll that claimed its next one (or the end of the window). Longer
   * than `minMs` only. A worker counts from its first claim on (before it, it is still warming up).
   */
  idleStretches(from: number, to: number, minMs: number): { worker: string; from: number; to: number }[] {
    const out: { worker: string; from: number; to: number }[] = [];
    for (const [worker, list] of this.byWorker()) {
      const first = list[0] as Execution;
      const instance = first.instance;
      // A process that executed a job was up, whether or not its ready record is in the history.
      const ready = this.readyAt.get(instance) ?? first.start;
      const death = this.deaths.get(instance)?.[0] ?? Number.POSITIVE_INFINITY;
      const windows = this.unavailable.get(instance) ?? [];
      const consider = (a: number, b: number) => {
        let lo = Math.max(a, from, ready, first.start);
        const hi = Math.min(b, to, death);
        // Cut out the process's unavailable windows.
        for (const w of [...windows].sort((x, y) => x.from - y.from)) {
          if (w.to <= lo || w.from >= hi) continue;
          if (w.from - lo > minMs) out.push({ worker, from: lo, to: w.from });
          lo = Math.max(lo, w.to);
        }
        if (hi - lo > minMs) out.push({ worker, from: lo, to: hi });
      };
      for (let i = 0; i < list.length; i++) {
        const e = list[i] as Execution;
        const next = list[i + 1];
        if (e.diedAt !== undefined) break;
        const release = Math.max(e.stop, e.ackT ?? e.stop);
        consider(release, next ? this.claimAt(next) : Number.POSITIVE_INFINITY);
      }
    }
    return out;
  }

  /** The start of the next run of e's job after e began, if any. */
  nextStart(e: Execution): number | undefined {
    return this.next.get(e.execId);
  }

  /** The unavailable window of `instance` that holds time t, if any. */
  unavailableAt(instance: string, t: number): Unavailable | undefined {
    return this.unavailable.get(instance)?.find((w) => w.from <= t && t < w.to);
  }

  /** Index of the first execution starting at or after t. */
  firstStartingAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.starts[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Scheduler workers that could have claimed a job, over time: their process was up (ready, not
   * dead) and available (in no unavailable window), they had claimed before (a worker counts from
   * its first claim on: before it, it is still opening connections and compiling code), and they
   * were not executing anything.
   */
  freeWorkers(): Steps {
    if (this.free) return this.free;
    const workers = new Map<string, { instance: string; first: number }>();
    const events: { t: number; d: number }[] = [];
    for (const e of this.executions) {
      const w = workers.get(workerKey(e));
      if (!w) workers.set(workerKey(e), { instance: e.instance, first: e.start });
      else w.first = Math.min(w.first, e.start);
    }
    // Each worker is free exactly when none of its blockers holds; a blocker-count per worker
    // would need per-worker state, so the free count is built from intervals instead.
    const perWorker = new Map<string, { t: number; d: number }[]>();
    for (const e of this.executions) {
      const list = perWorker.get(workerKey(e)) ?? [];
      list.push({ t: e.start, d: 1 }, { t: e.stop, d: -1 });
      perWorker.set(workerKey(e), list);
    }
    for (const [id, w] of workers) {
      const ready = this.readyAt.get(w.instance) ?? w.first;
      const death = this.deaths.get(w.instance)?.[0] ?? Number.POSITIVE_INFINITY;
      const blocked: { t: number; d: number }[] = [...(perWorker.get(id) ?? [])];
      for (const u of this.unavailable.get(w.instance) ?? [])
        blocked.push({ t: u.from, d: 1 }, { t: u.to, d: -1 });
      const from = Math.max(ready, w.first);
      if (from >= death) continue;
      // Walk this worker's blockers inside [from, death) and emit its free stretches.
      const steps = new Steps(blocked);
      let freeSince: number | null = steps.at(from) === 0 ? from : null;
      for (const t of steps.changesIn(from, death)) {
        const isFree = steps.at(t) === 0;
        if (isFree && freeSince === null) freeSince = t;
        else if (!isFree && freeSince !== null) {
          events.push({ t: freeSince, d: 1 }, { t, d: -1 });
          freeSince = null;
        }
      }
      if (freeSince !== null) {
        events.push({ t: freeSince, d: 1 });
        if (death !== Number.POSITIVE_INFINITY) events.push({ t: death, d: -1 });
      }
    }
    this.free = new Steps(events);
    return this.free;
  }

  /**
   * How long a poll took on this server in this run: the p99 of claim-to-start (the poll's start,
   * from lockUntil, to the handler's start record) over every execution whose ledger has lockUntil;
   * 0 when none has. A late-start bound that ignores it calls a slow database a slow scheduler.
   */
  claimLatencyP99(): number {
    if (this.claimP99 !== undefined) return this.claimP99;
    const lat = this.executions
      .filter((e) => e.lockUntil !== undefined)
      .map((e) => e.start - this.claimAt(e))
      .sort((a, b) => a - b);
    this.claimP99 =
      lat.length === 0 ? 0 : (lat[Math.min(lat.length - 1, Math.ceil(lat.length * 0.99) - 1)] as number);
    return this.claimP99;
  }

  /** Free worker slots at time t (see freeWorkers). */
  freeWorkersAt(t: number): number {
    return this.freeWorkers().at(t);
  }

  /**
   * The number of jobs named `name` the database holds as running, over time: live executions
   * until their acknowledgement, and executions whose process died, until the job is claimed
   * again or a restarted process's start-up recovery releases its expired lock.
   */
  runningSteps(name: string): Steps {
    const cached = this.running.get(name);
    if (cached) return cached;
    const events: { t: number; d: number }[] = [];
    for (const x of this.executions) {
      if (x.name !== name) continue;
      const until = this.releasedAt(x);
      events.push({ t: x.start, d: 1 });
      if (until !== Number.POSITIVE_INFINITY) events.push({ t: until, d: -1 });
    }
    const steps = new Steps(events);
    this.running.set(name, steps);
    return steps;
  }

  /**
   * When the database stopped holding x's job as running for x: its acknowledgement (or end), or,
   * when its process died first, when the job was claimed again or a restarted process's start-up
   * recovery released the expired lock (infinity if neither happened).
   */
  releasedAt(x: Execution): number {
    if (x.diedAt === undefined) return x.ackT ?? x.stop;
    const next = this.nextStart(x) ?? Number.POSITIVE_INFINITY;
    return Math.min(next, firstAt(this.readyTimes, x.diedAt + this.lockTimeoutMs));
  }

  /** The database's running count of `name` at time t. */
  runningCount(name: string, t: number): number {
    return this.runningSteps(name).at(t);
  }

  /**
   * Whether claiming `j` at its start passed over `v`, which was claimable then by the scheduler's
   * claim order (claimOrder.ts): evidence that `v` was not recovered when it could have been.
   */
  passesOver(j: Execution, v: Execution, order: ClaimOrder): boolean {
    return passesOver(order, j, v, this);
  }

  /**
   * The latest time e's job could have become claimable for e: its nextRunAt, unless the job's
   * previous run still held it then. A previous run whose process died before e held the lock up
   * to one lock timeout after its death at most (its last renewal came at the latest at the death);
   * one still alive and unfinished at e's start held it until e (e is a stall, never a wait).
   * A job is waiting, for the priority and starvation checks, only from here on.
   */
  claimableFrom(e: Execution): number {
    const prev = this.previous(e);
    if (!prev || prev.ack !== undefined) return e.nextRunAt;
    // A failed attempt the database recorded (the next attempt was claimed): released by the retry.
    if (prev.endOutcome === "error" && e.attempt === prev.attempt + 1) return e.nextRunAt;
    if (prev.diedAt !== undefined && prev.diedAt <= e.start)
      return Math.max(e.nextRunAt, prev.diedAt + this.lockTimeoutMs);
    if (prev.end === undefined || prev.stop > e.start) return Math.max(e.nextRunAt, e.start);
    return e.nextRunAt;
  }

  /** The run of e's job just before e, if any. */
  previous(e: Execution): Execution | undefined {
    if (!this.positions) {
      const positions = new Map<Execution, number>();
      for (const list of this.byJob.values())
        for (let i = 0; i < list.length; i++) positions.set(list[i] as Execution, i);
      this.positions = positions;
    }
    const at = this.positions.get(e) ?? 0;
    return at > 0 ? this.byJob.get(e.jobId)?.[at - 1] : undefined;
  }

  /** Whether e re-runs a job whose previous execution died before it was acknowledged. */
  recoversLapsedLock(e: Execution): boolean {
    const list = this.byJob.get(e.jobId) ?? [];
    const at = list.indexOf(e);
    return at > 0 && (list[at - 1] as Execution).diedAt !== undefined;
  }

  /**
   * The longest stretch inside [from, to) during which a worker stood free and `eligible` held:
   * a worker that could have claimed a job and did not. `changes` are the times `eligible` may
   * change at. O(k log n) for k changes inside the window.
   */
  longestFreeSlotGap(
    from: number,
    to: number,
    eligible: (t: number) => boolean = () => true,
    changes: readonly number[] = [],
  ): { ms: number; at: number | null } {
    if (to <= from) return { ms: 0, at: null };
    const points = [
      from,
      ...this.freeWorkers().changesIn(from, to),
      ...changes.filter((t) => t > from && t < to),
    ].sort((a, b) => a - b);
    let best = { ms: 0, at: null as number | null };
    let gapStart: number | null = null;
    for (const t of points) {
      const free = this.freeWorkersAt(t) > 0 && eligible(t);
      if (free && gapStart === null) gapStart = t;
      if (!free && gapStart !== null) {
        if (t - gapStart > best.ms) best = { ms: t - gapStart, at: gapStart };
        gapStart = null;
      }
    }
    if (gapStart !== null && to - gapStart > best.ms) best = { ms: to - gapStart, at: gapStart };
    return best;
  }
}

function firstAt(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return sorted[lo] ?? Number.POSITIVE_INFINITY;
}

const indexes = new WeakMap<History, RunIndex>();

/** The run index of a history, shared by every checker of the run. */
export function runIndexOf(history: History, runEndedAt: number, lockTimeoutMs: number): RunIndex {
  const cached = indexes.get(history);
  if (cached && cached.runEndedAt === runEndedAt && cached.lockTimeoutMs === lockTimeoutMs) return cached;
  const index = new RunIndex(history, runEndedAt, lockTimeoutMs);
  indexes.set(history, index);
  return index;
}
