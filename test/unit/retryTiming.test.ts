import { describe, expect, it } from "vitest";
import { retryComputedDelayChecker, retryTimingChecker } from "../../harness/checkers/retryTiming.ts";
import { HistoryBuilder, job, settings } from "../support/histories.ts";

// poll 100 ms, tolerance 50 ms. Fails twice, succeeds on attempt 3; delay 500 ms.
const retry = { maxAttempts: 4, delaysMs: [500, 500, 500], computed: false, failUntilAttempt: 3 };

function history(secondStart: number, thirdStart: number) {
  return new HistoryBuilder()
    .accept("r", 0, { retry })
    .run("r", "w1", 1, 10, 20, { outcome: "error", attempt: 1 })
    .run("r", "w1", 1, secondStart, secondStart + 10, { outcome: "error", attempt: 2 })
    .run("r", "w1", 1, thirdStart, thirdStart + 10, { attempt: 3 })
    .history();
}

describe("retry checkers", () => {
  it("pass gaps between the delay and delay + poll + tolerance, with the right attempts and final state", () => {
    const result = retryTimingChecker.check({
      settings,
      history: history(560, 1150),
      finalState: [job("r", "completed", { attempts: 2 })],
    });
    expect(result.verdict).toBe("pass");
    expect(result.figures).toMatchObject({ checked: 2, early: 0, late: 0 });
  });

  it("fail a retry that comes before its delay and one that comes too late", () => {
    const result = retryTimingChecker.check({
      settings,
      history: history(100, 900),
      finalState: [job("r", "completed")],
    });
    expect(result.verdict).toBe("fail");
    expect(result.figures).toMatchObject({ early: 1, late: 1 });
    expect(result.violations.map((v) => v.kind)).toEqual(["early-retry", "late-retry"]);
  });

  it("time early from the handler's failure and late from its acknowledgement", () => {
    // Attempt 1 fails at 20, the server confirms the retry only at 520 (ackAfter 500). Attempt 2 at
    // 560 is 540 ms after the failure (delay 500: not early) though only 40 ms after the ack.
    const slowAck = new HistoryBuilder()
      .accept("r", 0, { retry })
      .run("r", "w1", 1, 10, 20, { outcome: "error", attempt: 1, ackAfter: 500 })
      .run("r", "w1", 1, 560, 570, { outcome: "error", attempt: 2 })
      .run("r", "w1", 1, 1150, 1160, { attempt: 3 })
      .history();
    const ok = retryTimingChecker.check({ settings, history: slowAck, finalState: [job("r", "completed")] });
    expect(ok.violations).toEqual([]);
    // Its broken twin: attempt 2 at 400, 380 ms after the failure, is early however late the ack came.
    const early = new HistoryBuilder()
      .accept("r", 0, { retry })
      .run("r", "w1", 1, 10, 20, { outcome: "error", attempt: 1, ackAfter: 300 })
      .run("r", "w1", 1, 400, 410, { outcome: "error", attempt: 2 })
      .run("r", "w1", 1, 1000, 1010, { attempt: 3 })
      .history();
    const bad = retryTimingChecker.check({ settings, history: early, finalState: [job("r", "completed")] });
    expect(bad.violations.map((v) => [v.kind, v.jobId])).toEqual([["early-retry", "r"]]);
  });

  it("allow a late retry the run's own poll round trips, and fail it where polls were quick", () => {
    // lockTimeoutMs 1000: lockUntil = claim + 1000. Attempt 1 fails at 20 (ack 21); attempt 2 is
    // claimed at 1021, 1000 ms after the ack (delay 500 + poll 100 + tolerance 50 = 650).
    const run = (claimToStart: number) =>
      new HistoryBuilder()
        .accept("r", 0, { retry })
        .run("r", "w1", 1, 10, 20, { outcome: "error", attempt: 1, lockUntil: 10 - claimToStart + 1000 })
        .run("r", "w1", 1, 1021 + claimToStart, 1100 + claimToStart, {
          outcome: "error",
          attempt: 2,
          lockUntil: 1021 + 1000,
        })
        // Attempt 3 claimed 600 ms after attempt 2's ack (at 1101 + claimToStart): on time.
        .run("r", "w1", 1, 1701 + 2 * claimToStart, 1710 + 2 * claimToStart, {
          attempt: 3,
          lockUntil: 1701 + claimToStart + 1000,
        })
        .history();
    const input = (claimToStart: number) => ({
      settings,
      history: run(claimToStart),
      finalState: [job("r", "completed")],
    });
    // Every poll took 400 ms to reach its job: the 350 ms over the bound is the server's, not the scheduler's.
    const slowServer = retryTimingChecker.check(input(400));
    expect(slowServer.violations).toEqual([]);
    expect(slowServer.figures?.pollAllowanceMs).toBe(400);
    // Polls took 10 ms: the same claim is late.
    const quick = retryTimingChecker.check(input(10));
    expect(quick.violations.map((v) => [v.kind, v.jobId])).toEqual([["late-retry", "r"]]);
  });

  it("fail a job with missing attempts or the wrong final state", () => {
    const b = new HistoryBuilder()
      .accept("x", 0, { retry: { ...retry, maxAttempts: 2, failUntilAttempt: 99, delaysMs: [500] } })
      .run("x", "w1", 1, 10, 20, { outcome: "error", attempt: 1, ack: "fail" });
    const result = retryTimingChecker.check({
      settings,
      history: b.history(),
      finalState: [job("x", "failed", { lastError: "boom" })],
    });
    expect(result.violations.map((v) => v.kind).sort()).toEqual(["attempts", "final-state"]);
  });

  it("judge computed delays apart from fixed ones", () => {
    const computed = new HistoryBuilder()
      .accept("c", 0, { retry: { ...retry, computed: true, delaysMs: [400, 800, 1600] } })
      .run("c", "w1", 1, 10, 20, { outcome: "error", attempt: 1 })
      .run("c", "w1", 1, 40, 50, { outcome: "error", attempt: 2 })
      .run("c", "w1", 1, 70, 80, { attempt: 3 })
      .history();
    const input = { settings, history: computed, finalState: [job("c", "completed")] };
    expect(retryTimingChecker.check(input).verdict).toBe("unknown");
    const result = retryComputedDelayChecker.check(input);
    expect(result.verdict).toBe("fail");
    expect(result.figures?.early).toBe(2);
  });
});
