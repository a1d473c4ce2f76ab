import { describe, expect, it } from "vitest";
import type { AnyCheckerResult } from "../../harness/checkers/types.ts";
import { keyByName } from "../../harness/checkers/verdicts.ts";
import { runJunit } from "../../harness/report/junit.ts";
import { checkerList, type RunResult } from "../../harness/report/result.ts";
import { parseJunit } from "../support/junitXml.ts";
import { brokenRun, checkerOf } from "../support/runResults.ts";

describe("JUnit XML of a scenario run", () => {
  it("has one suite per run and one case per checker; a failing checker is a failure naming its jobs", () => {
    const result = brokenRun();
    // The history really breaks these two and leaves recovery-time undecided.
    expect(checkerOf(result, "lost-jobs").verdict).toBe("fail");
    expect(checkerOf(result, "re-executions").verdict).toBe("fail");
    expect(checkerOf(result, "recovery-time").verdict).toBe("unknown");

    const parsed = parseJunit(runJunit(result));
    const suites = parsed.testsuites.testsuite;
    expect(suites).toHaveLength(1);
    const suite = suites[0];
    expect(checkerOf(result, "final-state").verdict).toBe("pass");
    expect(suite).toMatchObject({ name: "crash-recovery", tests: 4, failures: 2, errors: 0, skipped: 1 });
    expect(suite?.testcase.map((c) => c.name)).toEqual(checkerList(result).map((c) => c.name));
    expect(suite?.properties?.property).toEqual(
      expect.arrayContaining([
        { name: "verdict", value: "fail" },
        { name: "seed", value: 7 },
      ]),
    );

    const cases = new Map(suite?.testcase.map((c) => [c.name, c]));
    const lost = cases.get("lost-jobs");
    expect(lost?.failure?.message).toBe(checkerOf(result, "lost-jobs").summary);
    expect(lost?.failure?.["#text"]).toContain("lost-1");
    expect(lost?.failure?.["#text"]).not.toContain("ok-1");
    const twice = cases.get("re-executions");
    expect(twice?.failure?.type).toContain("double-execution");
    expect(twice?.failure?.["#text"]).toContain("twice-1");
    for (const v of checkerOf(result, "re-executions").violations)
      expect(twice?.failure?.["#text"]).toContain(v.message);

    const undecided = cases.get("recovery-time");
    expect(undecided).toHaveProperty("skipped");
    expect(undecided?.failure).toBeUndefined();
    expect(undecided?.["system-out"]).toContain(`undecided: ${checkerOf(result, "recovery-time").summary}`);
  });

  it("skips an informational checker with its reason, even when it found violations", () => {
    const result = brokenRun({ "re-executions": "a known weakness, measured only" });
    expect(checkerOf(result, "re-executions")).toMatchObject({ verdict: "fail", informational: true });
    const suite = parseJunit(runJunit(result)).testsuites.testsuite[0];
    expect(suite).toMatchObject({ failures: 1, skipped: 2 });
    const info = suite?.testcase.find((c) => c.name === "re-executions");
    expect(info).toHaveProperty("skipped");
    expect(info?.failure).toBeUndefined();
    expect(info?.["system-out"]).toContain(
      "informational, not in the verdict: a known weakness, measured only",
    );
    expect(info?.["system-out"]).toContain("twice-1");
  });

  it("passes every checker of a clean run: no failure, no skip", () => {
    const result = brokenRun();
    const clean: RunResult = {
      ...result,
      verdict: "pass",
      checkers: keyByName(
        checkerList(result).map((c) => ({ ...c, verdict: "pass", violations: [] }) as AnyCheckerResult),
      ),
    };
    const suite = parseJunit(runJunit(clean)).testsuites.testsuite[0];
    expect(suite).toMatchObject({ tests: 4, failures: 0, errors: 0, skipped: 0 });
    for (const c of suite?.testcase ?? []) {
      expect(c.failure).toBeUndefined();
      expect(c).not.toHaveProperty("skipped");
    }
  });

  it("adds an error case when the run did not finish", () => {
    const result = brokenRun({}, "interrupted (SIGINT)");
    const suite = parseJunit(runJunit(result)).testsuites.testsuite[0];
    const run = suite?.testcase.find((c) => c.name === "run");
    expect(run?.error?.message).toBe("run incomplete: interrupted (SIGINT)");
    expect(suite?.errors).toBe(1);
  });

  it("stays well-formed whatever a violation's text holds", () => {
    const result = brokenRun();
    const lost = checkerOf(result, "lost-jobs");
    const nasty = 'a <b> & "c" ]]> d ]]> e';
    const odd: RunResult = {
      ...result,
      checkers: keyByName(
        checkerList(result).map(
          (c) =>
            (c === lost
              ? { ...c, summary: nasty, violations: [{ kind: "lost", message: nasty, jobId: "x-1" }] }
              : c) as AnyCheckerResult,
        ),
      ),
    };
    const failure = parseJunit(runJunit(odd)).testsuites.testsuite[0]?.testcase[0]?.failure;
    expect(failure?.message).toBe(nasty);
    expect(failure?.["#text"]).toContain('a <b> & "c" ]] > d ]] > e (job x-1)');
  });
});
