import cronParser from "cron-parser";
import type { History } from "../ledger/history.ts";
import { percentile, round } from "../util/stats.ts";
import { type Execution, executionsByJob } from "./executions.ts";
import type { RepeatFigures } from "./figures.ts";
import { claimedAt } from "./reexecutions.ts";
import { runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, CheckSettings, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** Cron ticks strictly after `from` and at or before `to`, in the rule's timezone. */
export function cronTicks(
  cron: string,
  timezone: string | undefined,
  from: number,
  to: number,
  max = 100_000,
): number[] {
  const it = cronParser.parseExpression(cron, { currentDate: new Date(from), tz: timezone ?? "UTC" });
  const ticks: number[] = [];
  for (let i = 0; i < max; i++) {
    const t = it.next().getTime();
    if (t > to) break;
    ticks.push(t);
  }
  return ticks;
}

/**
 * Repeating jobs (interval and cron): each execution's nextRunAt is the slot it ran for. A double
 * tick is a slot run twice (unless the first run's process died); a missed tick is a slot that was
 * due, claimable and never run; drift is start minus slot. Ticks and drift count from each job's
 * second slot: the first is its creation time, due before the workers were up, and the scheduler
 * bases the next slot on how that first run went (skipping cron slots missed meanwhile).
 */
export const repeatTicksChecker: Checker<"repeat-ticks"> = {
  name: "repeat-ticks",
  describe: {
    pass: "every interval or cron slot from a job's second slot on ran exactly once (cron ticks computed in the rule's timezone); drift is start − slot",
    fail: "a slot run twice (a re-run is excused only after the earlier run's process died), or due and never run, the second slot included (due at most one interval after the first run ended, or at the rule's first tick after it began); a tick claimed before its slot (mongo-job-scheduler only); a job accepted as repeating that never ran is **unknown**",
  },
  check({ history, settings }): CheckerResult<"repeat-ticks"> {
    const { pollIntervalMs, timingToleranceMs: tol, runEndedAt } = settings;
    const cutoff = runEndedAt - pollIntervalMs - tol;
    const repeating = runIndexOf(history, runEndedAt, settings.lockTimeoutMs).executions.filter(
      (e) => e.repeat,
    );
    const tally: Tally = { violations: [], drifts: [], doubleTicks: 0, missed: 0, earlyTicks: 0 };
    for (const [jobId, runs] of executionsByJob(repeating)) judgeJob(jobId, runs, cutoff, settings, tally);
    const ran = executionsByJob(repeating);
    const unknowns = neverRan(history, ran);
    const { violations, drifts, doubleTicks, missed, earlyTicks } = tally;
    const figures: RepeatFigures = {
      jobs: ran.size,
      ticks: repeating.length,
      doubleTicks,
      missed,
      driftP50Ms: round(percentile(drifts, 50), 0),
      driftP99Ms: round(percentile(drifts, 99), 0),
    };
    return decide("repeat-ticks", {
      summary:
        repeating.length === 0
          ? "no repeating job ran"
          : `${figures.jobs} repeating jobs ran ${repeating.length} ticks: ${doubleTicks} run twice, ${missed} missed${earlyTicks ? `, ${earlyTicks} early` : ""}; drift p50 ${figures.driftP50Ms} ms, p99 ${figures.driftP99Ms} ms${unknowns.length ? `; ${unknowns.length} accepted repeating job(s) never ran` : ""}`,
      violations,
      unknowns,
      figures,
      nothingToJudge: repeating.length === 0,
    });
  },
};

/** What repeat-ticks gathers job by job: its violations, in report order, the drifts and the counts. */
interface Tally {
  violations: Violation[];
  drifts: number[];
  doubleTicks: number;
  missed: number;
  earlyTicks: number;
}

type Timing = Pick<CheckSettings, "timingToleranceMs" | "claimOrder" | "lockTimeoutMs">;

/** Judges one repeating job: per slot its drift, early and double ticks; then its missed ticks. */
function judgeJob(
  jobId: string,
  runs: readonly Execution[],
  cutoff: number,
  timing: Timing,
  tally: Tally,
): void {
  const first = runs[0] as Execution;
  const bySlot = runsBySlot(runs);
  const slots = [...bySlot.keys()].sort((a, b) => a - b);
  for (const [slot, list] of bySlot) {
    // The first slot is the creation time, due before the workers were up: no drift there.
    if (slot !== slots[0]) tally.drifts.push((list[0] as Execution).start - slot);
    const early = earlyTick(jobId, slot, list[0] as Execution, timing);
    if (early) {
      tally.earlyTicks++;
      tally.violations.push(early);
    }
    // A slot run again is excused only as the recovery of a run whose process died before it.
    const repeats = list
      .slice(1)
      .filter((e, i) => ((list[i] as Execution).diedAt ?? Number.POSITIVE_INFINITY) > e.start);
    if (repeats.length) {
      tally.doubleTicks += repeats.length;
      tally.violations.push({
        kind: "double-tick",
        jobId,
        t: slot,
        message: `job ${jobId} (${first.name}) ran its ${new Date(slot).toISOString()} tick ${list.length} times (${list.map((e) => `${e.execId}@${e.proc}`).join(", ")})`,
      });
    }
  }
  const missing = missedTicks(first.repeat ?? {}, bySlot, slots, cutoff);
  tally.missed += missing.length;
  if (missing.length) {
    tally.violations.push({
      kind: "missed-tick",
      jobId,
      t: missing[0],
      message: `job ${jobId} (${first.name}) missed ${missing.length} tick(s), the first due ${new Date(missing[0] as number).toISOString()}`,
      evidence: { missed: missing.slice(0, 20) },
    });
  }
}

/** One job's runs grouped by the slot (nextRunAt) each ran for, in run order. */
function runsBySlot(runs: readonly Execution[]): Map<number, Execution[]> {
  const bySlot = new Map<number, Execution[]>();
  for (const e of runs) {
    const list = bySlot.get(e.nextRunAt);
    if (list) list.push(e);
    else bySlot.set(e.nextRunAt, [e]);
  }
  return bySlot;
}

/** The early-tick violation of a slot whose first run was claimed before it, if so. */
function earlyTick(jobId: string, slot: number, opener: Execution, timing: Timing): Violation | undefined {
  // mongo-job-scheduler's claims only: the claim's poll time, from lockUntil, and the slot are both
  // its own clock values.
  if (timing.claimOrder !== "global-priority" || opener.lockUntil === undefined) return undefined;
  const claimed = claimedAt(opener, timing);
  if (claimed < slot - timing.timingToleranceMs) {
    return {
      kind: "early-tick",
      jobId,
      t: slot,
      message: `job ${jobId} (${opener.name}) ran its ${new Date(slot).toISOString()} tick ${slot - claimed} ms early (claimed ${new Date(claimed).toISOString()} by ${opener.execId} on ${opener.proc})`,
    };
  }
  return undefined;
}

type Rule = NonNullable<Execution["repeat"]>;

/** The ticks of one job due by the cutoff that never ran, in time order, from its second slot on. */
function missedTicks(
  rule: Rule,
  bySlot: ReadonlyMap<number, readonly Execution[]>,
  slots: readonly number[],
  cutoff: number,
): number[] {
  // Ticks count from the second slot: the first run's own timing decides where the grid starts.
  const grid = slots.slice(1);
  const missing: number[] = [];
  if (grid.length === 0) {
    const second = secondSlot(rule, bySlot.get(slots[0] as number) ?? []);
    if (second !== undefined && second <= cutoff) missing.push(second);
  }
  if (rule.every) {
    const every = Math.max(rule.every, 100);
    for (let i = 0; i + 1 < grid.length; i++) {
      const gap = (grid[i + 1] as number) - (grid[i] as number);
      for (let k = 1; k < Math.round(gap / every); k++) missing.push((grid[i] as number) + k * every);
    }
    const last = grid[grid.length - 1];
    if (last !== undefined) for (let t = last + every; t <= cutoff; t += every) missing.push(t);
  } else if (rule.cron) {
    for (let i = 0; i + 1 < grid.length; i++) {
      missing.push(...cronTicks(rule.cron, rule.timezone, grid[i] as number, (grid[i + 1] as number) - 1));
    }
    const last = grid[grid.length - 1];
    if (last !== undefined) missing.push(...cronTicks(rule.cron, rule.timezone, last, cutoff));
  }
  return missing;
}

/** The latest the second slot can be when only the first ran; undefined if no run of it finished. */
function secondSlot(rule: Rule, only: readonly Execution[]): number | undefined {
  // The scheduler sets the second after it: an interval job's at most one interval after its run
  // ended, a cron job's at the rule's first tick after the claim (so at or before its first tick
  // after the run's start).
  const done = only.filter((e) => e.end !== undefined && e.diedAt === undefined).at(-1);
  return !done
    ? undefined
    : rule.every
      ? (done.end as number) + Math.max(rule.every, 100)
      : rule.cron
        ? cronTicks(rule.cron, rule.timezone, done.start, Number.POSITIVE_INFINITY, 1)[0]
        : undefined;
}

/** An unknown per job accepted as repeating that never ran: its ticks cannot be judged. */
function neverRan(history: History, ran: ReadonlyMap<string, readonly Execution[]>): Violation[] {
  // Its rule and first slot are unknown (the request may have set a later start); never a pass.
  const unknowns: Violation[] = [];
  for (const r of history.records) {
    if (r.type !== "accept" || r.expect !== "repeating" || ran.has(r.jobId)) continue;
    if (unknowns.some((u) => u.jobId === r.jobId)) continue;
    unknowns.push({
      kind: "never-ran",
      jobId: r.jobId,
      t: r.t,
      message: `job ${r.jobId} (${r.name}) was accepted as repeating at ${new Date(r.t).toISOString()} but never ran: its ticks cannot be judged`,
    });
  }
  return unknowns;
}
