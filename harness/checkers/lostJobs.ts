import type { AcceptRecord } from "../ledger/records.ts";
import type { Execution } from "./executions.ts";
import { type LostJobsFigures, type LostReason, lostReasons } from "./figures.ts";
import { describeExecution } from "./reexecutions.ts";
import { type RunIndex, runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, JobState, Violation } from "./types.ts";
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
 * The total queue, as Jepsen checks one: every accepted enqueue request is an obligation, checked
 * against the final state and the ledger.
 *
 * - lost: an accepted job not in its expected final status, unless its work was done (expected
 *   completed, an execution ended well) and only its document says failed: that is a wrong final
 *   state, judged by final-state, not a lost job; two requests without a dedupe key answered with
 *   one id (one of the two jobs was lost, though no id is missing);
 * - unexpected: a job document, or an execution, that no accepted request created (a document
 *   that a request with no answer may have created is unknown, not unexpected).
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
    let doneButFailed = 0;

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
      // The work was done, though the document says failed (a refused stale completion going down
      // the failure path): not lost. Whether the final state is right is final-state's question.
      if (
        job?.status === "failed" &&
        expect === "completed" &&
        index.byJob.get(jobId)?.some((e) => e.endOutcome === "ok")
      ) {
        doneButFailed++;
        continue;
      }
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

    const figures: LostJobsFigures = {
      requests: requests.length,
      accepted: byJob.size,
      completed,
      lost,
      byReason,
      mergedRequests,
      unexpectedJobs,
      unexpectedExecutions,
      doneButFailed,
    };
    const parts = lostReasons.filter((r) => byReason[r] > 0).map((r) => `${byReason[r]} ${r}`);
    const summary =
      byJob.size === 0
        ? `no job was accepted: nothing to judge${violations.length ? ` (${violations.length} violation(s))` : ""}`
        : [
            `${requests.length} accepted requests, ${byJob.size} jobs: ${lost} lost${parts.length ? ` (${parts.join(", ")})` : ""}`,
            `${mergedRequests} requests merged into another's job`,
            `${unexpectedJobs} unexpected jobs, ${unexpectedExecutions} unexpected executions`,
            ...(doneButFailed
              ? [`${doneButFailed} done but marked failed (not lost: final-state judges the record)`]
              : []),
            ...(unknowns.length
              ? [`${unknowns.length} not judged (${[...new Set(unknowns.map((u) => u.kind))].join(", ")})`]
              : []),
          ].join("; ");
    return decide("lost-jobs", { summary, violations, unknowns, figures, nothingToJudge: byJob.size === 0 });
  },
};
