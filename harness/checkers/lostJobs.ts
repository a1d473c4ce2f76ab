import type { AcceptRecord } from "../ledger/records.ts";
import type { Execution } from "./executions.ts";
import { type LostJobsFigures, type LostReason, lostReasons } from "./figures.ts";
import { describeExecution } from "./reexecutions.ts";
import { type RunIndex, runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, CheckSettings, JobState, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

export { type LostReason, lostReasons } from "./figures.ts";

function reasonFor(job: JobState | undefined, index: RunIndex, runEndedAt: number): LostReason {
  if (!job) return "missing from the database";
  if (job.status === "running") {
    const last = index.byJob.get(job.id)?.at(-1);
    if (last && index.unavailableAt(last.instance, runEndedAt)) return "on an unavailable process at the end";
    return job.lockUntil != null && job.lockUntil <= runEndedAt
      ? "stuck running with an expired lock"
      : "still running with a live lock";
  }
  if (job.status === "pending" || job.status === "failed" || job.status === "cancelled") return job.status;
  return "other status";
}

const iso = (t: number) => new Date(t).toISOString();

/**
 * The total queue, as Jepsen checks one: every accepted enqueue request is an obligation, and
 * the final state is checked against the requests and against the ledger, in both directions.
 *
 * - lost: an accepted job not in its expected final status; two requests without a dedupe key
 *   answered with one id (one of the two jobs was lost, though no id is missing);
 * - unexpected: a job document, or an execution, that no accepted request created (a document
 *   that a request with no answer may have created is unknown, not unexpected);
 * - contradicted: a final state the ledger denies: completed with no execution that ended well,
 *   failed with no execution that failed, an attempt count no execution matches, or not
 *   completed although the scheduler acknowledged a completion.
 */
export const lostJobsChecker: Checker<"lost-jobs"> = {
  name: "lost-jobs",
  check({ history, finalState, settings }): CheckerResult<"lost-jobs"> {
    const index = runIndexOf(history, settings.runEndedAt, settings.lockTimeoutMs);
    const requests = history.records.filter((r): r is AcceptRecord => r.type === "accept");
    const byJob = new Map<string, AcceptRecord[]>();
    for (const a of requests) {
      const list = byJob.get(a.jobId);
      if (list) list.push(a);
      else byJob.set(a.jobId, [a]);
    }
    const acceptedRequests = new Set(requests.map((a) => a.request));
    const docs = new Map(finalState.map((j) => [j.id, j]));
    const violations: Violation[] = [];
    const unknowns: Violation[] = [];
    const byReason = Object.fromEntries(lostReasons.map((r) => [r, 0])) as Record<LostReason, number>;
    let completed = 0;
    let lost = 0;
    let mergedRequests = 0;

    for (const [jobId, list] of byJob) {
      const first = list[0] as AcceptRecord;
      // Requests, not ids: without a dedupe key (or with different keys), one id answering
      // several requests means the others' jobs were lost.
      const keys = new Set(list.map((a) => a.dedupeKey ?? `\u0000${a.request}`));
      if (keys.size > 1) {
        mergedRequests += keys.size - 1;
        violations.push({
          kind: "merged-requests",
          jobId,
          t: first.t,
          message: `job ${jobId} (${first.name}) was the answer to ${list.length} requests (${list.map((a) => a.request + (a.dedupeKey ? ` key ${a.dedupeKey}` : "")).join(", ")}) that should each have made a job of their own: ${keys.size - 1} job(s) lost`,
          evidence: {
            requests: list.map((a) => ({ request: a.request, t: a.t, dedupeKey: a.dedupeKey ?? null })),
          },
        });
      }
      const job = docs.get(jobId);
      if (job?.status === "completed") completed++;
      const expect = first.expect;
      if (
        job &&
        (job.status === expect || (expect === "repeating" && ["pending", "running"].includes(job.status)))
      )
        continue;
      const reason = reasonFor(job, index, settings.runEndedAt);
      const finding: Violation = {
        kind: "lost",
        jobId,
        t: first.t,
        message: `job ${jobId} (${first.name}, priority ${first.priority}) accepted at ${iso(first.t)} is ${reason}, expected ${expect}`,
        evidence: {
          reason,
          status: job?.status ?? null,
          lockUntil: job?.lockUntil ?? null,
          attempts: job?.attempts ?? null,
        },
      };
      if (!settings.complete || reason === "on an unavailable process at the end") {
        unknowns.push({ ...finding, kind: "unfinished" });
        continue;
      }
      lost++;
      byReason[reason]++;
      violations.push(finding);
    }

    // Unexpected: documents and executions no accepted request created.
    let unexpectedJobs = 0;
    let unexpectedExecutions = 0;
    for (const job of finalState) {
      if (byJob.has(job.id)) continue;
      const runs = index.byJob.get(job.id) ?? [];
      const indeterminate = job.request != null && !acceptedRequests.has(job.request);
      const finding: Violation = {
        kind: "unexpected-job",
        jobId: job.id,
        message: `job ${job.id} (${job.name}, ${job.status}) is in the database, but no accepted request created it${job.request != null ? ` (it carries request ${job.request}${indeterminate ? ", which got no answer" : ", whose answer named another job"})` : ""}; ${runs.length} execution(s)`,
        evidence: { status: job.status, request: job.request ?? null, executions: runs.map((e) => e.execId) },
      };
      if (indeterminate) unknowns.push({ ...finding, kind: "indeterminate-request" });
      else {
        unexpectedJobs++;
        violations.push(finding);
      }
    }
    for (const [jobId, runs] of index.byJob) {
      if (byJob.has(jobId)) continue;
      const job = docs.get(jobId);
      unexpectedExecutions += runs.length;
      if (job) continue; // already reported with its document
      const first = runs[0] as Execution;
      violations.push({
        kind: "unexpected-execution",
        jobId,
        t: first.start,
        message: `job ${jobId} (${first.name}) ran ${runs.length} time(s) (first ${first.execId} on ${first.proc} at ${iso(first.start)}), but no accepted request created it and the database holds no such job`,
        evidence: { executions: runs.map(describeExecution) },
      });
    }

    // The final state against the ledger.
    const expectOf = (id: string) => byJob.get(id)?.[0]?.expect;
    let contradicted = 0;
    for (const job of finalState) {
      const runs = index.byJob.get(job.id) ?? [];
      const repeating = expectOf(job.id) === "repeating" || runs.some((e) => e.repeat);
      if (repeating) continue;
      const why = contradiction(job, runs, settings);
      if (!why) continue;
      contradicted++;
      violations.push({
        kind: why.kind,
        jobId: job.id,
        message: `job ${job.id} (${job.name}) ${why.text}`,
        evidence: {
          status: job.status,
          attempts: job.attempts,
          lastError: job.lastError ?? null,
          executions: runs.map(describeExecution),
        },
      });
    }

    const figures: LostJobsFigures = {
      requests: requests.length,
      accepted: byJob.size,
      completed,
      lost,
      byReason,
      mergedRequests,
      unexpectedJobs,
      unexpectedExecutions,
      contradicted,
    };
    const parts = lostReasons.filter((r) => byReason[r] > 0).map((r) => `${byReason[r]} ${r}`);
    const summary =
      byJob.size === 0
        ? `no job was accepted: nothing to judge${violations.length ? ` (${violations.length} violation(s))` : ""}`
        : [
            `${requests.length} accepted requests, ${byJob.size} jobs: ${lost} lost${parts.length ? ` (${parts.join(", ")})` : ""}`,
            `${mergedRequests} requests merged into another's job`,
            `${unexpectedJobs} unexpected jobs, ${unexpectedExecutions} unexpected executions`,
            `${contradicted} final states the ledger contradicts`,
            ...(unknowns.length
              ? [`${unknowns.length} not judged (${[...new Set(unknowns.map((u) => u.kind))].join(", ")})`]
              : []),
          ].join("; ");
    return decide("lost-jobs", { summary, violations, unknowns, figures, nothingToJudge: byJob.size === 0 });
  },
};

/** What the ledger says against a job's final state, if anything. */
function contradiction(
  job: JobState,
  runs: readonly Execution[],
  settings: Pick<CheckSettings, "complete">,
): { kind: string; text: string } | null {
  const ok = runs.filter((e) => e.endOutcome === "ok");
  const failedRuns = runs.filter((e) => e.endOutcome === "error");
  if (job.status === "completed") {
    if (ok.length === 0) {
      return {
        kind: "completed-without-success",
        text: `is completed in the database, but no execution of it ended well (${runs.length} execution(s), ${failedRuns.length} failed)`,
      };
    }
    if (!ok.some((e) => e.attempt === job.attempts + 1)) {
      return {
        kind: "attempts-mismatch",
        text: `is completed after ${job.attempts} failed attempt(s) in the database, but its successful execution(s) ran attempt ${ok.map((e) => e.attempt).join(", ")}`,
      };
    }
    return null;
  }
  if (job.status === "failed") {
    if (failedRuns.length === 0) {
      return {
        kind: "failed-without-failure",
        text: `is failed in the database, but none of its ${runs.length} execution(s) failed${job.lastError ? ` (lastError: ${job.lastError})` : ""}`,
      };
    }
    if (!failedRuns.some((e) => e.attempt === job.attempts)) {
      return {
        kind: "attempts-mismatch",
        text: `is failed after ${job.attempts} attempt(s) in the database, but its failed execution(s) ran attempt ${failedRuns.map((e) => e.attempt).join(", ")}`,
      };
    }
    return null;
  }
  const acked = runs.find((e) => e.ack === "success");
  if (acked && settings.complete && job.status !== "cancelled") {
    return {
      kind: "completion-lost",
      text: `is ${job.status} in the database, though the scheduler acknowledged its completion by ${acked.execId} on ${acked.proc}`,
    };
  }
  return null;
}
