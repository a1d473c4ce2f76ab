import type { AcceptRecord } from "../ledger/records.ts";
import type { Execution } from "./executions.ts";
import type { RetryFigures } from "./figures.ts";
import { runIndexOf } from "./runIndex.ts";
import type { Checker, CheckerResult, CheckInput, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

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
  return {
    name,
    check({ history, settings, finalState }: CheckInput): CheckerResult<N> {
      const { pollIntervalMs, timingToleranceMs: tol, runEndedAt } = settings;
      // One entry per job: several requests may name one job (dedupe keys).
      const accepted = [
        ...new Map(
          history.records
            .filter(
              (r): r is AcceptRecord & { retry: NonNullable<AcceptRecord["retry"]> } =>
                r.type === "accept" && r.retry?.computed === computed,
            )
            .map((r) => [r.jobId, r]),
        ).values(),
      ];
      const index = runIndexOf(history, runEndedAt, settings.lockTimeoutMs);
      const byJob = index.byJob;
      const states = new Map(finalState.map((j) => [j.id, j]));
      const violations: Violation[] = [];
      let checked = 0;
      let early = 0;
      let late = 0;
      let worstEarlyMs = 0;
      let worstLateMs = 0;
      // A retry is claimed by a poll: one that began before it was due may still be on its way to
      // the server. Late allows a poll interval and one poll's round trips on this server (the
      // run's p99 claim-to-start), besides the tolerance.
      const pollAllowanceMs = index.claimLatencyP99();
      for (const a of accepted) {
        const runs = (byJob.get(a.jobId) ?? []).filter((e) => e.diedAt === undefined);
        const { maxAttempts, delaysMs, failUntilAttempt } = a.retry;
        const expectedRuns = Math.max(1, Math.min(failUntilAttempt, maxAttempts));
        const attempts = runs.map((e) => e.attempt);
        const want = Array.from({ length: expectedRuns }, (_, i) => i + 1);
        if (attempts.join(",") !== want.join(",")) {
          violations.push({
            kind: "attempts",
            jobId: a.jobId,
            message: `job ${a.jobId} (${a.name}) ran attempts [${attempts.join(", ")}], expected [${want.join(", ")}]`,
            evidence: { attempts, expected: want },
          });
        }
        for (let i = 0; i + 1 < runs.length; i++) {
          const prev = runs[i] as Execution;
          const next = runs[i + 1] as Execution;
          if (prev.ack !== "retry" || prev.ackT === undefined) continue;
          const delay = delaysMs[prev.attempt - 1] ?? 0;
          // The scheduler sets the retry's due time when it handles the failure: after the handler
          // ended (the end record) and before the database confirmed it (the ack), which can be
          // hundreds of ms later on a busy server. Early is judged from the earliest (the end),
          // late from the latest (the ack), so neither verdict depends on where in between it was.
          // Late is judged by the claim (the poll that took the retry, from its lockUntil), not by
          // the handler's start, which a busy server can delay by seconds after the claim.
          const fromEnd = next.start - prev.stop;
          const gap = index.claimAt(next) - prev.ackT;
          checked++;
          if (fromEnd < delay - tol) {
            early++;
            worstEarlyMs = Math.max(worstEarlyMs, delay - fromEnd);
            violations.push({
              kind: "early-retry",
              jobId: a.jobId,
              t: next.start,
              message: `job ${a.jobId} (${a.name}) attempt ${next.attempt} started ${fromEnd} ms after attempt ${prev.attempt}'s handler failed; the delay was ${delay} ms`,
              evidence: { attempt: next.attempt, gapMs: fromEnd, claimFromAckMs: gap, delayMs: delay },
            });
          } else if (gap > delay + pollIntervalMs + pollAllowanceMs + tol) {
            late++;
            worstLateMs = Math.max(worstLateMs, gap - delay);
            violations.push({
              kind: "late-retry",
              jobId: a.jobId,
              t: next.start,
              message: `job ${a.jobId} (${a.name}) attempt ${next.attempt} was claimed ${gap} ms after attempt ${prev.attempt}'s failure was acknowledged; the delay was ${delay} ms (+${pollIntervalMs} ms poll, +${pollAllowanceMs} ms for a poll's round trips: the run's p99 claim-to-start)`,
              evidence: { attempt: next.attempt, gapMs: gap, fromEndMs: fromEnd, delayMs: delay },
            });
          }
        }
        const state = states.get(a.jobId);
        const expectFailed = failUntilAttempt > maxAttempts;
        const wantStatus = expectFailed ? "failed" : "completed";
        const wantError = expectFailed ? `simulated failure on attempt ${maxAttempts}` : undefined;
        if (state?.status !== wantStatus || (wantError !== undefined && state.lastError !== wantError)) {
          violations.push({
            kind: "final-state",
            jobId: a.jobId,
            message: `job ${a.jobId} (${a.name}) ended ${state?.status ?? "missing"}${state?.lastError ? ` with "${state.lastError}"` : ""}, expected ${wantStatus}${wantError ? ` with "${wantError}"` : ""}`,
            evidence: {
              status: state?.status ?? null,
              lastError: state?.lastError ?? null,
              attempts: state?.attempts ?? null,
            },
          });
        }
      }
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

/** Retries with a fixed delay (a number). */
export const retryTimingChecker = retryChecker("retry-timing", false);
/** Retries whose delay is computed per attempt by a function (exponential backoff). */
export const retryComputedDelayChecker = retryChecker("retry-computed-delay", true);
