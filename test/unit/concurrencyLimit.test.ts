import { describe, expect, it } from "vitest";
import { concurrencyLimitChecker } from "../../harness/checkers/concurrencyLimit.ts";
import { HistoryBuilder, settings } from "../support/histories.ts";

const check = (b: HistoryBuilder) =>
  concurrencyLimitChecker.check({ settings, history: b.history(), finalState: [] });
const limited = { name: "report", concurrency: 2 };

describe("concurrency-limit checker", () => {
  it("passes when the limit holds and slots are used, and reports the peak", () => {
    const b = new HistoryBuilder()
      .ready("w1", 1, 0, 2)
      .run("a", "w1", 1, 10, 500, limited)
      .run("b", "w1", 1, 20, 500, limited)
      .run("c", "w1", 1, 520, 900, limited);
    const result = check(b);
    expect(result.verdict).toBe("pass");
    expect(result.figures?.names.report).toMatchObject({ peak: 2, limit: 2, msOverLimit: 0 });
  });

  it("fails when more executions of a name are alive than its limit, across processes", () => {
    const b = new HistoryBuilder()
      .ready("w1", 1, 0, 2)
      .ready("w2", 2, 0, 2)
      .run("a", "w1", 1, 10, 500, limited)
      .run("b", "w1", 1, 20, 500, limited)
      .run("c", "w2", 2, 100, 300, limited);
    const result = check(b);
    expect(result.verdict).toBe("fail");
    expect(result.figures?.names.report).toMatchObject({ peak: 3, msOverLimit: 200 });
    expect(result.violations[0]?.kind).toBe("over-limit");
  });

  it("fails on starvation: below the limit, a job waiting and a slot free for too long", () => {
    const b = new HistoryBuilder()
      .ready("w1", 1, 0, 2)
      .run("a", "w1", 1, 10, 100, limited)
      .run("b", "w1", 1, 2000, 2100, limited);
    const result = check(b);
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]?.kind).toBe("starvation");
    expect(result.figures?.names.report?.longestStarvationMs).toBeGreaterThan(1500);
  });

  it("is unknown when no limited job ran", () => {
    expect(check(new HistoryBuilder().run("a", "w1", 1, 0, 10)).verdict).toBe("unknown");
  });
});
