import { describe, expect, it } from "vitest";
import { backlogFor } from "../../harness/bench/measure/forks.ts";
import { benchEstimate } from "../../harness/bench/measure/runBench.ts";
import { type BenchMatrix, type BenchPlan, quickMatrix } from "../../harness/bench/model/matrix.ts";

const benchPlanFor = (over: Partial<BenchMatrix> = {}): BenchPlan => ({
  matrix: { ...quickMatrix, ...over },
  seed: 1,
  arrivals: "constant",
  sweep: false,
  scaling: false,
});

describe("bench drains sized by time", () => {
  const matrix = { backlog: 400, drainTargetMs: 1000 };
  it("gives a system what it drains in the target time, between 40 jobs and the matrix's backlog", () => {
    expect(backlogFor(matrix, 250)).toBe(250);
    expect(backlogFor(matrix, 56.4)).toBe(56);
    expect(backlogFor(matrix, 5)).toBe(40);
    expect(backlogFor(matrix, 5000)).toBe(400);
    expect(backlogFor({ backlog: 10_000, drainTargetMs: 15_000 }, 56)).toBe(840);
  });
  it("says an upper bound on the bench's time before it starts, in minutes, for sized and fixed drains", () => {
    const quick = benchEstimate(benchPlanFor(), 4);
    expect(quick).toMatch(/at most about \d+ min$/);
    expect(quick).toContain("measured drains of about 1 s");
    const fixed = benchEstimate(benchPlanFor({ sizeByTime: false }), 4);
    expect(fixed).toContain("of 400 jobs");
    expect(fixed).toContain("--backlog fixes the drains by size");
  });
});
