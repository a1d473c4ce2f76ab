import type { History } from "../ledger/history.ts";
import type { AckRecord, EndRecord, FaultRecord, ProcessRecord, StartRecord } from "../ledger/records.ts";

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
  pid: number;
  workerId: string;
  start: number;
  end?: number;
  endOutcome?: EndRecord["outcome"];
  ack?: AckRecord["outcome"];
  ackT?: number;
  /** When the executing process was killed or exited before the scheduler acknowledged this execution. */
  diedAt?: number;
  /** When the handler stopped being alive: its end, its process's death, or the end of the run. */
  stop: number;
}

/** The first kill or exit of `pid` at or after `t`, if any. */
function deathOf(
  pid: number,
  t: number,
  deaths: readonly (FaultRecord | ProcessRecord)[],
): number | undefined {
  for (const d of deaths) if (d.pid === pid && d.t >= t) return d.t;
  return undefined;
}

/** Executions already joined, per history and end of run: every checker of a run asks for them. */
const joined = new WeakMap<History, { runEndedAt: number; executions: Execution[] }>();

/**
 * Joins the ledger's start/end/ack records into executions, in start order. The result is shared
 * between callers with the same history and end of run; treat it as read-only.
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
  const ends = new Map<string, EndRecord>();
  const acks = new Map<string, AckRecord>();
  const deaths: (FaultRecord | ProcessRecord)[] = [];
  for (const r of history.records) {
    if (r.type === "start") starts.push(r);
    else if (r.type === "end") ends.set(r.execId, r);
    else if (r.type === "ack") acks.set(r.execId, r);
    else if ((r.type === "fault" && r.action === "kill") || (r.type === "process" && r.event === "exit"))
      deaths.push(r);
  }
  deaths.sort((a, b) => a.t - b.t);
  return starts
    .map((s) => {
      const end = ends.get(s.execId);
      const ack = acks.get(s.execId);
      const diedAt = ack ? undefined : deathOf(s.pid, s.t, deaths);
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
        pid: s.pid,
        workerId: s.workerId,
        start: s.t,
        end: end?.t,
        endOutcome: end?.outcome,
        ack: ack?.outcome,
        ackT: ack?.t,
        diedAt,
        stop: end?.t ?? diedAt ?? runEndedAt,
      } satisfies Execution;
    })
    .sort((a, b) => a.start - b.start);
}

/** Executions grouped by job id, each group in start order. */
export function executionsByJob(executions: readonly Execution[]): Map<string, Execution[]> {
  const byJob = new Map<string, Execution[]>();
  for (const e of executions) {
    const list = byJob.get(e.jobId) ?? [];
    list.push(e);
    byJob.set(e.jobId, list);
  }
  return byJob;
}
