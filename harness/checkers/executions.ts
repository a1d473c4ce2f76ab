import { DEATH_SLACK_MS, type History } from "../ledger/history.ts";
import type { AckRecord, EndRecord, StartRecord, WindowRecord } from "../ledger/records.ts";

/** One execution of a job's handler, joined from its start, end and ack records. */
export interface Execution {
  execId: string;
  jobId: string;
  name: string;
  priority: number;
  concurrency?: number;
  attempt: number;
  nextRunAt: number;
  repeat?: StartRecord["repeat"];
  dedupeKey?: string;
  proc: string;
  /** The process instance that ran it (unique without the pid). */
  instance: string;
  pid: number;
  workerId: string;
  /**
   * The lock expiry it was claimed with, on the harness's reference clock, when the ledger has it.
   * The scheduler writes it from the claiming process's own clock: under a clock fault that is
   * taken back to the reference clock (see onReferenceClock), or left out where it cannot be.
   */
  lockUntil?: number;
  /** The claiming process's clock offset that lockUntil was corrected by (a clock fault), ms. */
  clockOffsetMs?: number;
  /** lockUntil was left out: a clock fault changed the process's clock around the claim. */
  clockUnknown?: boolean;
  start: number;
  end?: number;
  endOutcome?: EndRecord["outcome"];
  ack?: AckRecord["outcome"];
  ackT?: number;
  /** When the executing process was killed or exited, if that happened after the start. */
  deathAt?: number;
  /** When it died before the scheduler acknowledged it (the lock was left to expire). */
  diedAt?: number;
  /** When the handler stopped being alive: its end, its process's death, or the end of the run. */
  stop: number;
  /**
   * When the same scheduler worker (its id within its process instance) released the job it ran
   * before this one (that run's end, or its acknowledgement if later); absent for a worker's first
   * run. Where a worker claims one job at a time (mongo-job-scheduler), the poll that claimed this
   * run began after it.
   */
  workerFreeAt?: number;
}

/**
 * A scheduler worker, named so that it is unique on its own: its id within its process instance.
 * A worker id is the scheduler's (mongo-job-scheduler: `<Scheduler id>-w<i>`), and a wiring may
 * give every process's Scheduler the same id, so two processes can have workers of one id.
 */
export function workerKey(e: Pick<Execution, "workerId" | "instance">): string {
  return `${e.workerId} on ${e.instance}`;
}

/** Kills and exits, per process instance, in time order. */
export function deathsByInstance(history: History): Map<string, number[]> {
  const deaths = new Map<string, number[]>();
  for (const r of history.records) {
    const dead = (r.type === "fault" && r.action === "kill") || (r.type === "process" && r.event === "exit");
    if (!dead) continue;
    const list = deaths.get(r.instance) ?? [];
    list.push(r.t);
    deaths.set(r.instance, list);
  }
  return deaths;
}

/** One fault window over one process instance (see WindowRecord). */
export interface InstanceWindow {
  from: number;
  /** Its end record's time; a window never ended lasts forever. */
  to: number;
  fault: string;
  offsetMs?: number;
}

/** The fault windows of one effect, paired begin to end, per process instance. */
export function windowsByInstance(
  history: History,
  effect: WindowRecord["effect"],
): Map<string, InstanceWindow[]> {
  const out = new Map<string, InstanceWindow[]>();
  const open = new Map<string, WindowRecord>();
  const add = (begin: WindowRecord, to: number) => {
    for (const instance of begin.instances) {
      const list = out.get(instance) ?? [];
      list.push({ from: begin.t, to, fault: begin.fault, offsetMs: begin.offsetMs });
      out.set(instance, list);
    }
  };
  for (const r of history.records) {
    if (r.type !== "fault" || (r.action !== "begin" && r.action !== "end") || r.effect !== effect) continue;
    if (r.action === "begin") open.set(r.window, r);
    else {
      const begin = open.get(r.window);
      open.delete(r.window);
      if (begin) add(begin, r.t);
    }
  }
  for (const begin of open.values()) add(begin, Number.POSITIVE_INFINITY);
  return out;
}

/** The first of `sorted` at or after t (binary search). */
export function firstAtOrAfter(sorted: readonly number[], t: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return sorted[lo];
}

/** Executions already joined, per history and end of run: every checker of a run asks for them. */
const joined = new WeakMap<History, { runEndedAt: number; executions: Execution[] }>();

/**
 * Joins the ledger's start/end/ack records into executions, in start order (the first end and
 * the first ack of an execution count; history.ts reports any second one as a problem). The
 * result is shared between callers with the same history and end of run; treat it as read-only.
 */
export function buildExecutions(history: History, runEndedAt: number): Execution[] {
  const cached = joined.get(history);
  if (cached?.runEndedAt === runEndedAt) return cached.executions;
  const executions = joinExecutions(history, runEndedAt);
  joined.set(history, { runEndedAt, executions });
  return executions;
}

function joinExecutions(history: History, runEndedAt: number): Execution[] {
  const starts: StartRecord[] = [];
  const seen = new Set<string>();
  const ends = new Map<string, EndRecord>();
  const acks = new Map<string, AckRecord>();
  for (const r of history.records) {
    if (r.type === "start") {
      if (!seen.has(r.execId)) starts.push(r);
      seen.add(r.execId);
    } else if (r.type === "end") {
      if (!ends.has(r.execId)) ends.set(r.execId, r);
    } else if (r.type === "ack") {
      if (!acks.has(r.execId)) acks.set(r.execId, r);
    }
  }
  const deaths = deathsByInstance(history);
  const executions: Execution[] = starts
    .map((s): Execution => {
      const end = ends.get(s.execId);
      const ack = acks.get(s.execId);
      // A process that wrote this execution's end or ack after a recorded death did not die
      // then (history.ts reports it): it lived at least until its last record.
      const lastSign = Math.max(s.t, end?.t ?? s.t, ack?.t ?? s.t);
      const deathAt = firstAtOrAfter(deaths.get(s.instance) ?? [], Math.max(s.t, lastSign - DEATH_SLACK_MS));
      const diedAt = ack && deathAt !== undefined && ack.t <= deathAt ? undefined : deathAt;
      return {
        execId: s.execId,
        jobId: s.jobId,
        name: s.name,
        priority: s.priority,
        concurrency: s.concurrency,
        attempt: s.attempt,
        nextRunAt: s.nextRunAt,
        repeat: s.repeat,
        dedupeKey: s.dedupeKey,
        proc: s.proc,
        instance: s.instance,
        pid: s.pid,
        workerId: s.workerId,
        lockUntil: s.lockUntil,
        start: s.t,
        end: end?.t,
        endOutcome: end?.outcome,
        ack: ack?.outcome,
        ackT: ack?.t,
        deathAt,
        diedAt,
        stop: Math.min(end?.t ?? Number.POSITIVE_INFINITY, deathAt ?? Number.POSITIVE_INFINITY, runEndedAt),
      } satisfies Execution;
    })
    .sort((a, b) => a.start - b.start);
  const lastOf = new Map<string, Execution>();
  for (const e of executions) {
    const key = workerKey(e);
    const prev = lastOf.get(key);
    if (prev?.end !== undefined && prev.diedAt === undefined)
      e.workerFreeAt = Math.max(prev.end, prev.ackT ?? prev.end);
    lastOf.set(key, e);
  }
  onReferenceClock(history, executions);
  return executions;
}

/** How far from a clock window's recorded begin or end its offset may already or still apply. */
export const CLOCK_BOUNDARY_MS = 1000;

/**
 * Takes every lockUntil back to the reference clock. A process under a clock fault (a window with
 * `effect: "clock"`) computed its lock deadlines from its own shifted clock; the checkers must
 * never read a skewed time. Where the claim (between the worker's previous release, or its
 * process's ready record, and the start) fell wholly inside a window with a constant `offsetMs`,
 * the offset is taken off; where it may have straddled a window's begin or end, or the offset was
 * not constant (a drift), lockUntil is left out: the checkers then judge without it, or say unknown.
 */
function onReferenceClock(history: History, executions: Execution[]): void {
  const windows = windowsByInstance(history, "clock");
  const readyAt = new Map<string, number>();
  for (const r of history.records)
    if (r.type === "process" && r.event === "ready" && !readyAt.has(r.instance)) readyAt.set(r.instance, r.t);
  if (windows.size === 0) return;
  for (const e of executions) {
    const list = windows.get(e.instance);
    if (!list || e.lockUntil === undefined) continue;
    const claimFrom = e.workerFreeAt ?? readyAt.get(e.instance) ?? Number.NEGATIVE_INFINITY;
    let offset = 0;
    let unknown = false;
    let matched = 0;
    for (const w of list) {
      const lo = w.from - CLOCK_BOUNDARY_MS;
      const hi = w.to + CLOCK_BOUNDARY_MS;
      if (e.start < lo || claimFrom > hi) continue; // the claim was wholly outside this window
      // Two windows over one claim: the later setting replaced the earlier; which one held is unknown.
      if (++matched > 1) unknown = true;
      const inside = claimFrom > w.from + CLOCK_BOUNDARY_MS && e.start < w.to - CLOCK_BOUNDARY_MS;
      if (!inside || w.offsetMs === undefined) unknown = true;
      else offset += w.offsetMs;
    }
    if (unknown) {
      e.lockUntil = undefined;
      e.clockUnknown = true;
    } else if (offset !== 0) {
      e.lockUntil -= offset;
      e.clockOffsetMs = offset;
    }
  }
}

/** Executions grouped by job id, each group in start order. */
export function executionsByJob(executions: readonly Execution[]): Map<string, Execution[]> {
  const byJob = new Map<string, Execution[]>();
  for (const e of executions) {
    const list = byJob.get(e.jobId);
    if (list) list.push(e);
    else byJob.set(e.jobId, [e]);
  }
  return byJob;
}
