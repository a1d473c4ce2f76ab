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

/** The times the sweep judges executions by. */
interface Clock {
  /** When the poll that claimed e began (its start where the ledger lacks lockUntil). */
  claimOf(e: Execution): number;
  /** When e became due and waiting: claimable, and no earlier run of its job held the lock. */
  dueOf(e: Execution): number;
}

/** What the sweep found: the inversions (evidence capped), starts that were by design, the worst wait. */
interface Inversions {
  violations: Violation[];
  inversions: number;
  byDesign: number;
  maxWait: number;
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
  describe: {
    pass: "no inversions: no job starts while a job of higher priority has been claimable and waiting for over a poll interval (due, and for the re-run of a killed job, its dead run's lock could have lapsed: one lock timeout after the death), judged by claim times where the ledger has them (the claim's `lockUntil` less the lock timeout) (and starts later by more than the tolerance); unlimited jobs ahead of waiting limited ones are counted apart, as the claim path's design",
    fail: "an inversion, with both job ids and the wait",
  },
  check({ history, settings }): CheckerResult<"priority-order"> {
    const { pollIntervalMs, timingToleranceMs: tol, runEndedAt } = settings;
    const index = runIndexOf(history, runEndedAt, settings.lockTimeoutMs);
    const executions = index.executions;
    const priorities = [...new Set(executions.map((e) => e.priority))].sort((a, b) => a - b);
    // Judged by claim times where the ledger has them (the poll that claimed, from lockUntil): a
    // job claimed and then held up before its handler began (a frozen process, a slow round
    // trip) was no longer waiting, and a job claimed first did not pass over anything later.
    const claim = new Map<Execution, number>(executions.map((e) => [e, index.claimAt(e)]));
    // Executions become "due and waiting" once claimable (nextRunAt, or later while an earlier run
    // of the job still held its lock) <= the start of the one judged - poll.
    const due = new Map<Execution, number>(executions.map((e) => [e, index.claimableFrom(e)]));
    const clock: Clock = { claimOf: (e) => claim.get(e) as number, dueOf: (e) => due.get(e) as number };
    const groups = groupsOf(executions, clock);
    const { violations, inversions, byDesign, maxWait } = sweepInversions(
      executions,
      groups,
      priorities,
      clock,
      { pollIntervalMs, tol },
    );
    const figures: PriorityFigures = {
      executions: executions.length,
      inversions,
      maxInversionWaitMs: inversions ? maxWait : 0,
      limitedBehindUnlimited: byDesign,
      startP50MsByPriority: startP50ByPriority(executions, priorities),
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

const keyOf = (priority: number, limited: boolean) => `${priority}/${limited}`;

/** The executions' (priority, limited) groups, each sorted by claim time, with an empty tree. */
function groupsOf(executions: readonly Execution[], clock: Clock): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const e of executions) {
    const key = keyOf(e.priority, e.concurrency != null);
    let g = groups.get(key);
    if (!g) {
      g = { members: [], starts: [], position: new Map(), tree: new MaxTree(0) };
      groups.set(key, g);
    }
    g.members.push(e);
  }
  for (const g of groups.values()) {
    g.members.sort((a, b) => clock.claimOf(a) - clock.claimOf(b));
    g.starts = g.members.map(clock.claimOf);
    g.members.forEach((e, i) => {
      g.position.set(e, i);
    });
    g.tree = new MaxTree(g.members.length);
  }
  return groups;
}

/** Judges every claim, in claim order, against the higher-priority executions waiting at that moment. */
function sweepInversions(
  executions: readonly Execution[],
  groups: ReadonlyMap<string, Group>,
  priorities: readonly number[],
  clock: Clock,
  timing: { pollIntervalMs: number; tol: number },
): Inversions {
  const { claimOf, dueOf } = clock;
  const ids = new Map<Execution, number>(executions.map((e, i) => [e, i]));
  const byDue = [...executions].sort((a, b) => dueOf(a) - dueOf(b));
  const byJudged = [...executions].sort((a, b) => claimOf(a) - claimOf(b));
  const out: Inversions = { violations: [], inversions: 0, byDesign: 0, maxWait: 0 };
  let inserted = 0;
  for (const j of byJudged) {
    // An execution enters its group's tree once due for a poll interval before the claim judged.
    const dueBy = claimOf(j) - timing.pollIntervalMs;
    while (inserted < byDue.length && dueOf(byDue[inserted] as Execution) <= dueBy) {
      const h = byDue[inserted++] as Execution;
      const g = groups.get(keyOf(h.priority, h.concurrency != null)) as Group;
      g.tree.set(g.position.get(h) as number, claimOf(h) - dueOf(h), ids.get(h) as number);
    }
    const { blocker, wait, designOnly } = longestWaitingAhead(
      j,
      executions,
      groups,
      priorities,
      clock,
      timing.tol,
    );
    if (!blocker) {
      if (designOnly) out.byDesign++;
      continue;
    }
    out.inversions++;
    out.maxWait = Math.max(out.maxWait, wait);
    if (out.violations.length < MAX_EVIDENCE) out.violations.push(inversion(j, blocker, wait, clock));
  }
  return out;
}

/** The higher-priority execution waiting longest at j's claim, and its wait; or whether one was by design. */
function longestWaitingAhead(
  j: Execution,
  executions: readonly Execution[],
  groups: ReadonlyMap<string, Group>,
  priorities: readonly number[],
  clock: Clock,
  tol: number,
): { blocker: Execution | undefined; wait: number; designOnly: boolean } {
  let blocker: Execution | undefined;
  let blockerWait = Number.NEGATIVE_INFINITY;
  let designOnly = false;
  // Waiting: due by now (in the tree) and claimed later than the tolerance after j.
  for (const p of priorities) {
    if (p >= j.priority) break;
    for (const limited of [false, true]) {
      const g = groups.get(keyOf(p, limited));
      if (!g) continue;
      const best = g.tree.suffix(upperBound(g.starts, clock.claimOf(j) + tol));
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
  return { blocker, wait: blockerWait, designOnly };
}

/** The priority-inversion violation of j claimed while `blocker` had waited `wait` ms. */
function inversion(j: Execution, blocker: Execution, wait: number, { claimOf, dueOf }: Clock): Violation {
  return {
    kind: "priority-inversion",
    jobId: j.jobId,
    t: j.start,
    message: `job ${j.jobId} (priority ${j.priority}) was claimed at ${new Date(claimOf(j)).toISOString()} (started ${j.start - claimOf(j)} ms later) while job ${blocker.jobId} (priority ${blocker.priority}) had waited ${claimOf(j) - dueOf(blocker)} ms; it was claimed ${claimOf(blocker) - claimOf(j)} ms later`,
    evidence: {
      started: j.execId,
      waiting: blocker.execId,
      waitingJob: blocker.jobId,
      waitedMs: wait,
    },
  };
}

/** Median first-attempt start (ms after the run's first start) by priority, for priorities that ran one. */
function startP50ByPriority(
  executions: readonly Execution[],
  priorities: readonly number[],
): Record<string, number | null> {
  let first = Number.POSITIVE_INFINITY;
  for (const e of executions) first = Math.min(first, e.start);
  const startP50MsByPriority: Record<string, number | null> = {};
  for (const p of priorities) {
    const starts = executions.filter((e) => e.priority === p && e.attempt === 1).map((e) => e.start - first);
    if (starts.length) startP50MsByPriority[String(p)] = round(percentile(starts, 50), 0);
  }
  return startP50MsByPriority;
}
