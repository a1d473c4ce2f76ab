import cronParser from "cron-parser";
import { percentile, round } from "../util/stats.ts";
import { type Execution, executionsByJob } from "./executions.ts";
import type { RepeatFigures } from "./figures.ts";
import { claimedAt } from "./reexecutions.ts";
import { runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** Cron ticks strictly after `from` and at or before `to`, in the rule's timezone. */
function cronTicks(
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
  check({ history, settings }): CheckerResult<"repeat-ticks"> {
    const { pollIntervalMs, timingToleranceMs: tol, runEndedAt } = settings;
    const cutoff = runEndedAt - pollIntervalMs - tol;
    const repeating = runIndexOf(history, runEndedAt, settings.lockTimeoutMs).executions.filter(
      (e) => e.repeat,
    );
    const violations: Violation[] = [];
    const drifts: number[] = [];
    let doubleTicks = 0;
    let missed = 0;
    let earlyTicks = 0;
    for (const [jobId, runs] of executionsByJob(repeating)) {
      const first = runs[0] as Execution;
      const rule = first.repeat ?? {};
      const bySlot = new Map<number, Execution[]>();
      for (const e of runs) {
        const list = bySlot.get(e.nextRunAt);
        if (list) list.push(e);
        else bySlot.set(e.nextRunAt, [e]);
      }
      const slots = [...bySlot.keys()].sort((a, b) => a - b);
      for (const [slot, list] of bySlot) {
        // The first slot is the creation time, due before the workers were up: no drift there.
        if (slot !== slots[0]) drifts.push((list[0] as Execution).start - slot);
        // A tick claimed before its slot ran early (mongo-job-scheduler's claims only: the claim's
        // poll time, from lockUntil, and the slot are both its own clock values).
        const opener = list[0] as Execution;
        if (settings.claimOrder === "global-priority" && opener.lockUntil !== undefined) {
          const claimed = claimedAt(opener, settings);
          if (claimed < slot - tol) {
            earlyTicks++;
            violations.push({
              kind: "early-tick",
              jobId,
              t: slot,
              message: `job ${jobId} (${opener.name}) ran its ${new Date(slot).toISOString()} tick ${slot - claimed} ms early (claimed ${new Date(claimed).toISOString()} by ${opener.execId} on ${opener.proc})`,
            });
          }
        }
        // A slot run again is excused only as the recovery of a run whose process died before it.
        const repeats = list
          .slice(1)
          .filter((e, i) => ((list[i] as Execution).diedAt ?? Number.POSITIVE_INFINITY) > e.start);
        if (repeats.length) {
          doubleTicks += repeats.length;
          violations.push({
            kind: "double-tick",
            jobId,
            t: slot,
            message: `job ${jobId} (${first.name}) ran its ${new Date(slot).toISOString()} tick ${list.length} times (${list.map((e) => `${e.execId}@${e.proc}`).join(", ")})`,
          });
        }
      }
      // Ticks count from the second slot: the first run's own timing decides where the grid starts.
      const grid = slots.slice(1);
      const missing: number[] = [];
      if (grid.length === 0) {
        // Only the first slot ran. The scheduler sets the second after it: an interval job's at
        // most one interval after its run ended, a cron job's at the rule's first tick after the
        // claim (so at or before its first tick after the run's start).
        const only = bySlot.get(slots[0] as number) ?? [];
        const done = only.filter((e) => e.end !== undefined && e.diedAt === undefined).at(-1);
        const second = !done
          ? undefined
          : rule.every
            ? (done.end as number) + Math.max(rule.every, 100)
            : rule.cron
              ? cronTicks(rule.cron, rule.timezone, done.start, Number.POSITIVE_INFINITY, 1)[0]
              : undefined;
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
          missing.push(
            ...cronTicks(rule.cron, rule.timezone, grid[i] as number, (grid[i + 1] as number) - 1),
          );
        }
        const last = grid[grid.length - 1];
        if (last !== undefined) missing.push(...cronTicks(rule.cron, rule.timezone, last, cutoff));
      }
      missed += missing.length;
      if (missing.length) {
        violations.push({
          kind: "missed-tick",
          jobId,
          t: missing[0],
          message: `job ${jobId} (${first.name}) missed ${missing.length} tick(s), the first due ${new Date(missing[0] as number).toISOString()}`,
          evidence: { missed: missing.slice(0, 20) },
        });
      }
    }
    // A job accepted as repeating that never ran: its rule and first slot are unknown (the request
    // may have set a later start), so its ticks cannot be judged; never a pass.
    const ran = executionsByJob(repeating);
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
