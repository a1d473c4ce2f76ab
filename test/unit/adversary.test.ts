import { describe, expect, it } from "vitest";
import { checkerRegistry } from "../../harness/checkers/index.ts";
import type { AnyCheckerResult, Checker, CheckerName, JobState } from "../../harness/checkers/types.ts";
import { overallVerdict, runCheckers } from "../../harness/checkers/verdicts.ts";
import { HistoryBuilder, instanceOf, job, settings } from "../support/histories.ts";

// Histories tried as an adversary would: broken ones that must not pass (naming the job), and
// correct twins that must not fail. Each runs a scenario's checker list through runCheckers and
// overallVerdict, the path `analyze` and a live run take. lockTimeoutMs 1000, poll 100, timing
// tolerance 50, recovery tolerance 200, the run ends at 100 000.

function check(
  names: readonly CheckerName[],
  b: HistoryBuilder,
  finalState: JobState[] = [],
  overrides: Partial<typeof settings> = {},
): { verdict: string; results: AnyCheckerResult[] } {
  const results = runCheckers(
    names.map((n) => checkerRegistry[n] as Checker),
    { settings: { ...settings, ...overrides }, history: b.history(), finalState },
  );
  return { verdict: overallVerdict(results), results };
}

function violationsOf(out: { results: AnyCheckerResult[] }) {
  return out.results.flatMap((r) =>
    r.violations.map((v) => ({ checker: r.name, kind: v.kind, jobId: v.jobId })),
  );
}

const crashRecovery = ["lost-jobs", "re-executions", "recovery-time"] as const;

describe("a process that outlived its recorded death", () => {
  const w1 = instanceOf("w1", 1);
  // w1 is recorded killed at 100 while executing a; w2 runs a again at 1200, after a's lock.
  const killedThenRerun = (afterDeath: (b: HistoryBuilder, execId: string) => void) => {
    const b = new HistoryBuilder()
      .accept("a")
      .ready("w1", 1, 0)
      .ready("w2", 1, 0)
      .run("a", "w1", 1, 10, null, { lockUntil: 1000 });
    const killed = b.lastExecId;
    b.kill("w1", 1, 100, [{ execId: killed, jobId: "a" }]);
    afterDeath(b, killed);
    return b.run("a", "w2", 1, 1200, 1300, { lockUntil: 2200 });
  };

  it("fails a 'recovery' while the killed execution went on to complete, and says the history is contradictory", () => {
    const b = killedThenRerun((b, execId) =>
      b
        .raw({ type: "end", t: 1500, execId, jobId: "a", outcome: "ok", instance: w1, pid: 1 })
        .raw({ type: "ack", t: 1501, execId, jobId: "a", outcome: "success", instance: w1, pid: 1 }),
    );
    expect(b.history().problems).toContainEqual(expect.objectContaining({ kind: "after-death", jobId: "a" }));
    const out = check(crashRecovery, b, [job("a", "completed")]);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({
      checker: "re-executions",
      kind: "double-execution",
      jobId: "a",
    });
  });

  it("never passes a job the killed instance itself started again after its death", () => {
    const b = new HistoryBuilder()
      .accept("a")
      .ready("w1", 1, 0)
      .run("a", "w1", 1, 10, null, { lockUntil: 1000 });
    b.kill("w1", 1, 100, [{ execId: b.lastExecId, jobId: "a" }]).run("a", "w1", 1, 1100, 1200);
    expect(b.history().problems).toContainEqual(expect.objectContaining({ kind: "after-death", jobId: "a" }));
    expect(check(["lost-jobs", "re-executions"], b, [job("a", "completed")]).verdict).toBe("unknown");
    // The same instance also ended its first execution after the kill: it lived through it.
    const ended = new HistoryBuilder()
      .accept("a")
      .ready("w1", 1, 0)
      .run("a", "w1", 1, 10, 900, { ack: null });
    ended.kill("w1", 1, 100, [{ execId: ended.lastExecId, jobId: "a" }]).run("a", "w1", 1, 1100, 1200);
    const out = check(["lost-jobs", "re-executions"], ended, [job("a", "completed")]);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({ checker: "re-executions", kind: "stall", jobId: "a" });
  });

  it("passes the twin whose killed execution wrote nothing after the kill, and one whose end is within the clock slack", () => {
    const died = killedThenRerun(() => {});
    expect(died.history().problems).toEqual([]);
    expect(check(crashRecovery, died, [job("a", "completed")]).verdict).toBe("pass");
    // Ended 40 ms after the kill by the harness's clock, unacknowledged: read as ended before it.
    const slack = killedThenRerun((b, execId) =>
      b.raw({ type: "end", t: 140, execId, jobId: "a", outcome: "ok", instance: w1, pid: 1 }),
    );
    expect(slack.history().problems).toEqual([]);
    expect(check(crashRecovery, slack, [job("a", "completed")]).verdict).toBe("pass");
  });
});

describe("a late recovery needs no ready record to be judged", () => {
  // w1 is killed at 100 with a; w2 runs x and then stands idle until it takes a at 10 000.
  const late = (ready: boolean, busy: boolean) => {
    const b = new HistoryBuilder().accept("a").accept("x");
    if (ready) b.ready("w1", 1, 0).ready("w2", 1, 0);
    b.run("a", "w1", 1, 10, null, { lockUntil: 1000 });
    b.kill("w1", 1, 100, [{ execId: b.lastExecId, jobId: "a" }]);
    // Busy: x, of a higher priority, holds w2 until a's recovery.
    b.run("x", "w2", 1, 20, busy ? 9990 : 30, { priority: busy ? 1 : 5 });
    return b.run("a", "w2", 1, 10_000, 10_100);
  };

  it("fails a recovery 10 s late behind an idle worker whose process has no ready record", () => {
    const out = check(crashRecovery, late(false, false), [job("a", "completed"), job("x", "completed")]);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({ checker: "recovery-time", kind: "late-recovery", jobId: "a" });
    expect(
      check(crashRecovery, late(true, false), [job("a", "completed"), job("x", "completed")]).verdict,
    ).toBe("fail");
  });

  it("passes its twin, late behind a worker busy with a job that comes first", () => {
    const states = [job("a", "completed"), job("x", "completed", { priority: 1 })];
    expect(check(crashRecovery, late(false, true), states).verdict).toBe("pass");
  });
});

describe("a fault window without its end", () => {
  // w1 is killed at 100 with a; w2 runs x, is frozen from 40, and takes a at 10 000.
  const frozen = (endAt: number | null) => {
    const b = new HistoryBuilder().accept("a").accept("x").ready("w1", 1, 0).ready("w2", 1, 0);
    b.run("a", "w1", 1, 10, null, { lockUntil: 1000 });
    b.kill("w1", 1, 100, [{ execId: b.lastExecId, jobId: "a" }]);
    b.run("x", "w2", 1, 20, 30).unavailable("p1", [["w2", 1]], 40, endAt);
    return b.run("a", "w2", 1, 10_000, 10_100);
  };
  const states = [job("a", "completed"), job("x", "completed")];

  it("does not pass a late recovery that an unending freeze of the only worker would explain", () => {
    const b = frozen(null);
    expect(b.history().problems).toContainEqual(expect.objectContaining({ kind: "unpaired-window" }));
    expect(check(crashRecovery, b, states).verdict).toBe("unknown");
  });

  it("passes its twin, whose freeze is healed just before the recovery", () => {
    expect(check(crashRecovery, frozen(9_990), states).verdict).toBe("pass");
  });
});
