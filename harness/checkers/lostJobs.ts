import type { AcceptRecord } from "../ledger/records.ts";
import type { Checker, CheckerResult, JobState, Violation } from "./types.ts";
import { judged, undecided } from "./verdicts.ts";

/** Why an accepted job did not end as expected; the order is the order of the report's lines. */
export const lostReasons = [
  "missing from the database",
  "stuck running with an expired lock",
  "still running with a live lock",
  "pending",
  "failed",
  "cancelled",
  "other status",
] as const;
export type LostReason = (typeof lostReasons)[number];

function reasonFor(job: JobState | undefined, runEndedAt: number): LostReason {
  if (!job) return "missing from the database";
  if (job.status === "running") {
    return job.lockUntil != null && job.lockUntil <= runEndedAt
      ? "stuck running with an expired lock"
      : "still running with a live lock";
  }
  if (job.status === "pending" || job.status === "failed" || job.status === "cancelled") return job.status;
  return "other status";
}

/**
 * Lost: accepted by the trigger server but not in its expected final status (usually completed)
 * when the run ended. Broken down by the status each lost job was found in.
 */
export const lostJobsChecker: Checker = {
  name: "lost-jobs",
  check({ history, finalState, settings }): CheckerResult {
    // One entry per job: dedupe keys make several accepted requests name the same job.
    const accepted = [
      ...new Map(
        history.records.filter((r): r is AcceptRecord => r.type === "accept").map((r) => [r.jobId, r]),
      ).values(),
    ];
    const byId = new Map(finalState.map((j) => [j.id, j]));
    const breakdown = new Map<LostReason, string[]>();
    const violations: Violation[] = [];
    let completed = 0;
    for (const a of accepted) {
      const job = byId.get(a.jobId);
      if (job?.status === "completed") completed++;
      if (
        job &&
        (job.status === a.expect || (a.expect === "repeating" && ["pending", "running"].includes(job.status)))
      ) {
        continue;
      }
      const reason = reasonFor(job, settings.runEndedAt);
      breakdown.set(reason, [...(breakdown.get(reason) ?? []), a.jobId]);
      violations.push({
        kind: "lost",
        jobId: a.jobId,
        t: a.t,
        message: `job ${a.jobId} (${a.name}, priority ${a.priority}) accepted at ${new Date(a.t).toISOString()} is ${reason}, expected ${a.expect}`,
        evidence: {
          reason,
          status: job?.status ?? null,
          lockUntil: job?.lockUntil ?? null,
          attempts: job?.attempts,
        },
      });
    }
    const figures: Record<string, number | null> = {
      accepted: accepted.length,
      completed,
      lost: violations.length,
    };
    for (const reason of lostReasons) figures[`lost: ${reason}`] = breakdown.get(reason)?.length ?? 0;
    if (accepted.length === 0) {
      return undecided(this.name, "no job was accepted: nothing to judge", figures, violations);
    }
    const parts = lostReasons.filter((r) => breakdown.has(r)).map((r) => `${breakdown.get(r)?.length} ${r}`);
    if (!settings.complete && violations.length > 0) {
      return undecided(
        this.name,
        `run cut short: ${violations.length} of ${accepted.length} accepted jobs had not finished; not judged lost`,
        figures,
      );
    }
    const summary =
      violations.length === 0
        ? `all ${accepted.length} accepted jobs ended as expected`
        : `${violations.length} of ${accepted.length} accepted jobs lost: ${parts.join(", ")}`;
    return judged(this.name, violations, summary, figures);
  },
};
