import { describe, expect, it } from "vitest";
import type { ClaimOrder } from "../../harness/checkers/claimOrder.ts";
import { recoveryTimeChecker } from "../../harness/checkers/recoveryTime.ts";
import { HistoryBuilder, job, settings } from "../support/histories.ts";

// bound = lockTimeoutMs 1000 + pollIntervalMs 100 = 1100 ms; tolerance 200 ms.
const check = (b: HistoryBuilder) =>
  recoveryTimeChecker.check({ settings, history: b.history(), finalState: [] });

function killedVictim(): HistoryBuilder {
  // w2 claimed a job early on, so it is warmed up and its idle slot counts as free.
  return new HistoryBuilder()
    .ready("w1", 1, 0)
    .ready("w2", 2, 0)
    .run("warm-up", "w2", 2, 50, 60)
    .run("v", "w1", 1, 900, null)
    .kill("w1", 1, 1000);
}

describe("recovery-time checker", () => {
  it("passes a recovery within the bound and reports its time", () => {
    const result = check(killedVictim().run("v", "w2", 2, 2050, 2200));
    expect(result.verdict).toBe("pass");
    expect(result.figures).toMatchObject({ recovered: 1, p50Ms: 1050, maxMs: 1050, boundMs: 1100 });
  });

  it("fails when a killed job never runs again", () => {
    const result = check(killedVictim());
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]).toMatchObject({ kind: "never-recovered", jobId: "v" });
  });

  it("fails a late recovery when a job later in claim order was claimed meanwhile", () => {
    const b = killedVictim()
      .run("busy", "w2", 2, 500, 2400, { priority: 1 })
      .run("low", "w2", 2, 2450, 2900, { priority: 9 })
      .run("v", "w2", 2, 3000, 3100);
    const result = check(b);
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]?.kind).toBe("late-recovery");
    expect(result.violations[0]?.message).toContain("job low");
  });

  it("fails a late recovery when a worker slot stood free while the job waited", () => {
    const result = check(killedVictim().run("v", "w2", 2, 3000, 3100));
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]?.message).toContain("stood idle");
  });

  it("excuses a late recovery when every worker was busy with jobs that come first", () => {
    const b = killedVictim()
      .run("urgent1", "w2", 2, 500, 2000, { priority: 1 })
      .run("urgent2", "w2", 2, 2010, 2990, { priority: 1 })
      .run("v", "w2", 2, 3000, 3100);
    const result = check(b);
    expect(result.verdict).toBe("pass");
    expect(result.figures).toMatchObject({ lateExplained: 1, lateUnexplained: 0 });
  });

  it("flags a concurrency-limited job stranded by its own stale lock while slots were free", () => {
    const b = new HistoryBuilder()
      .ready("w1", 1, 0)
      .ready("w2", 2, 0)
      .run("warm-up", "w2", 2, 50, 60)
      .run("r", "w1", 1, 900, null, { name: "report", concurrency: 1 })
      .kill("w1", 1, 1000)
      .run("r", "w2", 2, 5000, 5100, { name: "report", concurrency: 1 });
    const result = check(b);
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]?.message).toContain("own stale lock");
  });

  it("is unknown when no kill happened", () => {
    expect(check(new HistoryBuilder().run("a", "w1", 1, 0, 10)).verdict).toBe("unknown");
  });
});

describe("free worker slots", () => {
  it("do not count for a process that has not claimed its first job yet (still warming up)", () => {
    const b = new HistoryBuilder()
      .ready("w1", 1, 0)
      .ready("w2", 2, 0)
      .run("v", "w1", 1, 900, null)
      .kill("w1", 1, 1000)
      .run("v", "w2", 2, 3000, 3100);
    const result = recoveryTimeChecker.check({ settings, history: b.history(), finalState: [] });
    expect(result.verdict).toBe("pass");
    expect(result.figures?.lateExplained).toBe(1);
  });
});

describe("a kill between the database update and the acknowledgement", () => {
  it("is not a lost recovery when the handler had ended and the job is completed in the database", () => {
    const b = new HistoryBuilder()
      .ready("w1", 1, 0)
      .run("v", "w1", 1, 900, 950, { ack: null })
      .kill("w1", 1, 1000);
    const done = recoveryTimeChecker.check({
      settings,
      history: b.history(),
      finalState: [job("v", "completed")],
    });
    expect(done.violations).toEqual([]);
    expect(done.figures?.finishedBeforeKill).toBe(1);
    const notDone = recoveryTimeChecker.check({
      settings,
      history: b.history(),
      finalState: [job("v", "running")],
    });
    expect(notDone.violations[0]?.kind).toBe("never-recovered");
  });
});

// The claim order a late recovery is judged by is the scheduler's own, as its adapter declares it.
describe("the claim order of the scheduler under test", () => {
  const under = (claimOrder: ClaimOrder, b: HistoryBuilder) =>
    recoveryTimeChecker.check({
      settings: { ...settings, claimOrder },
      history: b.history(),
      finalState: [],
    });

  // While the killed email job (priority 5) waited, the only worker took a priority-9 report job:
  // later in a global priority order, but of another name, which Agenda claims on its own.
  const anotherName = () =>
    killedVictim()
      .run("busy", "w2", 2, 500, 2400, { priority: 1 })
      .run("report-9", "w2", 2, 2450, 2900, { priority: 9, name: "report" })
      .run("v", "w2", 2, 3000, 3100);
  // It took a more urgent job of the same name instead: first in a global priority order, but
  // behind the killed job in its name's order (a job whose lock lapsed has no nextRunAt in Agenda).
  const sameName = () =>
    killedVictim()
      .run("busy", "w2", 2, 500, 2400, { priority: 1 })
      .run("email-1", "w2", 2, 2450, 2900, { priority: 1 })
      .run("v", "w2", 2, 3000, 3100);

  it("global-priority: a claim later in the global order fails it; one earlier excuses it", () => {
    const fail = under("global-priority", anotherName());
    expect(fail.verdict).toBe("fail");
    expect(fail.violations[0]?.message).toContain("job report-9 (report, priority 9) was claimed");
    expect(fail.violations[0]?.message).toContain("comes first in the claim order");
    const pass = under("global-priority", sameName());
    expect(pass.verdict).toBe("pass");
    expect(pass.figures).toMatchObject({ lateExplained: 1, lateUnexplained: 0 });
  });

  it("per-name: a claim of the same name fails it, whatever its priority; one of another name excuses it", () => {
    const fail = under("per-name", sameName());
    expect(fail.verdict).toBe("fail");
    expect(fail.violations[0]?.message).toContain("job email-1 (email, priority 1) was claimed");
    expect(fail.violations[0]?.message).toContain("comes first in its name's claim order");
    const pass = under("per-name", anotherName());
    expect(pass.verdict).toBe("pass");
    expect(pass.figures).toMatchObject({ lateExplained: 1, lateUnexplained: 0 });
  });

  it("per-name: between two jobs whose locks lapsed, only priority orders the claims", () => {
    // Both killed together; the other one is recovered first.
    const both = (otherPriority: number) =>
      new HistoryBuilder()
        .ready("w1", 1, 0)
        .ready("w2", 2, 0)
        .run("warm-up", "w2", 2, 50, 60)
        .run("v", "w1", 1, 900, null)
        .run("u", "w1", 1, 950, null, { priority: otherPriority })
        .run("busy", "w2", 2, 500, 2400, { priority: 1, name: "report" })
        .kill("w1", 1, 1000)
        .run("u", "w2", 2, 2450, 2900, { priority: otherPriority })
        .run("v", "w2", 2, 3000, 3100);
    const fail = under("per-name", both(9));
    expect(fail.verdict).toBe("fail");
    expect(fail.violations.map((v) => v.jobId)).toEqual(["v"]);
    expect(fail.violations[0]?.message).toContain("job u (email, priority 9) was claimed");
    expect(under("per-name", both(1)).verdict).toBe("pass");
  });

  it("is mongo-job-scheduler's global order when none is declared (results written before adapters)", () => {
    const b = anotherName();
    expect(recoveryTimeChecker.check({ settings, history: b.history(), finalState: [] })).toEqual(
      under("global-priority", anotherName()),
    );
  });
});
