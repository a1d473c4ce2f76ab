import { buildExecutions, executionsByJob } from "../checkers/executions.ts";
import { claimsByJob, type ObservedClaim } from "../checkers/observations.ts";
import { classifyExecutions, type ExecutionClass } from "../checkers/reexecutions.ts";
import type { CheckSettings } from "../checkers/types.ts";
import type { History } from "../ledger/history.ts";
import type { FaultRecord } from "../ledger/records.ts";
import { percentile } from "../util/stats.ts";

/** At most this many executions are drawn; a run with more keeps the first ones and says so. */
export const MAX_TIMELINE_EXECUTIONS = 5000;

/** A histogram of milliseconds in equal-width bins. */
export interface Histogram {
  binMs: number;
  counts: number[];
  /** Values above the last bin (the bins cover up to the 99th percentile). */
  over: number;
}

/** The time series the pictures of a run are drawn from. Times are ms since `t0`. */
export interface Timeline {
  t0: number;
  bucketMs: number;
  /** Executions started, and jobs acknowledged completed, per bucket. */
  started: number[];
  completed: number[];
  /** Kills and restarts, and the begin and end of each fault window (with the procs it hit). */
  faults: { t: number; fault: string; action: FaultRecord["action"]; proc: string }[];
  /** One lane per worker process (its logical name, across restarts). */
  lanes: string[];
  executions: {
    lane: number;
    start: number;
    stop: number;
    jobId: string;
    class: ExecutionClass;
    died: boolean;
    priority: number;
    name: string;
  }[];
  truncated: boolean;
  enqueueToStart: Histogram | null;
  runTime: Histogram | null;
  /** Executions alive per concurrency-limited name, as steps. */
  concurrency: Record<string, { limit: number; steps: { t: number; alive: number }[] }>;
  /** Each worker process instance's resource samples (a soak), times since t0; absent without samples. */
  samples?: SampleSeries[];
}

/** One worker process instance's samples, as parallel arrays (memory in MB, delay in ms). */
export interface SampleSeries {
  proc: string;
  instance: string;
  t: number[];
  rssMb: number[];
  heapUsedMb: number[];
  loopDelayP99Ms: number[];
  connections: number[];
}

/** The sample records of a history as one series per process instance. */
function sampleSeries(records: History["records"], t0: number): SampleSeries[] {
  const byInstance = new Map<string, SampleSeries>();
  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  for (const r of records) {
    if (r.type !== "sample") continue;
    let series = byInstance.get(r.instance);
    if (!series) {
      series = {
        proc: r.proc,
        instance: r.instance,
        t: [],
        rssMb: [],
        heapUsedMb: [],
        loopDelayP99Ms: [],
        connections: [],
      };
      byInstance.set(r.instance, series);
    }
    series.t.push(r.t - t0);
    series.rssMb.push(mb(r.rssBytes));
    series.heapUsedMb.push(mb(r.heapUsedBytes));
    series.loopDelayP99Ms.push(r.loopDelayMs.p99);
    series.connections.push(r.connections);
  }
  return [...byInstance.values()];
}

function histogram(values: readonly number[], bins = 24): Histogram | null {
  if (values.length === 0) return null;
  const top = Math.max(1, percentile(values, 99) ?? 1);
  const binMs = Math.max(1, Math.ceil(top / bins));
  const counts = new Array<number>(bins).fill(0);
  let over = 0;
  for (const v of values) {
    const i = Math.floor(Math.max(0, v) / binMs);
    if (i < bins) counts[i] = (counts[i] ?? 0) + 1;
    else over++;
  }
  return { binMs, counts, over };
}

/** Builds the pictures' series from a run's history. */
export function buildTimeline(
  history: History,
  runEndedAt: number,
  timing: Pick<CheckSettings, "lockTimeoutMs" | "timingToleranceMs">,
  bucketMs = 1000,
): Timeline {
  const records = history.records;
  const t0 = records[0]?.t ?? runEndedAt;
  const executions = buildExecutions(history, runEndedAt);
  // App mode has no executions, only the claims its job documents showed: drawn from those.
  if (executions.length === 0 && records.some((r) => r.type === "observe"))
    return observedTimeline(history, t0, runEndedAt, bucketMs);
  const classes = new Map<string, ExecutionClass>();
  for (const list of executionsByJob(executions).values()) {
    const cls = classifyExecutions(list, timing);
    list.forEach((e, i) => {
      classes.set(e.execId, (cls[i] as { cls: ExecutionClass }).cls);
    });
  }
  const buckets = Math.max(1, Math.ceil((runEndedAt - t0) / bucketMs) + 1);
  const started = new Array<number>(buckets).fill(0);
  const completed = new Array<number>(buckets).fill(0);
  const bucket = (t: number) => Math.min(buckets - 1, Math.max(0, Math.floor((t - t0) / bucketMs)));
  for (const e of executions) started[bucket(e.start)] = (started[bucket(e.start)] ?? 0) + 1;
  for (const r of records)
    if (r.type === "ack" && r.outcome === "success")
      completed[bucket(r.t)] = (completed[bucket(r.t)] ?? 0) + 1;

  const lanes = [...new Set(executions.map((e) => e.proc))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  const laneOf = new Map(lanes.map((l, i) => [l, i]));
  const accepted = new Map<string, number>();
  for (const r of records) if (r.type === "accept" && !accepted.has(r.jobId)) accepted.set(r.jobId, r.t);
  const firstRuns = executions.filter((e) => classes.get(e.execId) === "first");

  const concurrency: Timeline["concurrency"] = {};
  for (const e of executions) {
    if (e.concurrency == null) continue;
    const entry = concurrency[e.name] ?? { limit: e.concurrency, steps: [] };
    concurrency[e.name] = entry;
  }
  for (const [name, entry] of Object.entries(concurrency)) {
    const events = executions
      .filter((e) => e.name === name)
      .flatMap((e) => [
        { t: e.start, d: 1 },
        { t: e.stop, d: -1 },
      ])
      .sort((a, b) => a.t - b.t || a.d - b.d);
    let alive = 0;
    for (const ev of events) {
      alive += ev.d;
      entry.steps.push({ t: ev.t - t0, alive });
    }
  }

  return {
    t0,
    bucketMs,
    started,
    completed,
    faults: records
      .filter((r): r is FaultRecord => r.type === "fault")
      .map((f) => ({
        t: f.t - t0,
        fault: f.fault,
        action: f.action,
        proc: "procs" in f ? f.procs.join(",") : f.proc,
      })),
    lanes,
    executions: executions.slice(0, MAX_TIMELINE_EXECUTIONS).map((e) => ({
      lane: laneOf.get(e.proc) as number,
      start: e.start - t0,
      stop: e.stop - t0,
      jobId: e.jobId,
      class: classes.get(e.execId) ?? "first",
      died: e.diedAt !== undefined,
      priority: e.priority,
      name: e.name,
    })),
    truncated: executions.length > MAX_TIMELINE_EXECUTIONS,
    enqueueToStart: histogram(
      firstRuns.flatMap((e) => (accepted.has(e.jobId) ? [e.start - (accepted.get(e.jobId) as number)] : [])),
    ),
    runTime: histogram(executions.flatMap((e) => (e.end !== undefined ? [e.end - e.start] : []))),
    concurrency,
    ...(records.some((r) => r.type === "sample") ? { samples: sampleSeries(records, t0) } : {}),
  };
}

/**
 * The series of a run seen from outside (app mode): claims started and completed per bucket, the
 * claims alive per limited name, and the waits from acceptance to the first claim, all from the
 * job documents' own times. No lanes: a black box shows no worker process per claim.
 */
function observedTimeline(history: History, t0: number, runEndedAt: number, bucketMs: number): Timeline {
  const claims: ObservedClaim[] = [...claimsByJob(history).values()].flat();
  const buckets = Math.max(1, Math.ceil((runEndedAt - t0) / bucketMs) + 1);
  const started = new Array<number>(buckets).fill(0);
  const completed = new Array<number>(buckets).fill(0);
  const bucket = (t: number) => Math.min(buckets - 1, Math.max(0, Math.floor((t - t0) / bucketMs)));
  for (const c of claims) {
    started[bucket(c.at)] = (started[bucket(c.at)] ?? 0) + 1;
    if (c.endedAs === "completed" && c.endAt !== null)
      completed[bucket(c.endAt)] = (completed[bucket(c.endAt)] ?? 0) + 1;
  }
  const concurrency: Timeline["concurrency"] = {};
  for (const c of claims) {
    if (c.concurrency === undefined) continue;
    concurrency[c.name] ??= { limit: c.concurrency, steps: [] };
  }
  for (const [name, entry] of Object.entries(concurrency)) {
    const events = claims
      .filter((c) => c.name === name)
      .flatMap((c) => [
        { t: c.at, d: 1 },
        { t: c.endAt ?? runEndedAt, d: -1 },
      ])
      .sort((a, b) => a.t - b.t || a.d - b.d);
    let alive = 0;
    for (const ev of events) {
      alive += ev.d;
      entry.steps.push({ t: ev.t - t0, alive });
    }
  }
  const accepted = new Map<string, number>();
  for (const r of history.records)
    if (r.type === "accept" && !accepted.has(r.jobId)) accepted.set(r.jobId, r.t);
  const firstClaim = new Map<string, number>();
  for (const c of claims) if (!firstClaim.has(c.jobId)) firstClaim.set(c.jobId, c.at);
  return {
    t0,
    bucketMs,
    started,
    completed,
    faults: history.records
      .filter((r): r is FaultRecord => r.type === "fault")
      .map((f) => ({
        t: f.t - t0,
        fault: f.fault,
        action: f.action,
        proc: "procs" in f ? f.procs.join(",") : f.proc,
      })),
    lanes: [],
    executions: [],
    truncated: false,
    enqueueToStart: histogram(
      [...firstClaim].flatMap(([id, at]) => (accepted.has(id) ? [at - (accepted.get(id) as number)] : [])),
    ),
    runTime: histogram(
      claims.flatMap((c) => (c.endedAs === "completed" && c.endAt !== null ? [c.endAt - c.at] : [])),
    ),
    concurrency,
  };
}
