import type { History } from "../ledger/history.ts";
import type { AcceptRecord } from "../ledger/records.ts";
import type { Execution } from "./executions.ts";
import type { RetryFigures } from "./figures.ts";
import { type RunIndex, runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, CheckInput, JobState, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** An accepted request that asked for retries. */
type RetryRequest = AcceptRecord & { retry: NonNullable<AcceptRecord["retry"]> };

/** The bounds every gap between attempts is judged against, ms. */
interface Timing {
  pollIntervalMs: number;
  /** The run's p99 claim-to-start: one poll's round trips on this server. */
  pollAllowanceMs: number;
  tol: number;
}

/** What the retry checkers gather job by job: their violations, in report order, and the counts. */
type Tally = { violations: Violation[] } & Omit<RetryFigures, "jobs" | "pollAllowanceMs">;

/**
 * Retries: for each job that asked for retries, the attempts run (1, 2, … without gaps), the wait
 * between a failed attempt and the next against the configured delay (not earlier than the delay
 * minus tolerance after the handler failed; claimed not later than delay + poll interval + tolerance
 * after the failure was acknowledged), and the final status and
 * lastError. `computed` selects jobs whose delay was a function (a computed backoff) or a number.
 */
function retryChecker<N extends "retry-timing" | "retry-computed-delay">(
  name: N,
  computed: boolean,
): Checker<N> {
  const which = computed
    ? "For jobs whose retry delay a function computes per attempt: "
    : "For jobs with a fixed retry delay: ";
  return {
    name,
    describe: { pass: `${which}${PASS}`, fail: `${which}${FAIL}` },
    check({ history, settings, finalState }: CheckInput): CheckerResult<N> {
      const { pollIntervalMs, timingToleranceMs: tol, runEndedAt } = settings;
      const accepted = retryRequests(history, computed);
      const index = runIndexOf(history, runEndedAt, settings.lockTimeoutMs);
      const states = new Map(finalState.map((j) => [j.id, j]));
      // A retry is claimed by a poll: one that began before it was due may still be on its way to
      // the server. Late allows a poll interval and one poll's round trips on this server (the
      // run's p99 claim-to-start), besides the tolerance.
      const pollAllowanceMs = index.claimLatencyP99();
      const timing: Timing = { pollIntervalMs, pollAllowanceMs, tol };
      const tally: Tally = { violations: [], checked: 0, early: 0, late: 0, worstEarlyMs: 0, worstLateMs: 0 };
      for (const a of accepted) judgeJob(a, index, states.get(a.jobId), timing, tally);
      const { violations, checked, early, late, worstEarlyMs, worstLateMs } = tally;
      const figures: RetryFigures = {
        jobs: accepted.length,
        checked,
        early,
        late,
        worstEarlyMs,
        worstLateMs,
        pollAllowanceMs,
      };
      const wrong = violations.filter((v) => v.kind === "attempts" || v.kind === "final-state").length;
      return decide(name, {
        summary:
          accepted.length === 0
            ? `no job with ${computed ? "a computed" : "a fixed"} retry delay`
            : `${accepted.length} jobs with ${computed ? "computed" : "fixed"} retry delays: ${checked} gaps checked, ${early} early, ${late} late; ${wrong} with wrong attempts or final state`,
        violations,
        figures,
        nothingToJudge: accepted.length === 0,
      });
    },
  };
}

/** What passes and what fails, for the documentation (each retry checker says which jobs it takes). */
const PASS =
  "attempts 1, 2, … run in order; the next attempt starts no earlier than the delay − tolerance after the failed handler ended (the scheduler sets the due time when it handles the failure), and is claimed no later than delay + poll + one poll's round trips + tolerance after the failure was acknowledged (the round trips: the run's own p99 claim-to-start, printed as `pollAllowanceMs`: a slow database is not a slow scheduler); final status and `lastError` as expected";
const FAIL = "an early or late retry, wrong attempts, wrong final state";

/** Retries with a fixed delay (a number). */
export const retryTimingChecker = retryChecker("retry-timing", false);
/** Retries whose delay is computed per attempt by a function (exponential backoff). */
export const retryComputedDelayChecker = retryChecker("retry-computed-delay", true);

/** Accepted requests with a computed (or fixed) retry delay, one per job (the last, in the first's place). */
function retryRequests(history: History, computed: boolean): RetryRequest[] {
  // One entry per job: several requests may name one job (dedupe keys).
  return [
    ...new Map(
      history.records
        .filter((r): r is RetryRequest => r.type === "accept" && r.retry?.computed === computed)
        .map((r) => [r.jobId, r]),
    ).values(),
  ];
}

/** Judges one job that asked for retries: its attempts, each retry's gap, then its final state. */
function judgeJob(
  a: RetryRequest,
  index: RunIndex,
  state: JobState | undefined,
  timing: Timing,
  tally: Tally,
): void {
  const runs = (index.byJob.get(a.jobId) ?? []).filter((e) => e.diedAt === undefined);
  const { maxAttempts, failUntilAttempt } = a.retry;
  const expectedRuns = Math.max(1, Math.min(failUntilAttempt, maxAttempts));
  const attempts = runs.map((e) => e.attempt);
  const want = Array.from({ length: expectedRuns }, (_, i) => i + 1);
  if (attempts.join(",") !== want.join(",")) {
    tally.violations.push({
      kind: "attempts",
      jobId: a.jobId,
      message: `job ${a.jobId} (${a.name}) ran attempts [${attempts.join(", ")}], expected [${want.join(", ")}]`,
      evidence: { attempts, expected: want },
    });
  }
  for (let i = 0; i + 1 < runs.length; i++) {
    const prev = runs[i] as Execution;
    if (prev.ack !== "retry" || prev.ackT === undefined) continue;
    judgeGap(a, prev, runs[i + 1] as Execution, index, timing, tally);
  }
  const finalState = wrongFinalState(a, state);
  if (finalState) tally.violations.push(finalState);
}

/** Judges the gap from failed attempt prev (acked as a retry: ackT set) to next against its delay. */
function judgeGap(
  a: RetryRequest,
  prev: Execution,
  next: Execution,
  index: RunIndex,
  { pollIntervalMs, pollAllowanceMs, tol }: Timing,
  tally: Tally,
): void {
  const delay = a.retry.delaysMs[prev.attempt - 1] ?? 0;
  // The scheduler sets the retry's due time when it handles the failure: after the handler
  // ended (the end record) and before the database confirmed it (the ack), which can be
  // hundreds of ms later on a busy server. Early is judged from the earliest (the end),
  // late from the latest (the ack), so neither verdict depends on where in between it was.
  // Late is judged by the claim (the poll that took the retry, from its lockUntil), not by
  // the handler's start, which a busy server can delay by seconds after the claim.
  const fromEnd = next.start - prev.stop;
  const gap = index.claimAt(next) - (prev.ackT as number);
  tally.checked++;
  if (fromEnd < delay - tol) {
    tally.early++;
    tally.worstEarlyMs = Math.max(tally.worstEarlyMs, delay - fromEnd);
    tally.violations.push({
      kind: "early-retry",
      jobId: a.jobId,
      t: next.start,
      message: `job ${a.jobId} (${a.name}) attempt ${next.attempt} started ${fromEnd} ms after attempt ${prev.attempt}'s handler failed; the delay was ${delay} ms`,
      evidence: { attempt: next.attempt, gapMs: fromEnd, claimFromAckMs: gap, delayMs: delay },
    });
  } else if (gap > delay + pollIntervalMs + pollAllowanceMs + tol) {
    tally.late++;
    tally.worstLateMs = Math.max(tally.worstLateMs, gap - delay);
    tally.violations.push({
      kind: "late-retry",
      jobId: a.jobId,
      t: next.start,
      message: `job ${a.jobId} (${a.name}) attempt ${next.attempt} was claimed ${gap} ms after attempt ${prev.attempt}'s failure was acknowledged; the delay was ${delay} ms (+${pollIntervalMs} ms poll, +${pollAllowanceMs} ms for a poll's round trips: the run's p99 claim-to-start)`,
      evidence: { attempt: next.attempt, gapMs: gap, fromEndMs: fromEnd, delayMs: delay },
    });
  }
}

/** The final-state violation of a job whose document did not end as its retries say it must, if so. */
function wrongFinalState(a: RetryRequest, state: JobState | undefined): Violation | undefined {
  const { maxAttempts, failUntilAttempt } = a.retry;
  const expectFailed = failUntilAttempt > maxAttempts;
  const wantStatus = expectFailed ? "failed" : "completed";
  const wantError = expectFailed ? `simulated failure on attempt ${maxAttempts}` : undefined;
  if (state?.status !== wantStatus || (wantError !== undefined && state.lastError !== wantError)) {
    return {
      kind: "final-state",
      jobId: a.jobId,
      message: `job ${a.jobId} (${a.name}) ended ${state?.status ?? "missing"}${state?.lastError ? ` with "${state.lastError}"` : ""}, expected ${wantStatus}${wantError ? ` with "${wantError}"` : ""}`,
      evidence: {
        status: state?.status ?? null,
        lastError: state?.lastError ?? null,
        attempts: state?.attempts ?? null,
      },
    };
  }
  return undefined;
}
