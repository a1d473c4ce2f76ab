import { describe, expect, it } from "vitest";
import { buildBrokenScheduler } from "../support/brokenScheduler.ts";
import { runHarness, tempReports } from "../support/harnessCli.ts";
import { latestResult } from "../support/runResults.ts";

// Each scenario against a scheduler with the promise it guards removed must fail and name evidence.
describe("scenario suite against broken schedulers (stand-in MongoDB)", () => {
  it("priority-ordering fails with inversions when the claim ignores priority", async () => {
    const reports = tempReports();
    const run = await runHarness(
      ["scenario", "priority-ordering", "--jobs", "120", "--seed", "4", "--reports-dir", reports],
      {
        HARNESS_SCHEDULER: buildBrokenScheduler("priority-ignored"),
      },
    );
    expect(run.code).toBe(1);
    const result = latestResult(reports);
    expect(result.checkers["priority-order"]?.figures?.inversions).toBeGreaterThan(10);
    const violation = result.checkers["priority-order"]?.violations[0];
    expect(violation?.kind).toBe("priority-inversion");
    expect(run.stdout).toContain(String(violation?.jobId));
  });

  it("concurrency-limit fails over the limit when the concurrency check is removed", async () => {
    const reports = tempReports();
    const run = await runHarness(
      ["scenario", "concurrency-limit", "--jobs", "120", "--seed", "4", "--reports-dir", reports],
      {
        HARNESS_SCHEDULER: buildBrokenScheduler("no-concurrency-check"),
      },
    );
    expect(run.code).toBe(1);
    const result = latestResult(reports);
    const limit1 = result.checkers["concurrency-limit"]?.figures?.names["limit-1"];
    expect(limit1?.peak).toBeGreaterThan(1);
    expect(limit1?.msOverLimit).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/limit-\d: \d+ executions alive at .*, limit \d/);
  });

  it("retry-backoff passes its gate on the real scheduler and reports the computed delay as informational", async () => {
    const reports = tempReports();
    const run = await runHarness([
      "scenario",
      "retry-backoff",
      "--jobs",
      "30",
      "--seed",
      "9",
      "--reports-dir",
      reports,
    ]);
    expect(run.code).toBe(0);
    const result = latestResult(reports);
    expect(result.checkers["retry-timing"]?.figures?.checked).toBeGreaterThan(0);
    expect(result.checkers["retry-timing"]?.figures?.early).toBe(0);
    const computed = result.checkers["retry-computed-delay"];
    expect(computed?.informational).toBe(true);
    expect(computed?.note).toContain("function");
    expect(run.stdout).toContain("informational, not in the verdict");
  });
});
