import type { ObservedConcurrencyFigures } from "./figures.ts";
import { claimsByJob, notAnAppRun, type ObservedClaim, observerOf } from "./observations.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** One stretch over a name's limit: when it began and ended, its peak, and the jobs running then. */
interface Episode {
  from: number;
  to: number;
  peak: number;
  jobs: Set<string>;
}

/** One claim's running interval, as far as the documents can bound it. */
interface Span {
  jobId: string;
  from: number;
  to: number;
}

/**
 * The documents' times are stamped by each process before its write reaches the server, and a
 * document may change twice between two reads, so a claim's interval has two readings. By the
 * stamps (lastRunAt to the end's updatedAt) it may have run: an overlap there is possible. For
 * certain it ran from the first read that showed it running to the last read before the one that
 * showed it ended: no later than that read's time less the longest gap between reads (the observer
 * record's), and no earlier than the last read recorded while it ran. An overlap there is sure.
 */
const possibly = (c: ObservedClaim, end: number): Span => ({
  jobId: c.jobId,
  from: c.at,
  to: c.endAt ?? end,
});
function surely(c: ObservedClaim, end: number, maxGapMs: number | null): Span {
  const lastRunning =
    c.endNotBefore === null
      ? end
      : Math.max(c.endNotBefore, c.endSeenAt !== null && maxGapMs !== null ? c.endSeenAt - maxGapMs : 0);
  return { jobId: c.jobId, from: c.seenAt, to: lastRunning };
}

/** Sweeps a name's claim intervals; the stretches with more running than the limit. */
function overLimit(spans: readonly Span[], limit: number): Episode[] {
  const events: { t: number; d: 1 | -1; jobId: string }[] = [];
  for (const c of spans) {
    if (c.to <= c.from) continue;
    events.push({ t: c.from, d: 1, jobId: c.jobId });
    events.push({ t: c.to, d: -1, jobId: c.jobId });
  }
  // Ends before starts at one instant: a job that ends as another begins does not overlap it.
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  const running = new Set<string>();
  const episodes: Episode[] = [];
  let open: Episode | undefined;
  for (const e of events) {
    if (e.d === 1) running.add(e.jobId);
    else running.delete(e.jobId);
    if (running.size > limit) {
      if (!open) {
        open = { from: e.t, to: e.t, peak: 0, jobs: new Set() };
        episodes.push(open);
      }
      open.peak = Math.max(open.peak, running.size);
      for (const j of running) open.jobs.add(j);
    } else if (open) {
      open.to = e.t;
      open = undefined;
    }
  }
  return episodes;
}

/**
 * App mode: a job name's concurrency limit, judged from the documents the service's scheduler
 * stored. A claim surely ran from the first read that showed it running to the last read that
 * still did (see `surely`), so a stretch over the limit there is a violation whatever the sampling; the
 * wider stretches the stamps alone suggest are counted, not judged. A held job of a dead worker
 * counts as running until it is taken over, as the scheduler itself counts it.
 */
export const observedConcurrencyChecker: Checker<"observed-concurrency"> = {
  name: "observed-concurrency",
  describe: {
    pass: "no job name with a concurrency limit ever had more claims running at once than its limit, from the first read that showed each claim running to the last read that surely still did",
    fail: "a stretch with more claims of one limited name **surely** running at once than its limit (the jobs and the stretch named); overlaps only the processes' stamps suggest are counted, not judged",
  },
  check({ history, settings }): CheckerResult<"observed-concurrency"> {
    const figures: ObservedConcurrencyFigures = { names: {}, overLimitEpisodes: 0, possibleOverlaps: 0 };
    if (!settings.app)
      return decide("observed-concurrency", { summary: notAnAppRun, figures, nothingToJudge: true });
    // Judged on the sure intervals; the stamps' wider ones are counted as possible overlaps.
    const maxGapMs = observerOf(history)?.maxGapMs ?? null;
    // The limits the description declares; the documents' own field where it declares none.
    const declared = new Map(settings.app.limits.map((l) => [l.jobName, l.limit]));
    const byName = new Map<string, { limit: number; claims: ObservedClaim[] }>();
    for (const [name, limit] of declared) byName.set(name, { limit, claims: [] });
    for (const claims of claimsByJob(history).values())
      for (const c of claims) {
        const limit = declared.get(c.name) ?? c.concurrency;
        if (limit === undefined) continue;
        const entry = byName.get(c.name) ?? { limit, claims: [] };
        entry.claims.push(c);
        byName.set(c.name, entry);
      }
    const violations: Violation[] = [];
    for (const [name, { limit, claims }] of byName) {
      const end = settings.runEndedAt;
      const sure = claims.map((c) => surely(c, end, maxGapMs));
      const episodes = overLimit(sure, limit);
      const possible = overLimit(
        claims.map((c) => possibly(c, end)),
        limit,
      );
      figures.possibleOverlaps += Math.max(0, possible.length - episodes.length);
      if (claims.length === 0) {
        figures.names[name] = { limit, peak: 0, msOverLimit: 0 };
        continue;
      }
      const peakAll = overLimit(sure, 0).reduce((m, e) => Math.max(m, e.peak), 0);
      figures.names[name] = {
        limit,
        peak: peakAll,
        msOverLimit: episodes.reduce((s, e) => s + (e.to - e.from), 0),
      };
      figures.overLimitEpisodes += episodes.length;
      for (const e of episodes)
        violations.push({
          kind: "over-limit",
          jobId: [...e.jobs][0],
          t: e.from,
          message: `${name} (limit ${limit}) had ${e.peak} claims running at once for ${e.to - e.from} ms from ${new Date(e.from).toISOString()}: jobs ${[...e.jobs].join(", ")}`,
          evidence: { jobs: [...e.jobs], from: e.from, to: e.to, peak: e.peak },
        });
    }
    return decide("observed-concurrency", {
      summary:
        byName.size === 0
          ? "no claim of a job with a concurrency limit was observed"
          : [...byName.keys()]
              .map((n) => `${n}: peak ${figures.names[n]?.peak} of limit ${figures.names[n]?.limit}`)
              .join("; ") +
            (figures.possibleOverlaps > 0
              ? ` (${figures.possibleOverlaps} possible overlap(s) not judged: only the processes' own stamps, taken before their writes land, put them over the limit)`
              : ""),
      violations,
      figures,
      unknowns: [...byName]
        .filter(([, e]) => e.claims.length === 0)
        .map(([name]) => ({
          kind: "never-claimed",
          message: `no job of ${name} was seen claimed: its limit could not be judged`,
        })),
      nothingToJudge: byName.size === 0,
    });
  },
};
