import type { Execution } from "./executions.ts";

/**
 * How a scheduler picks the next job to claim, as its adapter declares it (recorded in
 * result.json under `sut.claimOrder`, so `analyze` judges a saved run by the same model):
 *
 * - `global-priority` (mongo-job-scheduler 1.x `findAndLockNext`): one order over every job: jobs
 *   without a concurrency limit first, by (priority, nextRunAt); only when none is claimable,
 *   limited jobs by (priority, nextRunAt), skipping names whose running count is at their limit.
 * - `per-name` (Agenda 6): every poll fills each defined name's queue on its own (one claim query
 *   per name), so a job of one name is never claimed instead of a job of another. Within a name,
 *   its MongoDB backend's default sort: nextRunAt ascending, then priority (more urgent first).
 *   Agenda clears a job's nextRunAt when a run starts, so a job whose lock lapsed under a dead
 *   run has none and comes before every job of its name that is due by date; between two such
 *   jobs only priority orders them.
 */
export const claimOrders = {
  "global-priority": "one global order: unlimited jobs first, then by priority and due time",
  "per-name": "name by name: each job name claimed on its own, by due time then priority within it",
} as const;
export type ClaimOrder = keyof typeof claimOrders;

/** The model a result written before adapters declared one was judged by. */
export const DEFAULT_CLAIM_ORDER: ClaimOrder = "global-priority";

/** mongo-job-scheduler's order between two jobs of the same class: priority, then due time. */
export function sortsBefore(
  a: Pick<Execution, "priority" | "nextRunAt">,
  b: Pick<Execution, "priority" | "nextRunAt">,
) {
  return a.priority < b.priority || (a.priority === b.priority && a.nextRunAt < b.nextRunAt);
}

/** What deciding whether a claim passed over a job needs to know of the rest of the run. */
export interface ClaimContext {
  /** The database's running count of a name at time t. */
  runningCount(name: string, t: number): number;
  /** Whether execution e re-runs a job whose previous execution died holding its lock. */
  recoversLapsedLock(e: Execution): boolean;
}

/**
 * Whether claiming `j` passed over `v` under the scheduler's claim order, `v` being claimable
 * then (a killed job whose lock had lapsed): evidence that `v` was not recovered when it could
 * have been.
 */
export function passesOver(order: ClaimOrder, j: Execution, v: Execution, ctx: ClaimContext): boolean {
  if (j.jobId === v.jobId) return false;
  if (order === "per-name") {
    if (j.name !== v.name) return false;
    // v's lock lapsed, so it has no nextRunAt: it precedes j unless j's lock lapsed too.
    return ctx.recoversLapsedLock(j) ? v.priority < j.priority : true;
  }
  if (v.concurrency == null) return j.concurrency != null || sortsBefore(v, j);
  if (j.concurrency == null) return false;
  if (!sortsBefore(v, j)) return false;
  if (j.name === v.name) return true;
  return ctx.runningCount(v.name, j.start) < v.concurrency;
}

/** How a late recovery's explanation names the order. */
export function claimOrderPhrase(order: ClaimOrder): string {
  return order === "per-name" ? "its name's claim order (claimed name by name)" : "the claim order";
}
