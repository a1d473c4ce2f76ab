import { describe, expect, it } from "vitest";
import { reexecutionsChecker } from "../../harness/checkers/reexecutions.ts";
import { HistoryBuilder, settings } from "../support/histories.ts";

const check = (b: HistoryBuilder) =>
  reexecutionsChecker.check({ settings, history: b.history(), finalState: [] });

describe("re-executions checker", () => {
  it("counts a re-run after the executing process was killed as a recovery, not a violation", () => {
    const b = new HistoryBuilder()
      .run("a", "w1", 1, 100, null)
      .kill("w1", 1, 200)
      .run("a", "w2", 2, 1300, 1500);
    const result = check(b);
    expect(result.verdict).toBe("pass");
    expect(result.figures?.byClass).toMatchObject({ recovery: 1, "double-execution": 0 });
  });

  it("counts a run after a retry acknowledgement as a retry", () => {
    const result = check(
      new HistoryBuilder().run("a", "w1", 1, 100, 200, { ack: "retry" }).run("a", "w1", 1, 800, 900),
    );
    expect(result.verdict).toBe("pass");
    expect(result.figures?.byClass).toMatchObject({ retry: 1 });
  });

  it("fails on two executions of one job alive at the same time", () => {
    const result = check(new HistoryBuilder().run("a", "w1", 1, 100, 600).run("a", "w2", 2, 300, 700));
    expect(result.verdict).toBe("fail");
    expect(result.figures?.byClass["double-execution"]).toBe(1);
    expect(result.violations[0]).toMatchObject({ kind: "double-execution", jobId: "a" });
  });

  it("fails when a frozen execution that never ended overlaps a later one (no kill recorded)", () => {
    const result = check(new HistoryBuilder().run("a", "w1", 1, 100, null).run("a", "w2", 2, 1300, 1500));
    expect(result.violations[0]?.kind).toBe("double-execution");
  });

  it("fails on a run after the scheduler marked the job completed", () => {
    const result = check(new HistoryBuilder().run("a", "w1", 1, 100, 200).run("a", "w2", 2, 500, 600));
    expect(result.verdict).toBe("fail");
    expect(result.figures?.byClass["run-after-success"]).toBe(1);
    expect(result.violations[0]?.kind).toBe("run-after-success");
  });

  it("fails on a run after a final failure", () => {
    const result = check(
      new HistoryBuilder().run("a", "w1", 1, 100, 200, { ack: "fail" }).run("a", "w2", 2, 500, 600),
    );
    expect(result.violations[0]?.kind).toBe("run-after-failure");
  });

  it("is unknown when nothing ran", () => {
    expect(check(new HistoryBuilder()).verdict).toBe("unknown");
  });
});
