/**
 * App mode: does the priority a user asks for through the service's API decide what runs first?
 * Judged from outside, on two observations. The priority the service stored for each job (the
 * document's) against the one the request asked for: another value is the service's own wiring
 * between the request and `schedule()`. And the order of the first claims, by the priorities asked:
 * mongo-job-scheduler claims the most urgent due job first, so a job claimed while a more urgent one
 * had been waiting since before that claim, and was claimed only after it, is an inversion. The
 * reads bound each claim: it happened after the read before the first that showed it running (no
 * earlier than that read less the longest gap between reads) and before the snapshot of the read that
 * showed it (no later than that read plus a gap). An inversion is judged only when it is sure whatever
 * the sampling, and only for a waiting job every read showed pending, never run and due from its
 * request on; names with a concurrency limit are left out (a name at its limit is not claimable,
 * whatever its priority), and so are jobs accepted for several requests (a dedupe key).
 */
import type { AcceptRecord } from "../ledger/records.ts";
import type { ObservedPriorityFigures } from "./figures.ts";
import { claimsByJob, notAnAppRun, observationsByJob, observerOf } from "./observations.ts";
import { iso } from "./operations.ts";
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
  /** Every read before that showed it pending, never run, and due from its request on. */
  waitedPlainly: boolean;
}

export const observedPriorityChecker: Checker<"observed-priority"> = {
  name: "observed-priority",
  describe: {
    pass: "every job's document holds the priority its request asked for, and no job was surely claimed while a job asked with a more urgent priority had been due since before that claim and was claimed only after it (first claims, bounded by the reads; the waiting job shown pending and never run by every read before; limited names and jobs accepted for several requests left out)",
    fail: "the service **stored another priority** than the request asked (its own wiring), or a **sure inversion**: a job claimed while a more urgent one had waited since before that claim, both named with their priorities and times",
  },
  check({ history, settings }): CheckerResult<"observed-priority"> {
    const figures: ObservedPriorityFigures = { jobs: 0, notStored: 0, inversions: 0, judgedPairs: 0 };
    if (!settings.app)
      return decide("observed-priority", { summary: notAnAppRun, figures, nothingToJudge: true });
    const observer = observerOf(history);
    // Only the kinds whose requests carry a priority: another kind's stored priority is its default.
    // A job accepted for several requests (a dedupe key) keeps one request's priority: not judged.
    const prioritized = new Set(settings.app.prioritized);
    const accepts = new Map<string, AcceptRecord>();
    const requests = new Map<string, number>();
    for (const r of history.records)
      if (r.type === "accept" && prioritized.has(r.name)) {
        accepts.set(r.jobId, r);
        requests.set(r.jobId, (requests.get(r.jobId) ?? 0) + 1);
      }
    for (const [jobId, n] of requests) if (n > 1) accepts.delete(jobId);
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
      // Before the first claim the reads saw, was it claimed unseen (a run that began and ended
      // between two reads leaves attempts or lastRunAt set), or not due from its request on? Then
      // it may have been claimed first, or not been due: it is judged as the job claimed only.
      const before = (observed.get(jobId) ?? []).filter((o) => o.t < first.seenAt);
      const waitedPlainly = before.every(
        (o) =>
          o.attempts === 0 &&
          o.lastRunAt === null &&
          o.repeat === null &&
          (o.nextRunAt ?? Number.POSITIVE_INFINITY) <= accept.t,
      );
      claimed.push({
        jobId,
        name: first.name,
        asked: accept.priority,
        acceptedAt: accept.t,
        seenAt: first.seenAt,
        waitedPlainly,
      });
    }
    figures.jobs = claimed.length;
    const gap = observer?.maxGapMs ?? null;
    const firstRead = observer?.firstAt ?? null;
    if (gap === null || firstRead === null)
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
    // A read's snapshot is taken while it runs, after its time and before the next read. So B's
    // claim came no later than B's read plus a gap, and A's after A's previous read (no earlier than
    // A's read less a gap); a claim the first read saw may have come at any time before it. B surely
    // claimed before A while A was surely due: A accepted (stored, due at once) before the earliest
    // moment of B's claim, and A's earliest claim after B's latest.
    // Every inversion is counted; only the longest waits are kept to be named (a service that ignores
    // priorities has one per pair, too many to hold).
    let named: { a: Claimed; b: Claimed }[] = [];
    const longestFirst = (x: { a: Claimed; b: Claimed }, y: { a: Claimed; b: Claimed }) =>
      y.a.seenAt - y.b.seenAt - (x.a.seenAt - x.b.seenAt);
    const bySeen = [...claimed].sort((x, y) => x.seenAt - y.seenAt);
    for (const b of bySeen) {
      if (b.seenAt - gap < firstRead) continue;
      for (const a of bySeen) {
        if (!a.waitedPlainly || a.acceptedAt > b.seenAt - gap) continue;
        if (a.seenAt - gap <= b.seenAt + gap) continue;
        figures.judgedPairs++;
        if (a.asked >= b.asked) continue;
        figures.inversions++;
        named.push({ a, b });
        if (named.length >= 4 * MAX_NAMED) named = named.sort(longestFirst).slice(0, MAX_NAMED);
      }
    }
    for (const { a, b } of named.sort(longestFirst).slice(0, MAX_NAMED))
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
