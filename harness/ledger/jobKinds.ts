/**
 * The kinds of job a fault can strike, read from the ledger: limited (a concurrency limit),
 * retrying (a retry policy), repeating (an interval or cron), long (runs past its lock timeout,
 * kept by heartbeats), deduped (a dedupe key), plain (none of these). A job may be of several.
 * Fault targets (`running:KIND`) and the coverage of a run's faults both use them.
 */
import type { AcceptRecord, StartRecord } from "./records.ts";

export const JOB_KINDS = ["limited", "retrying", "repeating", "long", "deduped", "plain"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export function isJobKind(text: string): text is JobKind {
  return (JOB_KINDS as readonly string[]).includes(text);
}

/** A job's kinds, from its accept record (where the load wrote one) and a start record of it. */
export function kindsOf(
  accept: Pick<AcceptRecord, "retry" | "dedupeKey" | "expect" | "long"> | undefined,
  start: Pick<StartRecord, "concurrency" | "repeat" | "attempt" | "dedupeKey">,
): JobKind[] {
  const kinds: JobKind[] = [];
  if (start.concurrency !== undefined) kinds.push("limited");
  if (accept?.retry || start.attempt > 1) kinds.push("retrying");
  if (start.repeat || accept?.expect === "repeating") kinds.push("repeating");
  if (accept?.long) kinds.push("long");
  if (accept?.dedupeKey || start.dedupeKey) kinds.push("deduped");
  return kinds.length ? kinds : ["plain"];
}

/** Whether a job of this name and these kinds answers a `running:` selector (a name or a kind). */
export function runs(selector: string, job: { name: string; kinds: readonly JobKind[] }): boolean {
  return isJobKind(selector) ? job.kinds.includes(selector) : job.name === selector;
}
