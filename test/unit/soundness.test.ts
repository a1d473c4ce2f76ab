import { describe, expect, it } from "vitest";
import type { ReexecutionFigures } from "../../harness/checkers/figures.ts";
import { finalStateChecker } from "../../harness/checkers/finalState.ts";
import { lostJobsChecker } from "../../harness/checkers/lostJobs.ts";
import { ownershipChecker } from "../../harness/checkers/ownership.ts";
import { recoveryTimeChecker } from "../../harness/checkers/recoveryTime.ts";
import { reexecutionsChecker } from "../../harness/checkers/reexecutions.ts";
import type { Checker, CheckerName, JobState } from "../../harness/checkers/types.ts";
import { runCheckers } from "../../harness/checkers/verdicts.ts";
import { HistoryBuilder, instanceOf, job, settings } from "../support/histories.ts";

// Each promise, broken in a hand-built history that must fail naming the job, beside a correct
// twin that must pass. lockTimeoutMs 1000, poll 100, timing tolerance 50, recovery tolerance 200.

function verdictOf<N extends CheckerName>(
  checker: Checker<N>,
  b: HistoryBuilder,
  finalState: JobState[] = [],
) {
  const [result] = runCheckers([checker as Checker], { settings, history: b.history(), finalState });
  if (!result) throw new Error("no result");
  return result;
}

function expectFailNaming(
  result: { verdict: string; violations: { kind: string; jobId?: string }[] },
  kind: string,
  jobId: string,
) {
  expect(result.verdict).toBe("fail");
  expect(result.violations).toContainEqual(expect.objectContaining({ kind, jobId }));
}

describe("final-state: the final state against the ledger, both ways", () => {
  it("fails a job completed in the database that no execution completed; passes its twin", () => {
    const failedOnly = new HistoryBuilder().accept("a").run("a", "w1", 1, 10, 20, { outcome: "error" });
    expectFailNaming(
      verdictOf(finalStateChecker, failedOnly, [job("a", "completed", { attempts: 1 })]),
      "completed-without-success",
      "a",
    );
    const neverRan = new HistoryBuilder().accept("a");
    expectFailNaming(
      verdictOf(finalStateChecker, neverRan, [job("a", "completed")]),
      "completed-without-success",
      "a",
    );
    const twin = new HistoryBuilder()
      .accept("a")
      .run("a", "w1", 1, 10, 20, { outcome: "error" })
      .run("a", "w1", 1, 200, 300, { attempt: 2 });
    expect(verdictOf(finalStateChecker, twin, [job("a", "completed", { attempts: 1 })]).verdict).toBe("pass");
  });

  it("fails a job failed in the database whose every attempt succeeded; passes its twin", () => {
    const ok = new HistoryBuilder()
      .accept("a", 0, { expect: "failed" })
      .run("a", "w1", 1, 10, 20, { ack: null });
    expectFailNaming(
      verdictOf(finalStateChecker, ok, [job("a", "failed", { attempts: 1 })]),
      "failed-without-failure",
      "a",
    );
    const twin = new HistoryBuilder()
      .accept("a", 0, { expect: "failed" })
      .run("a", "w1", 1, 10, 20, { outcome: "error", ack: "fail" });
    expect(verdictOf(finalStateChecker, twin, [job("a", "failed", { attempts: 1 })]).verdict).toBe("pass");
  });

  it("fails an attempt count no execution matches; passes its twin", () => {
    const b = new HistoryBuilder().accept("a").run("a", "w1", 1, 10, 20);
    expectFailNaming(
      verdictOf(finalStateChecker, b, [job("a", "completed", { attempts: 2 })]),
      "attempts-mismatch",
      "a",
    );
    expect(verdictOf(finalStateChecker, b, [job("a", "completed", { attempts: 0 })]).verdict).toBe("pass");
  });

  it("fails a job the scheduler acknowledged completed that the database does not hold completed", () => {
    const b = new HistoryBuilder().accept("a", 0, { expect: "failed" }).run("a", "w1", 1, 10, 20);
    expectFailNaming(verdictOf(finalStateChecker, b, [job("a", "pending")]), "completion-lost", "a");
    expect(verdictOf(finalStateChecker, b, [job("a", "completed")]).verdict).toBe("pass");
  });
  it("a job whose work was done but whose document says failed is not lost, but its final state is contradicted", () => {
    // The scheduler's weakness under a partition or clock skew: the stale owner's refused
    // completion goes down the failure path and marks the job failed after the new owner's run.
    const b = new HistoryBuilder()
      .accept("a")
      .run("a", "w1", 1, 10, 2000, { ack: "fail" })
      .run("a", "w2", 1, 1500, 1600);
    const states = [job("a", "failed", { attempts: 1, lastError: "ownership lost" })];
    const lost = verdictOf(lostJobsChecker, b, states);
    expect(lost.verdict).toBe("pass");
    expect(lost.figures).toMatchObject({ lost: 0, doneButFailed: 1 });
    expectFailNaming(verdictOf(finalStateChecker, b, states), "failed-without-failure", "a");
    // Its twin: the job ends completed by the new owner, as the ledger says.
    const twin = [job("a", "completed")];
    expect(verdictOf(finalStateChecker, b, twin).verdict).toBe("pass");
    expect(verdictOf(lostJobsChecker, b, twin).verdict).toBe("pass");
  });

  it("still calls a failed job lost when no execution of it ended well", () => {
    const b = new HistoryBuilder().accept("a").run("a", "w1", 1, 10, 20, { outcome: "error", ack: "fail" });
    expectFailNaming(verdictOf(lostJobsChecker, b, [job("a", "failed", { attempts: 1 })]), "lost", "a");
  });

  it("is unknown with no job in the database to judge", () => {
    expect(verdictOf(finalStateChecker, new HistoryBuilder().accept("a"), []).verdict).toBe("unknown");
  });
});

describe("unexpected jobs and executions", () => {
  const base = () => new HistoryBuilder().accept("a").run("a", "w1", 1, 10, 20);

  it("fails a stored job no accepted request created; passes without it", () => {
    const states = [job("a", "completed"), job("x", "completed")];
    expectFailNaming(
      verdictOf(lostJobsChecker, base().run("x", "w1", 1, 30, 40), states),
      "unexpected-job",
      "x",
    );
    expect(verdictOf(lostJobsChecker, base(), [job("a", "completed")]).verdict).toBe("pass");
  });

  it("fails an execution of a job nobody asked for and the database does not hold", () => {
    expectFailNaming(
      verdictOf(lostJobsChecker, base().run("ghost", "w1", 1, 30, 40), [job("a", "completed")]),
      "unexpected-execution",
      "ghost",
    );
  });

  it("calls a job made by a request that got no answer unknown, not unexpected; one whose request was answered with another id fails", () => {
    const noAnswer = verdictOf(lostJobsChecker, base().run("x", "w1", 1, 30, 40), [
      job("a", "completed"),
      job("x", "completed", { request: "never-answered" }),
    ]);
    expect(noAnswer.verdict).toBe("unknown");
    expect(noAnswer.unknowns[0]).toMatchObject({ kind: "indeterminate-request", jobId: "x" });
    const copy = new HistoryBuilder()
      .accept("a", 0, { request: "7" })
      .run("a", "w1", 1, 10, 20)
      .run("x", "w1", 1, 30, 40);
    expectFailNaming(
      verdictOf(lostJobsChecker, copy, [
        job("a", "completed", { request: "7" }),
        job("x", "completed", { request: "7" }),
      ]),
      "unexpected-job",
      "x",
    );
  });
});

describe("requests, not ids", () => {
  it("fails two requests without a dedupe key answered with one id; passes two jobs for two requests", () => {
    const merged = new HistoryBuilder().accept("a").accept("a").run("a", "w1", 1, 10, 20);
    expectFailNaming(verdictOf(lostJobsChecker, merged, [job("a", "completed")]), "merged-requests", "a");
    const twin = new HistoryBuilder()
      .accept("a")
      .accept("b")
      .run("a", "w1", 1, 10, 20)
      .run("b", "w1", 1, 30, 40);
    expect(verdictOf(lostJobsChecker, twin, [job("a", "completed"), job("b", "completed")]).verdict).toBe(
      "pass",
    );
  });

  it("keeps the dedupe rule: requests with one key share one job; different keys may not", () => {
    const sameKey = new HistoryBuilder()
      .accept("a", 0, { dedupeKey: "k" })
      .accept("a", 1, { dedupeKey: "k" })
      .run("a", "w1", 1, 10, 20, { dedupeKey: "k" });
    expect(verdictOf(lostJobsChecker, sameKey, [job("a", "completed", { dedupeKey: "k" })]).verdict).toBe(
      "pass",
    );
    const twoKeys = new HistoryBuilder()
      .accept("a", 0, { dedupeKey: "k1" })
      .accept("a", 1, { dedupeKey: "k2" })
      .run("a", "w1", 1, 10, 20);
    expectFailNaming(verdictOf(lostJobsChecker, twoKeys, [job("a", "completed")]), "merged-requests", "a");
  });
});

describe("a recovery means the owner died", () => {
  it("classifies a re-run while the owner lived and had not acknowledged as a stall, never a recovery", () => {
    const b = new HistoryBuilder().run("a", "w1", 1, 100, 500, { ack: null }).run("a", "w2", 1, 1300, 1400);
    const result = verdictOf(reexecutionsChecker, b);
    expectFailNaming(result, "stall", "a");
    expect((result.figures as ReexecutionFigures | null)?.byClass.recovery).toBe(0);
    const twin = new HistoryBuilder()
      .run("a", "w1", 1, 100, 500, { ack: null })
      .kill("w1", 1, 600)
      .run("a", "w2", 1, 1300, 1400);
    const passed = verdictOf(reexecutionsChecker, twin);
    expect(passed.verdict).toBe("pass");
    expect((passed.figures as ReexecutionFigures | null)?.byClass.recovery).toBe(1);
  });

  it("classifies a re-run before the live owner's lock could expire as a lock not honoured", () => {
    const b = new HistoryBuilder().run("a", "w1", 1, 100, 300, { ack: null }).run("a", "w2", 1, 400, 500);
    expectFailNaming(verdictOf(reexecutionsChecker, b), "lock-not-honoured", "a");
  });

  it("calls two overlapping executions a double execution and says why the lock allowed it", () => {
    const b = new HistoryBuilder().run("a", "w1", 1, 100, 1500).run("a", "w2", 1, 1200, 1300);
    const result = verdictOf(reexecutionsChecker, b);
    expectFailNaming(result, "double-execution", "a");
    expect(result.violations[0]?.evidence?.cause).toContain("stall");
  });
});

describe("kill evidence is complete", () => {
  it("is unknown when a job in flight at a kill has no start record, and names it", () => {
    const b = new HistoryBuilder()
      .ready("w1", 1, 0)
      .run("a", "w1", 1, 100, null)
      .kill("w1", 1, 200, [
        { execId: `${instanceOf("w1", 1)}#1`, jobId: "a" },
        { execId: `${instanceOf("w1", 1)}#99`, jobId: "z" },
      ])
      .run("a", "w2", 1, 1250, 1300);
    const result = verdictOf(recoveryTimeChecker, b);
    expect(result.verdict).toBe("unknown");
    expect(result.unknowns[0]).toMatchObject({ kind: "missing-start", jobId: "z" });
  });

  it("passes when the kill's in-flight list is the history's", () => {
    const b = new HistoryBuilder()
      .ready("w1", 1, 0)
      .run("a", "w1", 1, 100, null)
      .kill("w1", 1, 200, [{ execId: `${instanceOf("w1", 1)}#1`, jobId: "a" }])
      .run("a", "w2", 1, 1250, 1300);
    expect(verdictOf(recoveryTimeChecker, b).verdict).toBe("pass");
  });

  it("fails a re-run that began before the killed execution's lock could have expired", () => {
    const killed = () =>
      new HistoryBuilder()
        .ready("w1", 1, 0)
        .run("a", "w1", 1, 100, null, { lockUntil: 1100 })
        .kill("w1", 1, 200);
    expectFailNaming(
      verdictOf(recoveryTimeChecker, killed().run("a", "w2", 1, 900, 950)),
      "lock-violation",
      "a",
    );
    expectFailNaming(
      verdictOf(reexecutionsChecker, killed().run("a", "w2", 1, 900, 950)),
      "lock-not-honoured",
      "a",
    );
    expect(verdictOf(recoveryTimeChecker, killed().run("a", "w2", 1, 1150, 1200)).verdict).toBe("pass");
  });
});

describe("identity does not come from pids", () => {
  it("passes a correct history in which a restarted worker got the pid of the killed one", () => {
    // w1's first incarnation (pid 4242) dies mid-job; its restart gets pid 4242 again and runs b,
    // then the recovery of a. Merged by pid, b's run would look alive across the kill.
    const b = new HistoryBuilder()
      .accept("a")
      .accept("b")
      .ready("w1", 1, 0, 1, 4242)
      .ready("w2", 1, 0)
      .run("warm", "w2", 1, 10, 20, { ack: "success" })
      .run("a", "w1", 1, 100, null, { pid: 4242 })
      .kill("w1", 1, 200, [], 4242)
      .ready("w1", 2, 300, 1, 4242)
      .run("b", "w1", 2, 400, 500, { pid: 4242 })
      .run("a", "w1", 2, 1200, 1300, { pid: 4242 });
    const finalState = [job("a", "completed"), job("b", "completed"), job("warm", "completed")];
    const history = b.accept("warm").history();
    for (const checker of [
      reexecutionsChecker,
      recoveryTimeChecker,
      lostJobsChecker,
      finalStateChecker,
    ] as Checker[]) {
      const [result] = runCheckers([checker], { settings, history, finalState });
      expect(result?.violations).toEqual([]);
      expect(result?.verdict).toBe("pass");
    }
  });
});

describe("a checker that finds a violation fails", () => {
  it("ownership fails a job failed without any failed execution even when no lock was lost", () => {
    const b = new HistoryBuilder().run("a", "w1", 1, 100, 200, { ack: null });
    expectFailNaming(verdictOf(ownershipChecker, b, [job("a", "failed")]), "failed-without-failure", "a");
  });
});

describe("a kill between the retry's database update and its acknowledgement", () => {
  it("is a retry, not a lock violation, when the next run is the next attempt of a failed one", () => {
    const b = new HistoryBuilder()
      .ready("w1", 1, 0)
      .run("a", "w1", 1, 100, 300, { outcome: "error", ack: null, lockUntil: 1100 })
      .kill("w1", 1, 400)
      .run("a", "w2", 1, 500, 600, { attempt: 2 });
    expect(verdictOf(reexecutionsChecker, b).verdict).toBe("pass");
    expect(verdictOf(recoveryTimeChecker, b).figures).toMatchObject({
      finishedBeforeKill: 1,
      lockViolations: 0,
    });
    // The same re-run as the same attempt: the lock was not honoured.
    const same = new HistoryBuilder()
      .ready("w1", 1, 0)
      .run("a", "w1", 1, 100, 300, { outcome: "error", ack: null, lockUntil: 1100 })
      .kill("w1", 1, 400)
      .run("a", "w2", 1, 500, 600, { attempt: 1 });
    expectFailNaming(verdictOf(reexecutionsChecker, same), "lock-not-honoured", "a");
  });
});
