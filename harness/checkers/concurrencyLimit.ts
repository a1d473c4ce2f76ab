import type { Execution } from "./executions.ts";
import type { ConcurrencyFigures, ConcurrencyNameFigures } from "./figures.ts";
import { type RunIndex, runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, CheckSettings, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** At most this many over-limit episodes are kept as evidence; the figures count them all. */
const MAX_EVIDENCE = 50;

type Event = { t: number; alive?: number; running?: number; waiting?: number; exec?: Execution };

/** Where one name's sweep stands after the events applied so far. */
interface SweepState {
  /** Executions whose handler is running. */
  alive: Set<Execution>;
  /** Jobs of the name the database holds as running. */
  running: number;
  /** Jobs of the name due for over a poll interval plus tolerance and not yet claimed. */
  waiting: number;
  peak: number;
  overMs: number;
  /** Start of the current over-limit episode, if one is under way. */
  overSince: number | null;
  episodes: number;
  /** Start of the current starved stretch, if one is under way. */
  starveSince: number | null;
  starvedMs: number;
  longest: { from: number; to: number };
}

type Timing = Pick<CheckSettings, "pollIntervalMs" | "timingToleranceMs">;

/**
 * One name's sweep over time: executions alive (handler running), running in the database's eyes
 * (until the acknowledgement, or for a run whose process died, while its lock may have been
 * live), waiting (due for over a poll interval plus tolerance and not yet
 * started), and free worker slots. O(k log k) for the name's k executions, plus the free-slot
 * changes inside its active span.
 */
function sweepName(
  name: string,
  limits: { min: number; max: number },
  own: readonly Execution[],
  index: RunIndex,
  settings: Timing,
  violations: Violation[],
): { figures: ConcurrencyNameFigures; episodes: number; starvation?: Violation } {
  // Each claim checks the name's running count against the claimed job's own limit. With one limit
  // per name (every scenario) that is the name's limit. Should jobs of one name carry different
  // limits, a start over its own limit is a violation, any moment over the largest one is, and
  // starvation is judged against the smallest (below it, every waiting job was claimable).
  const limit = limits.max;
  const events = eventsOf(own, index, settings);
  const state: SweepState = {
    alive: new Set<Execution>(),
    running: 0,
    waiting: 0,
    peak: 0,
    overMs: 0,
    overSince: null,
    episodes: 0,
    starveSince: null,
    starvedMs: 0,
    longest: { from: 0, to: 0 },
  };
  for (let i = 0; i < events.length; ) {
    const t = (events[i] as Event).t;
    const started: Execution[] = [];
    while (i < events.length && (events[i] as Event).t === t)
      applyEvent(events[i++] as Event, state, started);
    const next = i < events.length ? (events[i] as Event).t : t;
    state.peak = Math.max(state.peak, state.alive.size);
    trackOverLimit(name, limit, t, next, started, state, violations);
    trackStarvation(limits.min, t, next, index, state);
  }
  const { peak, overMs, episodes, starvedMs, longest } = state;
  const longestMs = longest.to - longest.from;
  const starvation =
    longestMs > settings.pollIntervalMs + settings.timingToleranceMs
      ? {
          kind: "starvation",
          t: longest.from,
          message: `${name}: below its limit of ${limits.min} with a job waiting and a worker slot free for ${longestMs} ms from ${new Date(longest.from).toISOString()} (${starvedMs} ms in all)`,
          evidence: { name, limit: limits.min, from: longest.from, to: longest.to, totalMs: starvedMs },
        }
      : undefined;
  return {
    figures: { limit, peak, msOverLimit: overMs, longestStarvationMs: longestMs },
    episodes,
    starvation,
  };
}

/** The name's sweep events by time (ties in the order made), with the free-slot changes in their span. */
function eventsOf(own: readonly Execution[], index: RunIndex, settings: Timing): Event[] {
  const events: Event[] = [];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const e of own) {
    // The database counts a job running from its claim (the poll that claimed it, from lockUntil),
    // though its handler may begin later (a process frozen in between): from then on it holds its
    // name's slot and no longer waits.
    const claimed = index.claimAt(e);
    events.push({ t: e.start, alive: 1, exec: e }, { t: e.stop, alive: -1, exec: e });
    events.push({ t: claimed, running: 1 });
    // A run whose process died holds its name's slot while its lock may still be live (up to one
    // lock timeout after the death): other jobs of the name are not claimable meanwhile. A stale
    // lock kept past that is no reason to leave the name below its limit.
    const released =
      e.diedAt === undefined
        ? index.releasedAt(e)
        : Math.min(index.releasedAt(e), e.diedAt + index.lockTimeoutMs);
    events.push({ t: released, running: -1 });
    // Waiting from when the job was claimable for this run (not while a dead run's lock held it).
    const due = index.claimableFrom(e) + settings.pollIntervalMs + settings.timingToleranceMs;
    if (due < claimed) events.push({ t: due, waiting: 1 }, { t: claimed, waiting: -1 });
    lo = Math.min(lo, claimed, due);
    hi = Math.max(hi, e.stop, released);
  }
  for (const t of index.freeWorkers().changesIn(lo, hi)) events.push({ t });
  events.sort((a, b) => a.t - b.t);
  return events;
}

/** Applies one event to the state; an execution whose handler starts is added to `started`. */
function applyEvent(ev: Event, state: SweepState, started: Execution[]): void {
  if (ev.alive === 1) {
    state.alive.add(ev.exec as Execution);
    started.push(ev.exec as Execution);
  } else if (ev.alive === -1) state.alive.delete(ev.exec as Execution);
  state.running += ev.running ?? 0;
  state.waiting += ev.waiting ?? 0;
}

/** Counts over-limit time and episodes on [t, next), adding a violation at each episode's start. */
function trackOverLimit(
  name: string,
  limit: number,
  t: number,
  next: number,
  started: readonly Execution[],
  state: SweepState,
  violations: Violation[],
): void {
  // Over: more alive than the name's limit, or a start over the starting job's own limit.
  const alive = state.alive.size;
  const overOwn = started.find((e) => e.concurrency != null && alive > e.concurrency);
  if (alive > limit || (overOwn && state.overSince === null)) {
    if (alive > limit) state.overMs += next - t;
    if (state.overSince === null) {
      state.overSince = t;
      state.episodes++;
      // The evidence cap is over all names: `violations` holds every name's.
      if (violations.length < MAX_EVIDENCE) {
        const list = [...state.alive];
        violations.push({
          kind: "over-limit",
          t,
          jobId: alive > limit ? list[0]?.jobId : overOwn?.jobId,
          message: `${name}: ${alive} executions alive at ${new Date(t).toISOString()}, limit ${alive > limit ? limit : overOwn?.concurrency}${alive > limit ? "" : ` (that of ${overOwn?.jobId}, which started then)`}: ${list.map((e) => `${e.jobId}@${e.proc}`).join(", ")}`,
          evidence: {
            name,
            limit: alive > limit ? limit : overOwn?.concurrency,
            alive: list.map((e) => ({ jobId: e.jobId, execId: e.execId, proc: e.proc, start: e.start })),
          },
        });
      }
      if (alive <= limit) state.overSince = null;
    }
  } else state.overSince = null;
}

/** Counts starved time on [t, next) (below min, a job waiting, a slot free) and the longest stretch. */
function trackStarvation(min: number, t: number, next: number, index: RunIndex, state: SweepState): void {
  if (state.running < min && state.waiting > 0 && index.freeWorkersAt(t) > 0) {
    if (state.starveSince === null) state.starveSince = t;
    state.starvedMs += next - t;
    if (next - state.starveSince > state.longest.to - state.longest.from)
      state.longest = { from: state.starveSince, to: next };
  } else state.starveSince = null;
}

/**
 * Concurrency limits, per job name with a limit: the peak number of executions alive at once
 * against the limit and the time spent over it (a violation), and starvation: a stretch longer than
 * a poll interval plus tolerance during which the name was below its limit, one of its jobs was due
 * and waiting, and a worker slot of a warmed-up process stood free.
 */
export const concurrencyLimitChecker: Checker<"concurrency-limit"> = {
  name: "concurrency-limit",
  describe: {
    pass: "per name, executions alive at once never exceed the limit; no starvation",
    fail: "a moment over the limit (with the jobs alive), or a stretch longer than poll + tolerance with the name below its limit (a killed run holds its slot until its lock could have lapsed), one of its jobs waiting and a warmed-up worker idle",
  },
  check({ history, settings }): CheckerResult<"concurrency-limit"> {
    const index = runIndexOf(history, settings.runEndedAt, settings.lockTimeoutMs);
    const byName = new Map<string, { limits: { min: number; max: number }; own: Execution[] }>();
    for (const e of index.executions) {
      if (e.concurrency == null) continue;
      const entry = byName.get(e.name) ?? { limits: { min: e.concurrency, max: e.concurrency }, own: [] };
      entry.limits.min = Math.min(entry.limits.min, e.concurrency);
      entry.limits.max = Math.max(entry.limits.max, e.concurrency);
      byName.set(e.name, entry);
    }
    for (const e of index.executions) byName.get(e.name)?.own.push(e);
    const names: Record<string, ConcurrencyNameFigures> = {};
    const violations: Violation[] = [];
    const starved: Violation[] = [];
    let episodes = 0;
    for (const [name, { limits, own }] of byName) {
      const swept = sweepName(name, limits, own, index, settings, violations);
      names[name] = swept.figures;
      episodes += swept.episodes;
      if (swept.starvation) starved.push(swept.starvation);
    }
    violations.push(...starved);
    const figures: ConcurrencyFigures = { names, overLimitEpisodes: episodes, starvedNames: starved.length };
    const parts = Object.entries(names).map(([n, f]) => `${n} peak ${f.peak}/${f.limit}`);
    return decide("concurrency-limit", {
      summary:
        byName.size === 0
          ? "no job with a concurrency limit ran"
          : `${parts.join(", ")}; ${episodes} times over a limit, ${starved.length} names starved`,
      violations,
      figures,
      nothingToJudge: byName.size === 0,
    });
  },
};
