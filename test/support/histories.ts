import type { JobState } from "../../harness/checkers/types.ts";
import { type History, historyOf } from "../../harness/ledger/history.ts";
import type { AcceptRecord, LedgerRecord, StartRecord } from "../../harness/ledger/records.ts";

export interface RunOptions {
  /** The scheduler loop of the process that claimed it (its workerId's last part): 0 unless given. */
  loop?: number;
  ack?: "success" | "retry" | "fail" | null;
  /** How the handler ended; "error" makes the default ack "retry". */
  outcome?: "ok" | "error";
  priority?: number;
  nextRunAt?: number;
  name?: string;
  concurrency?: number;
  attempt?: number;
  repeat?: StartRecord["repeat"];
  dedupeKey?: string;
  /** Ack this long after the end (default 1 ms). */
  ackAfter?: number;
  /** The lockUntil the claim set (absent: the ledger does not say). */
  lockUntil?: number;
  /** The pid written in the records, when it differs from the instance number (a reused pid). */
  pid?: number;
  /** The lock version the claim returned (default 1). */
  lockVersion?: number;
}

/**
 * The instance id of process `proc` in its `n`th incarnation in a hand-built history. Records
 * carry `n` as their pid unless a test says otherwise, so a reused pid is one option away.
 */
export function instanceOf(proc: string, n: number): string {
  return `testhost/${proc}-${n}`;
}

/**
 * Builds ledger histories by hand for checker tests: one helper per record kind. A process is
 * named by its logical name and a number (its incarnation): `run("a", "w1", 1, …)` runs job a on
 * the first incarnation of w1.
 */
export class HistoryBuilder {
  readonly records: LedgerRecord[] = [];
  private exec = 0;
  private requests = 0;

  accept(
    jobId: string,
    t = 0,
    options: Partial<
      Pick<AcceptRecord, "name" | "priority" | "expect" | "retry" | "dedupeKey" | "request">
    > = {},
  ): this {
    this.records.push({
      type: "accept",
      t,
      request: options.request ?? `r${++this.requests}`,
      jobId,
      name: options.name ?? "email",
      priority: options.priority ?? 5,
      expect: options.expect ?? "completed",
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.dedupeKey ? { dedupeKey: options.dedupeKey } : {}),
    });
    return this;
  }

  ready(proc: string, n: number, t: number, slots = 1, pid = n): this {
    this.records.push({
      type: "process",
      t,
      proc,
      instance: instanceOf(proc, n),
      pid,
      event: "ready",
      slots,
    });
    return this;
  }

  /** One execution: start at `start`; end (and ack) at `end` unless it is null. Returns the execId via `lastExecId`. */
  run(
    jobId: string,
    proc: string,
    n: number,
    start: number,
    end: number | null,
    options: RunOptions = {},
  ): this {
    const instance = instanceOf(proc, n);
    const pid = options.pid ?? n;
    const execId = `${instance}#${++this.exec}`;
    this.lastExecId = execId;
    this.records.push({
      type: "start",
      t: start,
      execId,
      jobId,
      name: options.name ?? "email",
      priority: options.priority ?? 5,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      attempt: options.attempt ?? 1,
      lockVersion: options.lockVersion ?? 1,
      nextRunAt: options.nextRunAt ?? 0,
      ...(options.lockUntil !== undefined ? { lockUntil: options.lockUntil } : {}),
      workerId: `${proc}-${n}-w${options.loop ?? 0}`,
      ...(options.repeat ? { repeat: options.repeat } : {}),
      ...(options.dedupeKey ? { dedupeKey: options.dedupeKey } : {}),
      proc,
      instance,
      pid,
    });
    if (end !== null) {
      const outcome = options.outcome ?? "ok";
      this.records.push({ type: "end", t: end, execId, jobId, outcome, instance, pid });
      const ack = options.ack === undefined ? (outcome === "ok" ? "success" : "retry") : options.ack;
      if (ack)
        this.records.push({
          type: "ack",
          t: end + (options.ackAfter ?? 1),
          execId,
          jobId,
          outcome: ack,
          instance,
          pid,
        });
    }
    return this;
  }

  /** The execution id of the last `run`. */
  lastExecId = "";

  kill(
    proc: string,
    n: number,
    t: number,
    inFlight: { execId: string; jobId: string }[] = [],
    pid = n,
  ): this {
    this.records.push({
      type: "fault",
      t,
      fault: "kill",
      action: "kill",
      proc,
      instance: instanceOf(proc, n),
      pid,
      inFlight,
    });
    return this;
  }

  /** A fault window during which the listed incarnations were unavailable (frozen, partitioned). */
  unavailable(window: string, procs: [string, number][], from: number, to: number | null): this {
    const common = {
      type: "fault" as const,
      fault: "pause",
      window,
      effect: "unavailable" as const,
      instances: procs.map(([p, n]) => instanceOf(p, n)),
      procs: procs.map(([p]) => p),
    };
    this.records.push({ ...common, t: from, action: "begin" });
    if (to !== null) this.records.push({ ...common, t: to, action: "end" });
    return this;
  }

  /** A clock fault window: the listed incarnations' own clocks were `offsetMs` off (none: a drift). */
  clock(window: string, procs: [string, number][], from: number, to: number | null, offsetMs?: number): this {
    const common = {
      type: "fault" as const,
      fault: offsetMs === undefined ? "clock-drift" : "clock-offset",
      window,
      effect: "clock" as const,
      instances: procs.map(([p, n]) => instanceOf(p, n)),
      procs: procs.map(([p]) => p),
    };
    this.records.push({
      ...common,
      t: from,
      action: "begin",
      ...(offsetMs === undefined ? {} : { offsetMs }),
    });
    if (to !== null) this.records.push({ ...common, t: to, action: "end" });
    return this;
  }

  stalled(jobId: string, proc: string, n: number, t: number): this {
    this.records.push({ type: "stalled", t, jobId, proc, instance: instanceOf(proc, n), pid: n });
    return this;
  }

  workerError(proc: string, n: number, t: number, message: string): this {
    this.records.push({ type: "worker-error", t, proc, instance: instanceOf(proc, n), pid: n, message });
    return this;
  }

  /** A process instance's exit, as the supervisor records it. */
  exit(proc: string, n: number, t: number, slots = 1): this {
    this.records.push({
      type: "process",
      t,
      proc,
      instance: instanceOf(proc, n),
      pid: n,
      event: "exit",
      slots,
    });
    return this;
  }

  /**
   * An operation's graceful stop of incarnation n of proc: SIGTERM at t, exit at exitedAt, with what
   * the database said it held before the signal and after the exit (null: it could not be asked).
   * The exit record goes in too.
   */
  opStop(
    op: string,
    proc: string,
    n: number,
    t: number,
    exitedAt: number,
    held: {
      inFlight?: { execId: string; jobId: string }[];
      atSignal?: { jobId: string; lockUntil: number | null }[] | null;
      afterExit?: { jobId: string; lockUntil: number | null }[] | null;
      killed?: boolean;
    } = {},
  ): this {
    this.exit(proc, n, exitedAt);
    this.records.push({
      type: "op",
      action: "stop",
      t,
      op,
      proc,
      instance: instanceOf(proc, n),
      pid: n,
      exitedAt,
      exit: {
        code: held.killed ? null : 0,
        signal: held.killed ? "SIGKILL" : null,
        killed: held.killed ?? false,
      },
      inFlight: held.inFlight ?? [],
      heldAtSignal: held.atSignal === undefined ? [] : held.atSignal,
      heldAfterExit: held.afterExit === undefined ? [] : held.afterExit,
    });
    return this;
  }

  /** An operation started incarnation n of proc: asked at t, ready at readyAt (its ready record too). */
  opStart(
    op: string,
    proc: string,
    n: number,
    t: number,
    readyAt: number,
    replaces?: [string, number],
  ): this {
    this.ready(proc, n, readyAt);
    this.records.push({
      type: "op",
      action: "start",
      t,
      op,
      proc,
      instance: instanceOf(proc, n),
      pid: n,
      readyAt,
      ...(replaces ? { replaces: instanceOf(replaces[0], replaces[1]) } : {}),
    });
    return this;
  }

  /** A scale step: the operation wants `processes` running from t on. */
  opStep(op: string, t: number, processes: number): this {
    this.records.push({ type: "op", action: "step", t, op, processes });
    return this;
  }

  /** A fault window of any kind over the listed incarnations, with its end record's detail. */
  window(
    fault: string,
    window: string,
    procs: [string, number][],
    from: number,
    to: number,
    effect: "unavailable" | "down" | "degraded" | "clock",
    detail?: Record<string, unknown>,
  ): this {
    const common = {
      type: "fault" as const,
      fault,
      window,
      effect,
      instances: procs.map(([p, n]) => instanceOf(p, n)),
      procs: procs.map(([p]) => p),
    };
    this.records.push({ ...common, t: from, action: "begin" });
    this.records.push({ ...common, t: to, action: "end", ...(detail ? { detail } : {}) });
    return this;
  }

  /** A resource sample of incarnation n of proc. */
  sample(
    proc: string,
    n: number,
    t: number,
    v: { rssMb: number; heapMb: number; connections?: number; loopP99Ms?: number },
  ): this {
    this.records.push({
      type: "sample",
      t,
      proc,
      instance: instanceOf(proc, n),
      pid: n,
      rssBytes: v.rssMb * 1024 * 1024,
      heapUsedBytes: v.heapMb * 1024 * 1024,
      loopDelayMs: { mean: (v.loopP99Ms ?? 10) / 2, p99: v.loopP99Ms ?? 10, max: v.loopP99Ms ?? 10 },
      connections: v.connections ?? 3,
    });
    return this;
  }

  /** A request the trigger server refused (status) or that got no answer (null). */
  refuse(request: string, t: number, status: number | null): this {
    this.records.push({
      type: "refuse",
      t,
      request,
      status,
      ...(status === null ? { error: "socket hang up" } : {}),
    });
    return this;
  }

  /** Adds any record as it is (for records the helpers do not make). */
  raw(record: LedgerRecord): this {
    this.records.push(record);
    return this;
  }

  history(): History {
    return historyOf(this.records);
  }
}

export function job(id: string, status: string, extra: Partial<JobState> = {}): JobState {
  return { id, name: "email", status, priority: 5, attempts: 0, ...extra };
}

export const settings = {
  lockTimeoutMs: 1000,
  pollIntervalMs: 100,
  recoveryToleranceMs: 200,
  runEndedAt: 100_000,
  complete: true,
  timingToleranceMs: 50,
};
