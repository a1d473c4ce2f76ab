import { describe, expect, it } from "vitest";
import { priorityOrderChecker } from "../../harness/checkers/priorityOrder.ts";
import { HistoryBuilder, settings } from "../support/histories.ts";

// poll 100 ms, tolerance 50 ms; every job due at 0.
const check = (b: HistoryBuilder) =>
  priorityOrderChecker.check({ settings, history: b.history(), finalState: [] });

describe("priority-order checker", () => {
  it("passes when jobs start in priority order", () => {
    const b = new HistoryBuilder()
      .run("p1", "w1", 1, 200, 300, { priority: 1 })
      .run("p2", "w1", 1, 310, 400, { priority: 2 })
      .run("p9", "w1", 1, 410, 500, { priority: 9 });
    const result = check(b);
    expect(result.verdict).toBe("pass");
    expect(result.figures).toMatchObject({ inversions: 0, startP50MsByPriority: { "1": 0, "9": 210 } });
  });

  it("fails when a lower priority starts while a higher one has waited over a poll interval", () => {
    const b = new HistoryBuilder()
      .run("p9", "w1", 1, 200, 300, { priority: 9 })
      .run("p1", "w1", 1, 310, 400, { priority: 1 });
    const result = check(b);
    expect(result.verdict).toBe("fail");
    expect(result.figures).toMatchObject({ inversions: 1, maxInversionWaitMs: 310 });
    expect(result.violations[0]).toMatchObject({ kind: "priority-inversion", jobId: "p9" });
  });

  it("does not count near-simultaneous claims within the tolerance, nor jobs not yet due a poll interval", () => {
    const b = new HistoryBuilder()
      .run("p9", "w1", 1, 200, 300, { priority: 9 })
      .run("p1", "w2", 2, 230, 400, { priority: 1 })
      .run("late-due", "w1", 1, 320, 330, { priority: 8, nextRunAt: 150 })
      .run("p2", "w1", 1, 340, 400, { priority: 2, nextRunAt: 300 });
    expect(check(b).figures?.inversions).toBe(0);
  });

  it("counts an unlimited job ahead of a waiting limited one apart, as the scheduler's design", () => {
    const b = new HistoryBuilder()
      .run("low", "w1", 1, 200, 300, { priority: 9 })
      .run("urgent", "w1", 1, 310, 400, { priority: 1, concurrency: 1, name: "urgent" });
    const result = check(b);
    expect(result.verdict).toBe("pass");
    expect(result.figures).toMatchObject({ inversions: 0, limitedBehindUnlimited: 1 });
  });
});
