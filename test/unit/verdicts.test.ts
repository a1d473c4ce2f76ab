import { describe, expect, it } from "vitest";
import type { Checker } from "../../harness/checkers/types.ts";
import { overallVerdict, runCheckers, worstVerdict } from "../../harness/checkers/verdicts.ts";
import { HistoryBuilder, settings } from "../support/histories.ts";

const passing: Checker = {
  name: "ok",
  check: () => ({ name: "ok", verdict: "pass", summary: "", violations: [], figures: {} }),
};
const throwing: Checker = {
  name: "boom",
  check: () => {
    throw new Error("bad history");
  },
};

describe("verdicts", () => {
  it("keeps the worst verdict: fail over unknown over pass; none is unknown", () => {
    expect(worstVerdict(["pass", "unknown", "pass"])).toBe("unknown");
    expect(worstVerdict(["unknown", "fail", "pass"])).toBe("fail");
    expect(worstVerdict(["pass"])).toBe("pass");
    expect(worstVerdict([])).toBe("unknown");
  });

  it("turns a checker that throws into unknown instead of a crash", () => {
    const [result] = runCheckers([throwing], {
      settings,
      history: new HistoryBuilder().history(),
      finalState: [],
    });
    expect(result).toMatchObject({ name: "boom", verdict: "unknown" });
    expect(result?.summary).toContain("bad history");
  });

  it("makes a pass uncertain when the ledger had unreadable lines", () => {
    const [result] = runCheckers([passing], {
      settings,
      history: { records: [], corruptLines: 1 },
      finalState: [],
    });
    expect(result?.verdict).toBe("unknown");
  });

  it("leaves informational checkers out of the run's verdict", () => {
    const base = { summary: "", violations: [], figures: {} };
    expect(
      overallVerdict([
        { name: "a", verdict: "pass", ...base },
        { name: "b", verdict: "fail", informational: true, ...base },
      ]),
    ).toBe("pass");
  });
});
