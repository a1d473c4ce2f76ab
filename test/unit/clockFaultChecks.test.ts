import { describe, expect, it } from "vitest";
import { reexecutionsChecker } from "../../harness/checkers/reexecutions.ts";
import { HistoryBuilder, job, settings } from "../support/histories.ts";

// lockTimeoutMs 1000. The scheduler writes lockUntil from the claiming process's own clock; under a
// clock fault the checkers must read it on the reference clock (executions.ts, onReferenceClock).
const t0 = 100_000;
const timing = { ...settings, runEndedAt: t0 + 100_000, claimOrder: "global-priority" as const };
const check = (b: HistoryBuilder, jobs = [job("x", "completed"), job("a", "completed")]) =>
  reexecutionsChecker.check({ settings: timing, history: b.history(), finalState: jobs });

describe("lock deadlines written from a skewed clock", () => {
  // w1 runs x, releases it at t0+101 and claims a; its clock is 5 s behind, so the lockUntil it
  // writes for a 1000 ms lock is (t0+101 − 5000) + 1000. w1 is killed at t0+200 and w2 runs a at t0+1200.
  const behind = (withWindow: boolean) => {
    const b = new HistoryBuilder().accept("x").accept("a").ready("w1", 1, t0).ready("w2", 1, t0);
    if (withWindow) b.clock("skew-1", [["w1", 1]], t0 - 5000, null, -5000);
    b.run("x", "w1", 1, t0 + 10, t0 + 100).run("a", "w1", 1, t0 + 110, null, {
      lockUntil: t0 + 101 - 5000 + 1000,
    });
    b.kill("w1", 1, t0 + 200, [{ execId: b.lastExecId, jobId: "a" }]);
    return b.run("a", "w2", 1, t0 + 1200, t0 + 1250);
  };

  it("takes the offset off: a correct claim of a process whose clock was behind is no short lock", () => {
    const out = check(behind(true));
    expect(out.violations).toEqual([]);
    expect(out.figures?.byClass.recovery).toBe(1);
  });

  it("fails the same deadline when no clock fault explains it (its broken twin)", () => {
    expect(check(behind(false)).violations.map((v) => [v.kind, v.jobId])).toContainEqual(["short-lock", "a"]);
  });

  // w1 (no fault) claims a at t0 for 1000 ms and runs it until t0+3000; w2, whose clock is 5 s
  // ahead, claims a at t0+500: by its clock the lock had expired.
  const ahead = (from: number) => {
    const b = new HistoryBuilder()
      .accept("a")
      .ready("w1", 1, t0 - 3000)
      .ready("w2", 1, t0 - 2000);
    b.clock("skew-1", [["w2", 1]], from, null, 5000);
    b.run("a", "w1", 1, t0 + 10, t0 + 3000, { lockUntil: t0 + 1000 });
    return b.run("a", "w2", 1, t0 + 520, t0 + 600, { lockUntil: t0 + 500 + 5000 + 1000 });
  };

  it("names the clocks, not a lock that was not honoured, for a double execution by a process whose clock ran ahead", () => {
    const out = check(ahead(t0 - 5000), [job("a", "completed")]);
    expect(out.verdict).toBe("fail");
    const double = out.violations.find((v) => v.kind === "double-execution");
    expect(double?.jobId).toBe("a");
    expect(double?.message).toContain("the clocks disagreed");
    expect(double?.message).toContain("5000 ms off the owner's");
  });

  it("cannot tell when the clock changed around the claim, and says so", () => {
    // The window began 300 ms before the claim: the deadline may have been written before or after.
    const out = check(ahead(t0 + 200), [job("a", "completed")]);
    const double = out.violations.find((v) => v.kind === "double-execution");
    expect(double?.message).toContain("cannot be told");
  });
});
