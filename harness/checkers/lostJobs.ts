import type { AcceptRecord } from "../ledger/records.ts";
import type { Execution } from "./executions.ts";
import { type LostJobsFigures, type LostReason, lostReasons } from "./figures.ts";
import { isOwnJob } from "./observations.ts";
import { describeExecution } from "./reexecutions.ts";
import { type RunIndex, runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, CheckSettings, JobState, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

export { type LostReason, lostReasons } from "./figures.ts";

/** Why an accepted job that did not end as expected counts as lost, from its document and last run. */
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

/** What lost-jobs gathers as it goes: its findings, in report order, and the counts of its figures. */
interface Tally {
  violations: Violation[];
  unknowns: Violation[];
  byReason: Record<LostReason, number>;
  completed: number;
  lost: number;
  mergedRequests: number;
  doneButFailed: number;
  unexpectedJobs: number;
  unexpectedExecutions: number;
}

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
  describe: {
    pass: "the total queue: every accepted **request** made its own job (requests with one dedupe key share one), every accepted job ended as expected (or its work was done: a job expected to complete that an execution completed is not lost even if its document says `failed`; `final-state` judges that document), and the database holds no job and the ledger no execution that no request made",
    fail: "**lost**: a job missing, pending, failed with no execution that ended well, still running, or **stuck running with an expired lock**, or two requests without a dedupe key answered with one id; **unexpected**: a stored job or an execution no accepted request made, a refused request's job included (one that a request with no answer may have made is unknown)",
  },
  check({ history, finalState, settings }): CheckerResult<"lost-jobs"> {
    const index = runIndexOf(history, settings.runEndedAt, settings.lockTimeoutMs);
    const requests = history.records.filter((r): r is AcceptRecord => r.type === "accept");
    const byJob = requestsByJob(requests);
    const acceptedRequests = new Set(requests.map((a) => a.request));
    const docs = new Map(finalState.map((j) => [j.id, j]));
    const tally: Tally = {
      violations: [],
      unknowns: [],
      byReason: Object.fromEntries(lostReasons.map((r) => [r, 0])) as Record<LostReason, number>,
      completed: 0,
      lost: 0,
      mergedRequests: 0,
      doneButFailed: 0,
      unexpectedJobs: 0,
      unexpectedExecutions: 0,
    };
    for (const [jobId, list] of byJob) judgeAcceptedJob(jobId, list, docs.get(jobId), index, settings, tally);
    // Unexpected: documents and executions no accepted request created.
    // A request the trigger server answered with a refusal (its status) got an answer: a job it
    // made anyway is unexpected. Only a request that got no answer at all may have made one unseen.
    const refused = new Map<string, number>();
    for (const r of history.records)
      if (r.type === "refuse" && r.status !== null) refused.set(r.request, r.status);
    const app = settings.app;
    judgeUnexpectedDocuments(
      finalState,
      byJob,
      acceptedRequests,
      refused,
      index,
      tally,
      app ? (name) => isOwnJob(app, name) : undefined,
      new Set(history.records.flatMap((r) => (r.type === "unanswered" ? [r.name] : []))),
    );
    judgeUnexpectedExecutions(byJob, docs, index, tally);
    const figures: LostJobsFigures = {
      requests: requests.length,
      accepted: byJob.size,
      completed: tally.completed,
      lost: tally.lost,
      byReason: tally.byReason,
      mergedRequests: tally.mergedRequests,
      unexpectedJobs: tally.unexpectedJobs,
      unexpectedExecutions: tally.unexpectedExecutions,
      doneButFailed: tally.doneButFailed,
    };
    const { violations, unknowns } = tally;
    const summary = summaryOf(figures, violations, unknowns);
    return decide("lost-jobs", { summary, violations, unknowns, figures, nothingToJudge: byJob.size === 0 });
  },
};

/** The accepted requests grouped by the job id each was answered with, in the history's order. */
function requestsByJob(requests: readonly AcceptRecord[]): Map<string, AcceptRecord[]> {
  const byJob = new Map<string, AcceptRecord[]>();
  for (const a of requests) {
    const list = byJob.get(a.jobId);
    if (list) list.push(a);
    else byJob.set(a.jobId, [a]);
  }
  return byJob;
}

/** Judges one accepted job's requests and document, adding its findings and counts to the tally. */
function judgeAcceptedJob(
  jobId: string,
  list: readonly AcceptRecord[],
  job: JobState | undefined,
  index: RunIndex,
  settings: Pick<CheckSettings, "runEndedAt" | "complete">,
  tally: Tally,
): void {
  const first = list[0] as AcceptRecord;
  const merged = mergedRequestsOf(jobId, list);
  if (merged) {
    tally.mergedRequests += merged.lost;
    tally.violations.push(merged.violation);
  }
  if (job?.status === "completed") tally.completed++;
  const expect = first.expect;
  if (endedAsExpected(job, expect)) return;
  // The work was done, though the document says failed (a refused stale completion going down
  // the failure path): not lost. Whether the final state is right is final-state's question.
  if (
    job?.status === "failed" &&
    expect === "completed" &&
    index.byJob.get(jobId)?.some((e) => e.endOutcome === "ok")
  ) {
    tally.doneButFailed++;
    return;
  }
  const reason = reasonFor(job, index, settings.runEndedAt);
  const finding = lostFinding(jobId, first, job, reason);
  if (!settings.complete || reason === "on an unavailable process at the end") {
    tally.unknowns.push({ ...finding, kind: "unfinished" });
    return;
  }
  tally.lost++;
  tally.byReason[reason]++;
  tally.violations.push(finding);
}

/** The merged-requests violation of one job and the jobs it lost, when requests were merged into it. */
function mergedRequestsOf(
  jobId: string,
  list: readonly AcceptRecord[],
): { lost: number; violation: Violation } | undefined {
  const first = list[0] as AcceptRecord;
  // Requests, not ids: without a dedupe key (or with different keys), one id answering
  // several requests means the others' jobs were lost.
  const keys = new Set(list.map((a) => a.dedupeKey ?? `\u0000${a.request}`));
  if (keys.size <= 1) return undefined;
  return {
    lost: keys.size - 1,
    violation: {
      kind: "merged-requests",
      jobId,
      t: first.t,
      message: `job ${jobId} (${first.name}) was the answer to ${list.length} requests (${list.map((a) => a.request + (a.dedupeKey ? ` key ${a.dedupeKey}` : "")).join(", ")}) that should each have made a job of their own: ${keys.size - 1} job(s) lost`,
      evidence: {
        requests: list.map((a) => ({ request: a.request, t: a.t, dedupeKey: a.dedupeKey ?? null })),
      },
    },
  };
}

/** Whether the job's document has the status its request expected (repeating: pending or running). */
function endedAsExpected(job: JobState | undefined, expect: AcceptRecord["expect"]): boolean {
  return (
    job !== undefined &&
    (job.status === expect || (expect === "repeating" && ["pending", "running"].includes(job.status)))
  );
}

/** The lost violation of one accepted job, with the reason its document gives. */
function lostFinding(
  jobId: string,
  first: AcceptRecord,
  job: JobState | undefined,
  reason: LostReason,
): Violation {
  return {
    kind: "lost",
    jobId,
    t: first.t,
    message: `job ${jobId} (${first.name}, priority ${first.priority}) accepted at ${iso(first.t)} is ${reason}, expected ${first.expect}`,
    evidence: {
      reason,
      status: job?.status ?? null,
      lockUntil: job?.lockUntil ?? null,
      attempts: job?.attempts ?? null,
    },
  };
}

/** Adds each job document no accepted request created: unexpected, or unknown if its request got none. */
function judgeUnexpectedDocuments(
  finalState: readonly JobState[],
  byJob: ReadonlyMap<string, readonly AcceptRecord[]>,
  acceptedRequests: ReadonlySet<string>,
  refused: ReadonlyMap<string, number>,
  index: RunIndex,
  tally: Tally,
  ownJob?: (name: string) => boolean,
  unanswered?: ReadonlySet<string>,
): void {
  for (const job of finalState) {
    if (byJob.has(job.id)) continue;
    // App mode: the service's own jobs (its cron, its repeats) are judged by own-jobs.
    if (ownJob?.(job.name)) continue;
    const runs = index.byJob.get(job.id) ?? [];
    const status = job.request != null ? refused.get(job.request) : undefined;
    // A request that got no answer may have created it: not judged. (A service's jobs carry no
    // request id: any unanswered request for a job of that name may have made it.)
    const indeterminate =
      (job.request != null && !acceptedRequests.has(job.request) && status === undefined) ||
      (unanswered?.has(job.name) ?? false);
    const answer =
      status !== undefined
        ? `, which the trigger server refused (HTTP ${status}): a refusal that stored the job anyway`
        : indeterminate
          ? ", which got no answer"
          : ", whose answer named another job";
    const finding: Violation = {
      kind: status !== undefined ? "refused-but-stored" : "unexpected-job",
      jobId: job.id,
      message: `job ${job.id} (${job.name}, ${job.status}) is in the database, but no accepted request created it${job.request != null ? ` (it carries request ${job.request}${answer})` : ""}; ${runs.length} execution(s)`,
      evidence: { status: job.status, request: job.request ?? null, executions: runs.map((e) => e.execId) },
    };
    if (indeterminate) tally.unknowns.push({ ...finding, kind: "indeterminate-request" });
    else {
      tally.unexpectedJobs++;
      tally.violations.push(finding);
    }
  }
}

/** Counts executions of jobs no accepted request created; a violation for each such job with no document. */
function judgeUnexpectedExecutions(
  byJob: ReadonlyMap<string, readonly AcceptRecord[]>,
  docs: ReadonlyMap<string, JobState>,
  index: RunIndex,
  tally: Tally,
): void {
  for (const [jobId, runs] of index.byJob) {
    if (byJob.has(jobId)) continue;
    const job = docs.get(jobId);
    tally.unexpectedExecutions += runs.length;
    if (job) continue; // already reported with its document
    const first = runs[0] as Execution;
    tally.violations.push({
      kind: "unexpected-execution",
      jobId,
      t: first.start,
      message: `job ${jobId} (${first.name}) ran ${runs.length} time(s) (first ${first.execId} on ${first.proc} at ${iso(first.start)}), but no accepted request created it and the database holds no such job`,
      evidence: { executions: runs.map(describeExecution) },
    });
  }
}

/** The checker's one line for people, from its figures and findings. */
function summaryOf(
  figures: LostJobsFigures,
  violations: readonly Violation[],
  unknowns: readonly Violation[],
): string {
  const {
    requests,
    accepted,
    lost,
    byReason,
    mergedRequests,
    unexpectedJobs,
    unexpectedExecutions,
    doneButFailed,
  } = figures;
  if (accepted === 0)
    return `no job was accepted: nothing to judge${violations.length ? ` (${violations.length} violation(s))` : ""}`;
  const parts = lostReasons.filter((r) => byReason[r] > 0).map((r) => `${byReason[r]} ${r}`);
  return [
    `${requests} accepted requests, ${accepted} jobs: ${lost} lost${parts.length ? ` (${parts.join(", ")})` : ""}`,
    `${mergedRequests} requests merged into another's job`,
    `${unexpectedJobs} unexpected jobs, ${unexpectedExecutions} unexpected executions`,
    ...(doneButFailed
      ? [`${doneButFailed} done but marked failed (not lost: final-state judges the record)`]
      : []),
    ...(unknowns.length
      ? [`${unknowns.length} not judged (${[...new Set(unknowns.map((u) => u.kind))].join(", ")})`]
      : []),
  ].join("; ");
}
