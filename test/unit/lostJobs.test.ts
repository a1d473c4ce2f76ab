import { describe, expect, it } from "vitest";
import { lostJobsChecker } from "../../harness/checkers/lostJobs.ts";
import { HistoryBuilder, job, settings } from "../support/histories.ts";

describe("lost-jobs checker", () => {
  it("passes when every accepted job ended as expected and the ledger agrees", () => {
    const history = new HistoryBuilder()
      .accept("a")
      .accept("b", 1, { expect: "failed" })
      .run("a", "w1", 1, 10, 20)
      .run("b", "w1", 1, 30, 40, { outcome: "error", ack: "fail" })
      .history();
    const result = lostJobsChecker.check({
      settings,
      history,
      finalState: [job("a", "completed"), job("b", "failed", { attempts: 1 })],
    });
    expect(result.verdict).toBe("pass");
    expect(result.figures).toMatchObject({ accepted: 2, completed: 1, lost: 0 });
  });

  it("fails and breaks the lost jobs down by the status they were found in", () => {
    const history = new HistoryBuilder()
      .accept("ok")
      .accept("p")
      .accept("stuck")
      .accept("live")
      .accept("gone")
      .accept("f")
      .run("ok", "w1", 1, 10, 20)
      .run("f", "w1", 1, 30, 40, { outcome: "error", ack: "fail" })
      .history();
    const finalState = [
      job("ok", "completed"),
      job("p", "pending"),
      job("stuck", "running", { lockUntil: settings.runEndedAt - 5000 }),
      job("live", "running", { lockUntil: settings.runEndedAt + 5000 }),
      job("f", "failed", { attempts: 1 }),
    ];
    const result = lostJobsChecker.check({ settings, history, finalState });
    expect(result.verdict).toBe("fail");
    expect(result.figures?.lost).toBe(5);
    expect(result.figures?.byReason).toMatchObject({
      pending: 1,
      "stuck running with an expired lock": 1,
      "still running with a live lock": 1,
      "missing from the database": 1,
      failed: 1,
    });
    expect(result.violations.map((v) => v.jobId).sort()).toEqual(["f", "gone", "live", "p", "stuck"]);
    expect(result.summary).toContain("1 stuck running with an expired lock");
  });

  it("is unknown when nothing was accepted", () => {
    const result = lostJobsChecker.check({
      settings,
      history: new HistoryBuilder().history(),
      finalState: [],
    });
    expect(result.verdict).toBe("unknown");
  });
});

describe("lost-jobs checker on a run cut short", () => {
  it("answers unknown instead of calling unfinished jobs lost", () => {
    const history = new HistoryBuilder().accept("a").accept("b").run("a", "w1", 1, 10, 20).history();
    const result = lostJobsChecker.check({
      settings: { ...settings, complete: false },
      history,
      finalState: [job("a", "completed"), job("b", "pending")],
    });
    expect(result.verdict).toBe("unknown");
    expect(result.violations).toEqual([]);
    expect(result.unknowns.map((u) => u.jobId)).toEqual(["b"]);
  });
});
