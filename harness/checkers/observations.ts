/**
 * What app mode's checkers read: the service's job documents as the harness watched them (observe
 * records), made into claims with the database's own times. A black box shows no handler; a claim
 * is what the documents show: a new `lastRunAt`, by `lockedBy`, until the document leaves
 * `running` or is claimed again.
 */
import type { History } from "../ledger/history.ts";
import type { InstanceRecord, ObserveRecord, ObserverRecord } from "../ledger/records.ts";
import type { AppCheckSettings } from "./types.ts";

/** One claim of a job, as its document showed it. */
export interface ObservedClaim {
  jobId: string;
  name: string;
  /** The claim's time as the scheduler stored it (lastRunAt). */
  at: number;
  lockedBy: string | null;
  /** The lock's expiry when the claim was first read (the lease it was taken with). */
  lockUntil: number | null;
  /** Every lock expiry read during the claim, with when it was read (renewals move it later). */
  locks: { t: number; lockUntil: number | null }[];
  concurrency?: number;
  /** When the harness first read the claim. */
  seenAt: number;
  /**
   * When the claim ended: the document's updatedAt when it left `running` (or the read that first
   * saw it leave, or be claimed again); null when it was still running when watching ended.
   */
  endAt: number | null;
  /** The status it left `running` for, or "reclaimed". */
  endedAs: string | null;
  /** The last read that showed this claim running (its end came after it); null while running. */
  endNotBefore: number | null;
  /** The read that first showed it ended (left running, or claimed again); null while running. */
  endSeenAt: number | null;
}

/** Every job's observations in the order they were read. */
export function observationsByJob(history: History): Map<string, ObserveRecord[]> {
  const out = new Map<string, ObserveRecord[]>();
  for (const r of history.records) {
    if (r.type !== "observe") continue;
    const list = out.get(r.jobId);
    if (list) list.push(r);
    else out.set(r.jobId, [r]);
  }
  return out;
}

/** The observer's own record (how often it read, its longest gap), if watching ended cleanly. */
export function observerOf(history: History): ObserverRecord | undefined {
  return history.records.find((r): r is ObserverRecord => r.type === "observer");
}

/** One job's claims, from its observations. */
export function claimsOfJob(observations: readonly ObserveRecord[]): ObservedClaim[] {
  const claims: ObservedClaim[] = [];
  let open: ObservedClaim | undefined;
  let lastSeenRunning = 0;
  for (const o of observations) {
    if (open && (o.status !== "running" || o.lastRunAt !== open.at)) {
      const left = o.status !== "running";
      open.endAt = left && o.updatedAt !== null && o.updatedAt >= open.at ? o.updatedAt : o.t;
      open.endNotBefore = lastSeenRunning;
      open.endSeenAt = o.t;
      open.endedAs = left ? o.status : "reclaimed";
      open = undefined;
    }
    if (o.status === "running") lastSeenRunning = o.t;
    if (o.status === "running" && o.lastRunAt !== null && !claims.some((c) => c.at === o.lastRunAt)) {
      open = {
        jobId: o.jobId,
        name: o.name,
        at: o.lastRunAt,
        lockedBy: o.lockedBy,
        lockUntil: o.lockUntil,
        locks: [{ t: o.t, lockUntil: o.lockUntil }],
        ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
        seenAt: o.t,
        endAt: null,
        endedAs: null,
        endNotBefore: null,
        endSeenAt: null,
      };
      claims.push(open);
    } else if (open) open.locks.push({ t: o.t, lockUntil: o.lockUntil });
  }
  return claims;
}

/** Every claim of every job, by job. */
export function claimsByJob(history: History): Map<string, ObservedClaim[]> {
  const out = new Map<string, ObservedClaim[]>();
  for (const [jobId, list] of observationsByJob(history)) out.set(jobId, claimsOfJob(list));
  return out;
}

/** Whether a job name is the service's own (not one the load schedules). */
export function isOwnJob(app: AppCheckSettings, name: string): boolean {
  return !app.loadJobNames.includes(name);
}

/** The result a checker gives when the run is not an app run (its settings say nothing of a service). */
export const notAnAppRun = "not an app run: this checker judges a service tested with `harness app`";

/** An instance's exit, and whether it was asked to stop (SIGTERM) first. */
export interface Exit {
  t: number;
  proc: string;
  graceful: boolean;
}

export function exitsOf(records: readonly InstanceRecord[]): Exit[] {
  const termed = new Set(records.filter((r) => r.event === "sigterm").map((r) => r.instance));
  return records
    .filter((r) => r.event === "exit")
    .map((r) => ({ t: r.t, proc: r.proc, graceful: termed.has(r.instance) }));
}

export interface HeldClaim {
  claim: ObservedClaim;
  /** The first exit during the claim. */
  exit: Exit;
  /** The job's next claim, when there was one. */
  next?: ObservedClaim;
}

/**
 * The claims open at an instance's exit whose holder did not live on: a holder that completed or
 * failed its job afterwards, or claimed another job after the exit, was alive (a dead worker does
 * neither). What remains ended only by another claim (reclaimed), or never ended.
 */
export function heldAtExits(byJob: Map<string, ObservedClaim[]>, exits: readonly Exit[]): HeldClaim[] {
  const all = [...byJob.values()].flat();
  const out: HeldClaim[] = [];
  for (const [, claims] of byJob)
    claims.forEach((c, i) => {
      if (c.endedAs !== null && c.endedAs !== "reclaimed") return;
      const exit = exits.find((e) => e.t >= c.at && (c.endAt === null || e.t < c.endAt));
      if (!exit) return;
      const alive = c.lockedBy !== null && all.some((o) => o.lockedBy === c.lockedBy && o.at > exit.t);
      if (alive) return;
      const next = claims[i + 1];
      out.push({ claim: c, exit, ...(next ? { next } : {}) });
    });
  return out;
}
