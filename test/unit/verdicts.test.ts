import { describe, expect, it } from "vitest";
import type { Checker } from "../../harness/checkers/types.ts";
import { decide, overallVerdict, runCheckers, worstVerdict } from "../../harness/checkers/verdicts.ts";
import { HistoryBuilder, settings } from "../support/histories.ts";

const dedupeFigures = { keys: 0, requests: 0, jobs: 0, executions: 0 };
const described = { pass: "", fail: "" };
const passing: Checker<"dedupe"> = {
  name: "dedupe",
  describe: described,
  check: () => decide("dedupe", { summary: "", figures: dedupeFigures }),
};
const throwing: Checker<"ownership"> = {
  name: "ownership",
  describe: described,
  check: () => {
    throw new Error("bad history");
  },
};
// A checker that lists a violation but calls its verdict unknown (as ownership once did).
const sloppy: Checker<"dedupe"> = {
  name: "dedupe",
  describe: described,
  check: () => ({
    ...decide("dedupe", { summary: "", figures: dedupeFigures, nothingToJudge: true }),
    violations: [{ kind: "duplicate", jobId: "j1", message: "job j1 ran twice" }],
  }),
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
    expect(result).toMatchObject({ name: "ownership", verdict: "unknown", figures: null });
    expect(result?.summary).toContain("bad history");
  });

  it("makes a pass uncertain when the history has a problem", () => {
    const [result] = runCheckers([passing], {
      settings,
      history: { records: [], rejected: ["{torn"], problems: [{ kind: "unreadable-line", message: "x" }] },
      finalState: [],
    });
    expect(result?.verdict).toBe("unknown");
  });

  it("fails a checker that lists a violation, whatever it could not judge", () => {
    const [result] = runCheckers([sloppy], {
      settings,
      history: new HistoryBuilder().history(),
      finalState: [],
    });
    expect(result?.verdict).toBe("fail");
  });

  it("decides: a violation fails, an unjudged item or nothing to judge is unknown, else pass", () => {
    const v = { kind: "k", message: "m" };
    expect(decide("dedupe", { summary: "", figures: dedupeFigures }).verdict).toBe("pass");
    expect(decide("dedupe", { summary: "", figures: dedupeFigures, unknowns: [v] }).verdict).toBe("unknown");
    expect(
      decide("dedupe", { summary: "", figures: dedupeFigures, unknowns: [v], violations: [v] }).verdict,
    ).toBe("fail");
  });

  it("leaves informational checkers out of the run's verdict", () => {
    const pass = decide("dedupe", { summary: "", figures: dedupeFigures });
    const fail = { ...decide("dedupe", { summary: "", figures: dedupeFigures }), verdict: "fail" as const };
    expect(overallVerdict([pass, { ...fail, informational: true }])).toBe("pass");
    expect(overallVerdict([pass, fail])).toBe("fail");
  });
});
