import { describe, expect, it } from "vitest";
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
