import { percentile, round } from "../util/stats.ts";
import type { Execution } from "./executions.ts";
import type { PriorityFigures } from "./figures.ts";
import { runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** At most this many violations are kept as evidence; the figures count them all. */
const MAX_EVIDENCE = 50;

/**
 * Max of (wait, index) over positions, with point updates and suffix queries: the waiting
 * executions of one (priority, limited) group, positioned by start time.
 */
class MaxTree {
  private readonly size: number;
  private readonly best: Float64Array;
  private readonly at: Int32Array;

  constructor(n: number) {
    this.size = Math.max(1, n);
    this.best = new Float64Array(2 * this.size).fill(Number.NEGATIVE_INFINITY);
    this.at = new Int32Array(2 * this.size).fill(-1);
  }

  set(pos: number, value: number, id: number): void {
    let i = pos + this.size;
    this.best[i] = value;
    this.at[i] = id;
    for (i >>= 1; i >= 1; i >>= 1) {
      const l = 2 * i;
      const r = l + 1;
      const left = (this.best[l] as number) >= (this.best[r] as number);
      this.best[i] = left ? (this.best[l] as number) : (this.best[r] as number);
      this.at[i] = left ? (this.at[l] as number) : (this.at[r] as number);
    }
  }

  /** The best (value, id) over positions [from, size). */
  suffix(from: number): { value: number; id: number } {
    let value = Number.NEGATIVE_INFINITY;
    let id = -1;
    let l = from + this.size;
    let r = 2 * this.size;
    while (l < r) {
      if (l & 1) {
        if ((this.best[l] as number) > value) {
          value = this.best[l] as number;
          id = this.at[l] as number;
        }
        l++;
      }
      if (r & 1) {
        r--;
        if ((this.best[r] as number) > value) {
          value = this.best[r] as number;
          id = this.at[r] as number;
        }
      }
      l >>= 1;
      r >>= 1;
    }
    return { value, id };
  }
}

/** One (priority, limited) group of executions, sorted by claim time, with its tree. */
interface Group {
  members: Execution[];
  /** The members' claim times, ascending. */
  starts: number[];
  position: Map<Execution, number>;
  tree: MaxTree;
}

function upperBound(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Priority order: a priority inversion is an execution of priority p starting while an execution
 * of a higher priority (lower number) had been due and waiting for longer than one poll interval,
 * and started later than the tolerance after it. A waiting job with a concurrency limit behind an
 * unlimited one is counted apart: the scheduler claims unlimited jobs first by design.
 * O(n log n): executions sweep by due time into one max-tree per (priority, limited) group.
 */
export const priorityOrderChecker: Checker<"priority-order"> = {
  name: "priority-order",
  check({ history, settings }): CheckerResult<"priority-order"> {
    const { pollIntervalMs, timingToleranceMs: tol, runEndedAt } = settings;
    const index = runIndexOf(history, runEndedAt, settings.lockTimeoutMs);
    const executions = index.executions;
    const groups = new Map<string, Group>();
    const keyOf = (priority: number, limited: boolean) => `${priority}/${limited}`;
    for (const e of executions) {
      const key = keyOf(e.priority, e.concurrency != null);
      const g: Group = groups.get(key) ?? {
        members: [],
        starts: [],
        position: new Map(),
        tree: new MaxTree(0),
      };
      g.members.push(e);
      groups.set(key, g);
    }
    const priorities = [...new Set(executions.map((e) => e.priority))].sort((a, b) => a - b);
    // Judged by claim times where the ledger has them (the poll that claimed, from lockUntil): a
    // job claimed and then held up before its handler began (a frozen process, a slow round
    // trip) was no longer waiting, and a job claimed first did not pass over anything later.
    const claim = new Map<Execution, number>(executions.map((e) => [e, index.claimAt(e)]));
    const claimOf = (e: Execution) => claim.get(e) as number;
    for (const g of groups.values()) {
      g.members.sort((a, b) => claimOf(a) - claimOf(b));
      g.starts = g.members.map(claimOf);
      g.members.forEach((e, i) => {
        g.position.set(e, i);
      });
      g.tree = new MaxTree(g.members.length);
    }
    const ids = new Map<Execution, number>(executions.map((e, i) => [e, i]));
    // Executions become "due and waiting" once claimable (nextRunAt, or later while an earlier run
    // of the job still held its lock) <= the start of the one judged - poll.
    const due = new Map<Execution, number>(executions.map((e) => [e, index.claimableFrom(e)]));
    const dueOf = (e: Execution) => due.get(e) as number;
    const byDue = [...executions].sort((a, b) => dueOf(a) - dueOf(b));
    const byJudged = [...executions].sort((a, b) => claimOf(a) - claimOf(b));
    let inserted = 0;
    let inversions = 0;
    let byDesign = 0;
    let maxWait = 0;
    const violations: Violation[] = [];
    for (const j of byJudged) {
      const dueBy = claimOf(j) - pollIntervalMs;
      while (inserted < byDue.length && dueOf(byDue[inserted] as Execution) <= dueBy) {
        const h = byDue[inserted++] as Execution;
        const g = groups.get(keyOf(h.priority, h.concurrency != null)) as Group;
        g.tree.set(g.position.get(h) as number, claimOf(h) - dueOf(h), ids.get(h) as number);
      }
      let blocker: Execution | undefined;
      let blockerWait = Number.NEGATIVE_INFINITY;
      let designOnly = false;
      for (const p of priorities) {
        if (p >= j.priority) break;
        for (const limited of [false, true]) {
          const g = groups.get(keyOf(p, limited));
          if (!g) continue;
          const best = g.tree.suffix(upperBound(g.starts, claimOf(j) + tol));
          if (best.id < 0) continue;
          // A limited job waiting behind an unlimited one is the claim path's design.
          if (limited && j.concurrency == null) {
            designOnly = true;
            continue;
          }
          if (best.value > blockerWait) {
            blockerWait = best.value;
            blocker = executions[best.id];
          }
        }
      }
      if (!blocker) {
        if (designOnly) byDesign++;
        continue;
      }
      inversions++;
      maxWait = Math.max(maxWait, blockerWait);
      if (violations.length < MAX_EVIDENCE) {
        violations.push({
          kind: "priority-inversion",
          jobId: j.jobId,
          t: j.start,
          message: `job ${j.jobId} (priority ${j.priority}) was claimed at ${new Date(claimOf(j)).toISOString()} (started ${j.start - claimOf(j)} ms later) while job ${blocker.jobId} (priority ${blocker.priority}) had waited ${claimOf(j) - dueOf(blocker)} ms; it was claimed ${claimOf(blocker) - claimOf(j)} ms later`,
          evidence: {
            started: j.execId,
            waiting: blocker.execId,
            waitingJob: blocker.jobId,
            waitedMs: blockerWait,
          },
        });
      }
    }
    let first = Number.POSITIVE_INFINITY;
    for (const e of executions) first = Math.min(first, e.start);
    const startP50MsByPriority: Record<string, number | null> = {};
    for (const p of priorities) {
      const starts = executions
        .filter((e) => e.priority === p && e.attempt === 1)
        .map((e) => e.start - first);
      if (starts.length) startP50MsByPriority[String(p)] = round(percentile(starts, 50), 0);
    }
    const figures: PriorityFigures = {
      executions: executions.length,
      inversions,
      maxInversionWaitMs: inversions ? maxWait : 0,
      limitedBehindUnlimited: byDesign,
      startP50MsByPriority,
    };
    return decide("priority-order", {
      summary:
        executions.length === 0
          ? "no execution was recorded"
          : `${inversions} priority inversions among ${executions.length} executions${inversions ? ` (worst wait ${maxWait} ms)` : ""}; ${byDesign} starts of unlimited jobs ahead of waiting concurrency-limited ones (by design)`,
      violations,
      figures,
      nothingToJudge: executions.length === 0,
    });
  },
};
