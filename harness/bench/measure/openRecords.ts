/**
 * What an open-loop step's requests and its jobs' own timestamps give: the jobs the trigger server
 * accepted, each one's latencies from its intended send time, and the records file from which
 * every figure of the step can be re-derived.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JobTimes } from "../../adapters/adapter.ts";
import { readLedgerDir } from "../../ledger/history.ts";
import { latencyFromIntended, type OpenLoopRecord } from "../../load/openLoop.ts";
import { hdrPercentiles, type Percentiles } from "../stats/percentiles.ts";

/** The requests answered 201: each job's intended send time by job id, and each request's job id by index. */
export interface AcceptedJobs {
  accepted: Map<string, number>;
  jobOf: Map<number, string>;
}

/** The jobs the trigger server accepted (201 with the job's id), from a step's records. */
export function acceptedJobs(records: readonly OpenLoopRecord[]): AcceptedJobs {
  const accepted = new Map<string, number>();
  const jobOf = new Map<number, string>();
  for (const r of records) {
    if (r.status !== 201 || !r.body) continue;
    const id = (JSON.parse(r.body) as { id: string }).id;
    accepted.set(id, r.intendedAt);
    jobOf.set(r.i, id);
  }
  return { accepted, jobOf };
}

/** The accepted jobs' latencies from their intended send times, as their timestamps in the database give them. */
export interface JobLatencies {
  /** To the claim (lastRunAt), every accepted job that started. */
  toStart: number[];
  /** To completion (updatedAt), every accepted job that completed. */
  toComplete: number[];
  /** Jobs completed by the window's end. */
  inWindow: number;
  /** Accepted jobs with no completion time. */
  neverCompleted: number;
}

/** Latencies of the accepted jobs from their timestamps; a job before its intended send time throws (a harness bug). */
export function jobLatencies(
  accepted: ReadonlyMap<string, number>,
  times: ReadonlyMap<string, JobTimes>,
  windowEnd: number,
): JobLatencies {
  const toStart: number[] = [];
  const toComplete: number[] = [];
  let inWindow = 0;
  let neverCompleted = accepted.size;
  for (const [id, t] of times) {
    const intended = accepted.get(id) as number;
    if (t.startedAt !== undefined) toStart.push(latencyFromIntended(intended, t.startedAt, "claim"));
    if (t.completedAt === undefined) continue;
    neverCompleted--;
    const done = t.completedAt;
    toComplete.push(latencyFromIntended(intended, done, "completion"));
    if (done <= windowEnd) inWindow++;
  }
  return { toStart, toComplete, inWindow, neverCompleted };
}

/** The accepted jobs' start latency from the ledger's own start records (read from `ledgerDir`). */
export function ledgerStartLatency(
  ledgerDir: string,
  accepted: ReadonlyMap<string, number>,
): Percentiles | null {
  const starts: number[] = [];
  for (const r of readLedgerDir(ledgerDir).records) {
    if (r.type !== "start" || !accepted.has(r.jobId)) continue;
    starts.push(latencyFromIntended(accepted.get(r.jobId) as number, r.t, "ledger start"));
  }
  return hdrPercentiles(starts);
}

/** A step's requests as sent and its jobs as the database kept them, with the arrival plan they followed. */
export interface OpenRecords {
  ratePerSec: number;
  startAt: number;
  /** The planned send offsets from `startAt`, by request index. */
  offsets: readonly number[];
  records: readonly OpenLoopRecord[];
  jobOf: ReadonlyMap<number, string>;
  times: ReadonlyMap<string, JobTimes>;
}

/**
 * Writes one JSON line per request into `dir` (created if missing): intended, actual send and reply
 * times, its job's claim and completion times. Returns the file's path.
 */
export function writeOpenRecords(dir: string, step: OpenRecords): string {
  const { startAt, offsets, records, jobOf, times } = step;
  const file = join(dir, `open-${step.ratePerSec}rps-${Math.round(startAt)}.jsonl`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    file,
    `${records
      .map((r) => {
        const jobId = jobOf.get(r.i) ?? null;
        const at = jobId ? times.get(jobId) : undefined;
        return JSON.stringify({
          i: r.i,
          intendedAt: r.intendedAt,
          intendedExact: startAt + (offsets[r.i] as number),
          sentAt: r.sentAt,
          respondedAt: r.respondedAt,
          status: r.status,
          error: r.error,
          jobId,
          claimedAt: at?.startedAt ?? null,
          completedAt: at?.completedAt ?? null,
        });
      })
      .join("\n")}\n`,
  );
  return file;
}
