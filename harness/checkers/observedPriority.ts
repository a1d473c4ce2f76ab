/**
 * App mode: does the priority a user asks for through the service's API decide what runs first?
 * Judged from outside, on two observations. The priority the service stored for each job (the
 * document's) against the one the request asked for: another value is the service's own wiring
 * between the request and `schedule()`. And the order of the first claims, by the priorities asked:
 * mongo-job-scheduler claims the most urgent due job first, so a job claimed while a more urgent one
 * had been waiting since before that claim, and was claimed only after it, is an inversion. The
 * reads bound each claim: it happened after the read before the first that showed it running, which
 * is no earlier than that read less the longest gap between reads. An inversion is judged only when
 * it is sure whatever the sampling; names with a concurrency limit are left out (a name at its
 * limit is not claimable, whatever its priority).
 */
import type { AcceptRecord } from "../ledger/records.ts";
import type { ObservedPriorityFigures } from "./figures.ts";
import { claimsByJob, notAnAppRun, observationsByJob, observerOf } from "./observations.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** At most this many inversions are named, the longest waits first; all are counted. */
const MAX_NAMED = 20;

interface Claimed {
  jobId: string;
  name: string;
  asked: number;
  acceptedAt: number;
  /** The first read that showed its first claim; the claim was surely after `seenAt − maxGap`. */
  seenAt: number;
}

export const observedPriorityChecker: Checker<"observed-priority"> = {
  name: "observed-priority",
  describe: {
    pass: "every job's document holds the priority its request asked for, and no job was surely claimed while a job asked with a more urgent priority had been due since before that claim and was claimed only after it (first claims; limited names left out: a name at its limit is not claimable)",
    fail: "the service **stored another priority** than the request asked (its own wiring), or a **sure inversion**: a job claimed while a more urgent one had waited since before that claim, both named with their priorities and times",
  },
  check({ history, settings }): CheckerResult<"observed-priority"> {
    const figures: ObservedPriorityFigures = { jobs: 0, notStored: 0, inversions: 0, judgedPairs: 0 };
    if (!settings.app)
      return decide("observed-priority", { summary: notAnAppRun, figures, nothingToJudge: true });
    const observer = observerOf(history);
    // Only the kinds whose requests carry a priority: another kind's stored priority is its default.
    const prioritized = new Set(settings.app.prioritized);
    const accepts = new Map<string, AcceptRecord>();
    for (const r of history.records)
      if (r.type === "accept" && prioritized.has(r.name)) accepts.set(r.jobId, r);
    const violations: Violation[] = [];

    // What the service stored, against what was asked.
    const observed = observationsByJob(history);
    for (const [jobId, accept] of accepts) {
      const stored = observed.get(jobId)?.find((o) => o.priority !== undefined)?.priority;
      if (stored === undefined || stored === accept.priority) continue;
      figures.notStored++;
      violations.push({
        kind: "priority-not-stored",
        jobId,
        t: accept.t,
        message: `job ${jobId} (${accept.name}) was asked with priority ${accept.priority}; the service stored ${stored}`,
        evidence: { asked: accept.priority, stored },
      });
    }

    const limited = new Set(settings.app.limits.map((l) => l.jobName));
    const claimed: Claimed[] = [];
    for (const [jobId, claims] of claimsByJob(history)) {
      const first = claims[0];
      const accept = accepts.get(jobId);
      if (!first || !accept || limited.has(first.name) || first.concurrency !== undefined) continue;
      claimed.push({
        jobId,
        name: first.name,
        asked: accept.priority,
        acceptedAt: accept.t,
        seenAt: first.seenAt,
      });
    }
    figures.jobs = claimed.length;
    const gap = observer?.maxGapMs ?? null;
    if (gap === null)
      return decide("observed-priority", {
        summary: `${figures.notStored} of ${accepts.size} jobs stored another priority than asked; the claims' order cannot be judged without the watcher's record`,
        violations,
        figures,
        unknowns: [
          {
            kind: "no-observer",
            message: "the job documents' reads were not recorded: the order of claims cannot be bounded",
          },
        ],
      });
    // B surely claimed before A, while A was surely due: accepted (stored, due at once) before the
    // earliest moment B's claim can have happened, and first seen running no sooner than a gap
    // after B was seen (A's claim came after B's whatever the sampling).
    const inversions: { a: Claimed; b: Claimed }[] = [];
    const bySeen = [...claimed].sort((x, y) => x.seenAt - y.seenAt);
    for (const b of bySeen)
      for (const a of bySeen) {
        if (a.acceptedAt > b.seenAt - gap) continue;
        if (a.seenAt - gap < b.seenAt) continue;
        figures.judgedPairs++;
        if (a.asked < b.asked) inversions.push({ a, b });
      }
    figures.inversions = inversions.length;
    inversions.sort((x, y) => y.a.seenAt - y.b.seenAt - (x.a.seenAt - x.b.seenAt));
    for (const { a, b } of inversions.slice(0, MAX_NAMED))
      violations.push({
        kind: "priority-inversion",
        jobId: a.jobId,
        t: b.seenAt,
        message: `job ${b.jobId} (${b.name}, priority ${b.asked}) was claimed by ${iso(b.seenAt)} while job ${a.jobId} (${a.name}, priority ${a.asked}), accepted at ${iso(a.acceptedAt)}, waited until after ${iso(a.seenAt - gap)}`,
        evidence: { claimed: b.jobId, waited: a.jobId, claimedBy: b.seenAt, waitedFrom: a.acceptedAt },
      });
    return decide("observed-priority", {
      summary: `${figures.notStored} of ${accepts.size} jobs stored another priority than asked; ${figures.inversions} sure inversions among ${figures.judgedPairs} pairs of first claims whose order the reads (gap up to ${gap} ms) settle, of ${figures.jobs} jobs`,
      violations,
      figures,
      nothingToJudge: accepts.size === 0,
    });
  },
};

function iso(t: number): string {
  return new Date(t).toISOString();
}
