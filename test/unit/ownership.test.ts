import { describe, expect, it } from "vitest";
import { ownershipChecker } from "../../harness/checkers/ownership.ts";
import { stalledEventsChecker } from "../../harness/checkers/stalledEvents.ts";
import { HistoryBuilder, job, settings } from "../support/histories.ts";

// A worker frozen from 100 to 3000: its lock expired, w2 took the job over at 1200.
function stale(staleAck: "success" | "retry" | "fail" | null) {
  return new HistoryBuilder().run("a", "w1", 1, 100, 3000, { ack: staleAck }).run("a", "w2", 2, 1200, 1500);
}

describe("ownership checker", () => {
  it("passes when the stale completion is refused and the job stays completed", () => {
    const result = ownershipChecker.check({
      settings,
      history: stale(null).history(),
      finalState: [job("a", "completed")],
    });
    expect(result.verdict).toBe("pass");
    expect(result.figures).toMatchObject({ staleExecutions: 1, staleCompletionsRefused: 1 });
  });

  it("fails when the stale worker's completion is accepted (the job completes twice)", () => {
    const result = ownershipChecker.check({
      settings,
      history: stale("success").history(),
      finalState: [job("a", "completed")],
    });
    expect(result.violations.map((v) => v.kind).sort()).toEqual([
      "completed-twice",
      "stale-completion-accepted",
    ]);
  });

  it("fails when the stale worker's failure path marks a completed job failed", () => {
    const result = ownershipChecker.check({
      settings,
      history: stale("fail").history(),
      finalState: [job("a", "failed")],
    });
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]?.kind).toBe("failed-without-failure");
  });

  it("is unknown when no execution lost its lock", () => {
    const b = new HistoryBuilder().run("a", "w1", 1, 100, 200);
    expect(
      ownershipChecker.check({ settings, history: b.history(), finalState: [job("a", "completed")] }).verdict,
    ).toBe("unknown");
  });
});

describe("stalled-events checker", () => {
  const withMax = { ...settings, maxExecutionMs: 2000 };
  // heartbeat = lockTimeoutMs / 2 = 500 ms; long = over 2000 + 500 + 50 ms.
  it("passes when a long execution raised job:stalled after maxExecutionMs", () => {
    const b = new HistoryBuilder().run("a", "w1", 1, 0, 4000).stalled("a", "w1", 1, 2500);
    const result = stalledEventsChecker.check({ settings: withMax, history: b.history(), finalState: [] });
    expect(result.verdict).toBe("pass");
  });

  it("fails when a long execution raised none, or one came too early", () => {
    const silent = new HistoryBuilder().run("a", "w1", 1, 0, 4000);
    expect(
      stalledEventsChecker.check({ settings: withMax, history: silent.history(), finalState: [] })
        .violations[0]?.kind,
    ).toBe("stall-not-reported");
    // Claimed at 0 (lockUntil = claim + lockTimeoutMs 1000), stalled 500 ms later.
    const early = new HistoryBuilder()
      .run("a", "w1", 1, 0, 4000, { lockUntil: 1000 })
      .stalled("a", "w1", 1, 500);
    expect(
      stalledEventsChecker.check({ settings: withMax, history: early.history(), finalState: [] })
        .violations[0]?.kind,
    ).toBe("stall-too-early");
  });

  it("times a stall from the claim: a process frozen between claim and handler start is not reported early", () => {
    // Claimed at 0, the process frozen until 2500, the handler's start record at 2500, the stall
    // 2503 ms after the claim and 3 ms into the handler. The scheduler's stall clock started before
    // the freeze: not too early.
    const frozen = new HistoryBuilder()
      .run("a", "w1", 1, 2500, 6000, { lockUntil: 1000 })
      .stalled("a", "w1", 1, 2503);
    expect(
      stalledEventsChecker.check({ settings: withMax, history: frozen.history(), finalState: [] }).violations,
    ).toEqual([]);
    // The same stall 3 ms into a handler claimed only just before it is too early.
    const broken = new HistoryBuilder()
      .run("a", "w1", 1, 2500, 6000, { lockUntil: 3490 })
      .stalled("a", "w1", 1, 2503);
    expect(
      stalledEventsChecker.check({ settings: withMax, history: broken.history(), finalState: [] })
        .violations[0]?.kind,
    ).toBe("stall-too-early");
    // Without the claim time the ledger cannot tell: unknown, never pass.
    const unclaimed = new HistoryBuilder().run("a", "w1", 1, 2500, 6000).stalled("a", "w1", 1, 2503);
    const result = stalledEventsChecker.check({
      settings: withMax,
      history: unclaimed.history(),
      finalState: [],
    });
    expect(result.verdict).toBe("unknown");
    expect(result.unknowns[0]?.kind).toBe("stall-unjudged");
  });

  it("gives a stall to the execution that was running longest, not to a later one of the same job on that process", () => {
    // w1 runs a from 0; its lock lapses and w1 itself takes a again at 2000: the stall at 2600 is the
    // first execution's (2600 ms in), not the second's (600 ms in).
    const twin = new HistoryBuilder()
      .run("a", "w1", 1, 0, 4000)
      .run("a", "w1", 1, 2000, 3000)
      .stalled("a", "w1", 1, 2600);
    const result = stalledEventsChecker.check({ settings: withMax, history: twin.history(), finalState: [] });
    expect(result.violations).toEqual([]);
    // With the first execution short, the same stall can only be the second's, and is too early.
    const broken = new HistoryBuilder()
      .run("a", "w1", 1, 0, 1000, { lockUntil: 1000 })
      .run("a", "w1", 1, 2000, 3000, { lockUntil: 3000 })
      .stalled("a", "w1", 1, 2600);
    expect(
      stalledEventsChecker.check({ settings: withMax, history: broken.history(), finalState: [] })
        .violations[0]?.kind,
    ).toBe("stall-too-early");
  });

  it("excuses an execution whose heartbeat failed first (its lock was taken)", () => {
    const b = new HistoryBuilder()
      .run("a", "w1", 1, 0, 4000)
      .workerError("w1", 1, 1000, "Heartbeat failed for job a: lost");
    expect(
      stalledEventsChecker.check({ settings: withMax, history: b.history(), finalState: [] }).verdict,
    ).toBe("unknown");
  });

  it("is unknown when stall detection was off", () => {
    expect(
      stalledEventsChecker.check({ settings, history: new HistoryBuilder().history(), finalState: [] })
        .verdict,
    ).toBe("unknown");
  });
});
