import { percentile } from "../util/stats.ts";
import type { LockLeaseFigures } from "./figures.ts";
import { claimsByJob, notAnAppRun } from "./observations.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : String(t));

/**
 * App mode: every claim the service's scheduler stored holds a lock that expires after the claim
 * (lockUntil > lastRunAt, both the database's own times). A lock that expires at or before its
 * claim is stale at once: any worker may take the job again while it runs, which is how a lock
 * timeout read as a string (an Invalid Date, stored as 1970) shows from outside.
 */
export const lockLeaseChecker: Checker<"lock-lease"> = {
  name: "lock-lease",
  describe: {
    pass: "every claim the service's scheduler stored has a lock that expires after the claim (the lease is reported)",
    fail: "a claim whose lock expires at or before the claim itself: **stale at once**, so another worker may take the job while it runs",
  },
  check({ history, settings }): CheckerResult<"lock-lease"> {
    const figures: LockLeaseFigures = {
      claims: 0,
      minMs: null,
      p50Ms: null,
      maxMs: null,
      stale: 0,
      staleLockUntil: null,
    };
    if (!settings.app) return decide("lock-lease", { summary: notAnAppRun, figures, nothingToJudge: true });
    const leases: number[] = [];
    const violations: Violation[] = [];
    const staleByJob = new Map<string, { count: number; example: { at: number; lockUntil: number } }>();
    for (const claims of claimsByJob(history).values())
      for (const c of claims) {
        if (c.lockUntil === null) continue;
        figures.claims++;
        const lease = c.lockUntil - c.at;
        // The leases are those of live locks; a stale one is told by its expiry, not by a lease.
        if (lease > 0) {
          leases.push(lease);
          continue;
        }
        figures.stale++;
        figures.staleLockUntil = Math.min(figures.staleLockUntil ?? c.lockUntil, c.lockUntil);
        const known = staleByJob.get(c.jobId);
        if (known) known.count++;
        else staleByJob.set(c.jobId, { count: 1, example: { at: c.at, lockUntil: c.lockUntil } });
      }
    for (const [jobId, { count, example }] of staleByJob)
      violations.push({
        kind: "stale-lock",
        jobId,
        message: `job ${jobId} was claimed at ${iso(example.at)} with a lock that expires at ${iso(example.lockUntil)}${count > 1 ? ` (and ${count - 1} more such claims)` : ""}: stale at once`,
        evidence: { claims: count, ...example },
      });
    leases.sort((a, b) => a - b);
    figures.minMs = leases[0] ?? null;
    figures.p50Ms = percentile(leases, 50) ?? null;
    figures.maxMs = leases.at(-1) ?? null;
    return decide("lock-lease", {
      summary:
        figures.claims === 0
          ? "no claim with a lock was observed"
          : `${figures.claims} claims observed, ${
              leases.length
                ? `leases ${figures.minMs}–${figures.maxMs} ms (median ${figures.p50Ms})`
                : "no live lease"
            }; ${figures.stale} stale at once${
              figures.staleLockUntil !== null
                ? ` (the earliest expiring at ${iso(figures.staleLockUntil)}, before its claim)`
                : ""
            }`,
      violations,
      figures,
      nothingToJudge: figures.claims === 0,
    });
  },
};
