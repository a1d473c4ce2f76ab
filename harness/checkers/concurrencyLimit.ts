import { freeWorkersAt, livenessOf } from "./claimOrder.ts";
import { buildExecutions, type Execution } from "./executions.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { judged, undecided } from "./verdicts.ts";

/** At most this many over-limit episodes are kept as evidence; the figures count them all. */
const MAX_EVIDENCE = 50;

interface Segment {
  from: number;
  to: number;
}

/** Every instant where something changes, in order. */
function timePoints(executions: readonly Execution[], extra: readonly number[]): number[] {
  const points = new Set<number>(extra);
  for (const e of executions) {
    points.add(e.start);
    points.add(e.stop);
    if (e.ackT !== undefined) points.add(e.ackT);
  }
  return [...points].sort((a, b) => a - b);
}

/**
 * Concurrency limits, per job name with a limit: the peak number of executions alive at once
 * against the limit and the time spent over it (a violation), and starvation: a stretch longer than
 * a poll interval plus tolerance during which the name was below its limit, one of its jobs was due
 * and waiting, and a worker slot of a warmed-up process stood free.
 */
export const concurrencyLimitChecker: Checker = {
  name: "concurrency-limit",
  check({ history, settings }): CheckerResult {
    const { pollIntervalMs, timingToleranceMs: tol, runEndedAt } = settings;
    const executions = buildExecutions(history, runEndedAt);
    const live = livenessOf(history.records);
    const limits = new Map<string, number>();
    for (const e of executions) if (e.concurrency != null) limits.set(e.name, e.concurrency);
    const points = timePoints(executions, [
      ...live.processes.map((p) => p.t),
      ...live.faults.map((f) => f.t),
      // The instants jobs start to count as waiting.
      ...executions.map((e) => e.nextRunAt + pollIntervalMs + tol),
    ]);
    const figures: Record<string, number | null> = {};
    const violations: Violation[] = [];
    let episodes = 0;

    for (const [name, limit] of limits) {
      const own = executions.filter((e) => e.name === name);
      let peak = 0;
      let overMs = 0;
      let overSince: number | null = null;
      let starveSince: number | null = null;
      let starvedMs = 0;
      let longestStarve: Segment = { from: 0, to: 0 };
      for (let i = 0; i < points.length - 1; i++) {
        const t = points[i] as number;
        const next = points[i + 1] as number;
        const alive = own.filter((e) => e.start <= t && t < e.stop);
        peak = Math.max(peak, alive.length);
        if (alive.length > limit) {
          overMs += next - t;
          if (overSince === null) {
            overSince = t;
            episodes++;
          }
          if (overSince === t && violations.length < MAX_EVIDENCE) {
            violations.push({
              kind: "over-limit",
              t,
              jobId: alive[0]?.jobId,
              message: `${name}: ${alive.length} executions alive at ${new Date(t).toISOString()}, limit ${limit}: ${alive.map((e) => `${e.jobId}@${e.proc}`).join(", ")}`,
              evidence: {
                name,
                limit,
                alive: alive.map((e) => ({ jobId: e.jobId, execId: e.execId, proc: e.proc, start: e.start })),
              },
            });
          }
        } else overSince = null;
        // The database counts a job as running until the scheduler acknowledges it.
        const running = own.filter((e) => e.start <= t && t < (e.ackT ?? e.stop)).length;
        const waiting = own.some((e) => e.nextRunAt + pollIntervalMs + tol <= t && t < e.start);
        const free = freeWorkersAt(t, executions, live) > 0;
        if (running < limit && waiting && free) {
          if (starveSince === null) starveSince = t;
          starvedMs += next - t;
          if (next - starveSince > longestStarve.to - longestStarve.from)
            longestStarve = { from: starveSince, to: next };
        } else starveSince = null;
      }
      figures[`${name}: limit`] = limit;
      figures[`${name}: peak`] = peak;
      figures[`${name}: msOverLimit`] = overMs;
      figures[`${name}: longestStarvationMs`] = longestStarve.to - longestStarve.from;
      if (longestStarve.to - longestStarve.from > pollIntervalMs + tol) {
        violations.push({
          kind: "starvation",
          t: longestStarve.from,
          message: `${name}: below its limit of ${limit} with a job waiting and a worker slot free for ${longestStarve.to - longestStarve.from} ms from ${new Date(longestStarve.from).toISOString()} (${starvedMs} ms in all)`,
          evidence: { name, limit, from: longestStarve.from, to: longestStarve.to, totalMs: starvedMs },
        });
      }
    }
    if (limits.size === 0) {
      return undecided(this.name, "no job with a concurrency limit ran", figures, violations);
    }
    const parts = [...limits].map(([n, l]) => `${n} peak ${figures[`${n}: peak`]}/${l}`);
    return judged(
      this.name,
      violations,
      `${parts.join(", ")}; ${episodes} times over a limit, ${violations.filter((v) => v.kind === "starvation").length} names starved`,
      figures,
    );
  },
};
