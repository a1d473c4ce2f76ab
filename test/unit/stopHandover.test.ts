import { describe, expect, it } from "vitest";
import { stopHandoverChecker } from "../../harness/checkers/stopHandover.ts";
import { HistoryBuilder, instanceOf, settings } from "../support/histories.ts";

// lock timeout 1000 ms. w1 (incarnation 1) is stopped at 1000 and exits at 1300; w2 is alive throughout.
const check = (b: HistoryBuilder) =>
  stopHandoverChecker.check({ settings, history: b.history(), finalState: [] });

function rollout(): HistoryBuilder {
  return new HistoryBuilder().ready("w1", 1, 0).ready("w2", 2, 0).accept("a", 900).accept("b", 950);
}

describe("stop-handover checker", () => {
  it("passes a stop whose running job finished before the exit, and counts it", () => {
    const b = rollout()
      .run("a", "w1", 1, 910, 1200)
      .run("b", "w2", 2, 960, 1100)
      .opStop("rolling-restart-1", "w1", 1, 1000, 1300, {
        inFlight: [{ execId: `${instanceOf("w1", 1)}#1`, jobId: "a" }],
        atSignal: [{ jobId: "a", lockUntil: 1910 }],
        afterExit: [],
      });
    const result = check(b);
    expect(result.verdict).toBe("pass");
    expect(result.figures).toMatchObject({ stops: 1, held: 1, finished: 1, handedBack: 0, heldAfterExit: 0 });
  });

  it("fails a job its stopped process still held after it exited, naming it and its wait", () => {
    // a's handler outlives the stop: the process exits at 1300 with a still running and locked,
    // and w2 takes it only once the lock has expired.
    const b = rollout()
      .run("a", "w1", 1, 910, null)
      .run("a", "w2", 2, 2000, 2100)
      .opStop("rolling-restart-1", "w1", 1, 1000, 1300, {
        inFlight: [{ execId: `${instanceOf("w1", 1)}#1`, jobId: "a" }],
        atSignal: [{ jobId: "a", lockUntil: 1910 }],
        afterExit: [{ jobId: "a", lockUntil: 1910 }],
      });
    const result = check(b);
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]).toMatchObject({ kind: "held-after-exit", jobId: "a" });
    expect(result.violations[0]?.message).toContain("still running when the process exited");
    expect(result.violations[0]?.message).toContain("700 ms after the exit");
    expect(result.figures).toMatchObject({ heldAfterExit: 1, longestWaitAfterExitMs: 700 });
  });

  it("fails a job claimed after the SIGTERM and left locked, which only the database knows", () => {
    const b = rollout()
      .run("b", "w2", 2, 2100, 2200)
      .opStop("rolling-restart-1", "w1", 1, 1000, 1300, {
        atSignal: [],
        afterExit: [{ jobId: "b", lockUntil: 2005 }],
      });
    const result = check(b);
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]).toMatchObject({ kind: "claimed-during-stop", jobId: "b" });
    expect(result.violations[0]?.message).toContain("never started");
    expect(result.figures).toMatchObject({ claimedDuringStop: 1, heldAfterExit: 1 });
  });

  it("passes a job handed back: no longer locked by the stopped process once it exited", () => {
    const b = rollout()
      .run("a", "w1", 1, 910, null)
      .run("a", "w2", 2, 1350, 1500)
      .opStop("rolling-restart-1", "w1", 1, 1000, 1300, {
        inFlight: [{ execId: `${instanceOf("w1", 1)}#1`, jobId: "a" }],
        atSignal: [{ jobId: "a", lockUntil: null }],
        afterExit: [],
      });
    const result = check(b);
    expect(result.verdict).toBe("pass");
    expect(result.figures).toMatchObject({ handedBack: 1, finished: 0, heldAfterExit: 0 });
  });

  it("is unknown when the database could not be asked what the process held", () => {
    const b = rollout()
      .run("a", "w1", 1, 910, 1200)
      .opStop("rolling-restart-1", "w1", 1, 1000, 1300, { atSignal: null, afterExit: null });
    const result = check(b);
    expect(result.verdict).toBe("unknown");
    expect(result.unknowns[0]?.kind).toBe("database-not-asked");
  });

  it("is unknown when no operation stopped a process", () => {
    expect(check(rollout().run("a", "w1", 1, 910, 1000)).verdict).toBe("unknown");
  });

  it("reports an operation's cost: throughput before and during it, and the longest wait of a due job", () => {
    const b = new HistoryBuilder().ready("w1", 1, 0);
    // Before (0–10 s): a job a second. During (10–20 s): a job every 2 s; job late waits 3 s.
    for (let i = 0; i < 10; i++)
      b.accept(`p${i}`, i * 1000).run(`p${i}`, "w1", 1, i * 1000 + 10, i * 1000 + 100);
    for (let i = 0; i < 5; i++)
      b.accept(`d${i}`, 10_000 + i * 2000).run(
        `d${i}`,
        "w1",
        1,
        10_000 + i * 2000 + 10,
        10_000 + i * 2000 + 100,
      );
    b.accept("late", 12_500).run("late", "w1", 1, 15_500, 15_600);
    b.window("rolling-restart", "rolling-restart-1", [["w1", 1]], 10_000, 20_000, "down");
    const result = check(b);
    expect(result.figures?.operations[0]).toMatchObject({
      op: "rolling-restart-1",
      throughputBefore: 1,
      throughputDuring: 0.6,
      dipPct: 40,
      longestDueWaitMs: 3000,
      longestDueWaitJob: "late",
    });
  });
});
