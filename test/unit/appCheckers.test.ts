import { describe, expect, it } from "vitest";
import { effectsChecker } from "../../harness/checkers/effects.ts";
import { instanceStopChecker } from "../../harness/checkers/instanceStop.ts";
import { lockLeaseChecker } from "../../harness/checkers/lockLease.ts";
import { lostJobsChecker } from "../../harness/checkers/lostJobs.ts";
import { observedConcurrencyChecker } from "../../harness/checkers/observedConcurrency.ts";
import { ownJobsChecker } from "../../harness/checkers/ownJobs.ts";
import { takeoverTimeChecker } from "../../harness/checkers/takeoverTime.ts";
import { AppHistory, appSettings } from "../support/appHistories.ts";
import { job, settings } from "../support/histories.ts";

const completed = (id: string, name = "send-email") => job(id, "completed", { name });

describe("effects (app mode)", () => {
  const twoJobs = () => new AppHistory().accept(10, "a").accept(20, "b");
  const finalState = [completed("a"), completed("b")];

  it("passes when every completed job left exactly one effect", () => {
    const h = twoJobs().effect(1000, "a").effect(1100, "b").history();
    const r = effectsChecker.check({ history: h, finalState, settings: appSettings });
    expect(r.verdict).toBe("pass");
    expect(r.figures).toMatchObject({ judged: 2, effects: 2, duplicated: 0 });
  });
  it("fails a job whose work was done twice, naming it and counting the extra effect", () => {
    const h = twoJobs().effect(1000, "a").effect(1100, "b").effect(4000, "b").history();
    const r = effectsChecker.check({ history: h, finalState, settings: appSettings });
    expect(r.verdict).toBe("fail");
    expect(r.violations.map((v) => [v.kind, v.jobId])).toEqual([["duplicated-effect", "b"]]);
    expect(r.figures).toMatchObject({ duplicated: 1, extraEffects: 1 });
  });
  it("passes one effect per run when the first run's instance was killed holding the job, and fails a third", () => {
    // b is claimed on w1, whose instance is killed at 2000 while it holds b (its work may be done),
    // and run again on w2 after the lock expired: two runs, two effects, at least once.
    const crashed = () => {
      const h = twoJobs()
        .claim("a", 500, "jobs-w2", { end: 900 })
        .claim("b", 1000, "jobs-w1", { lockUntil: 3000 })
        .claim("b", 3500, "jobs-w2", { end: 4500 })
        .effect(900, "a")
        .effect(1500, "b")
        .effect(4400, "b");
      h.raw({
        type: "instance",
        t: 2000,
        proc: "w1",
        instance: "app/w1-1",
        pid: 1,
        event: "exit",
        code: null,
        signal: "SIGKILL",
      });
      return h;
    };
    const r = effectsChecker.check({ history: crashed().history(), finalState, settings: appSettings });
    expect(r.verdict).toBe("pass");
    expect(r.figures).toMatchObject({ duplicated: 0, afterCrash: 1 });
    expect(r.summary).toContain("1 run again after their holder died");
    // A third effect is one more than its two runs: the work done twice within a run.
    const three = effectsChecker.check({
      history: crashed().effect(4450, "b").history(),
      finalState,
      settings: appSettings,
    });
    expect(three.verdict).toBe("fail");
    expect(three.violations.map((v) => [v.kind, v.jobId])).toEqual([["duplicated-effect", "b"]]);
  });
  it("fails a completed job with no effect, and a failed job whose effect exists", () => {
    const h = twoJobs().effect(1000, "b").history();
    const r = effectsChecker.check({
      history: h,
      finalState: [completed("a"), job("b", "failed", { name: "send-email" })],
      settings: appSettings,
    });
    expect(r.violations.map((v) => [v.kind, v.jobId])).toEqual([
      ["completed-without-effect", "a"],
      ["failed-with-effect", "b"],
    ]);
  });
  it("is unknown when the effects collection received nothing while such jobs completed", () => {
    const r = effectsChecker.check({ history: twoJobs().history(), finalState, settings: appSettings });
    expect(r.verdict).toBe("unknown");
    expect(r.summary).toContain("emaillogs received nothing");
  });
  it("is unknown outside app mode", () => {
    const r = effectsChecker.check({ history: twoJobs().history(), finalState, settings });
    expect(r.verdict).toBe("unknown");
  });
});

describe("lock-lease (app mode)", () => {
  it("passes claims whose lock expires after them, and reports the lease", () => {
    const h = new AppHistory().claim("a", 1000, "w-1", { lockUntil: 61_000, end: 2000 }).history();
    const r = lockLeaseChecker.check({ history: h, finalState: [], settings: appSettings });
    expect(r.verdict).toBe("pass");
    expect(r.figures).toMatchObject({ claims: 1, minMs: 60_000, stale: 0 });
  });
  it("fails a claim whose lock expired before it was taken (a lock timeout read as a string: 1970)", () => {
    const h = new AppHistory()
      .claim("a", 1000, "w-1", { lockUntil: 61_000, end: 2000 })
      .claim("b", 1_700_000_000_000, "w-1", { lockUntil: 0 })
      .history();
    const r = lockLeaseChecker.check({ history: h, finalState: [], settings: appSettings });
    expect(r.verdict).toBe("fail");
    expect(r.violations[0]?.jobId).toBe("b");
    expect(r.violations[0]?.message).toContain("1970-01-01T00:00:00.000Z");
    // The lease figures are the live locks'; the stale ones are told by their expiry.
    expect(r.figures).toMatchObject({ claims: 2, minMs: 60_000, maxMs: 60_000, stale: 1, staleLockUntil: 0 });
    expect(r.summary).toContain("the earliest expiring at 1970-01-01T00:00:00.000Z");
  });
});

describe("own-jobs (app mode)", () => {
  const cron = { repeat: { cron: "0 0 * * *", timezone: "UTC" }, name: "cron-cleanup" };
  it("passes the service's one daily cron, claimed once", () => {
    const h = new AppHistory()
      .observe(100, "c1", cron)
      .observe(200, "c1", { ...cron, status: "running", lastRunAt: 150, lockedBy: "w", lockUntil: 60_150 })
      .observe(300, "c1", { ...cron, status: "pending", lastRunAt: 150 })
      .history();
    const r = ownJobsChecker.check({ history: h, finalState: [], settings: appSettings });
    expect(r.verdict).toBe("pass");
    expect(r.figures?.names["cron-cleanup"]).toMatchObject({ documents: 1, claims: 1, failures: 0 });
  });
  it("fails a second schedule left by a restart, an own job that failed, and a daily cron claimed in a loop", () => {
    const h = new AppHistory().observe(100, "c1", cron).observe(5000, "c2", cron);
    for (let i = 0; i < 5; i++)
      h.observe(200 + i * 100, "c1", {
        ...cron,
        status: "running",
        lastRunAt: 150 + i * 100,
        lockedBy: "w",
        lockUntil: 0,
      });
    h.observe(900, "c2", {
      ...cron,
      status: "pending",
      lastError: "BSONVersionError: Unsupported BSON version",
    });
    const r = ownJobsChecker.check({ history: h.history(), finalState: [], settings: appSettings });
    expect(r.verdict).toBe("fail");
    expect(r.violations.map((v) => v.kind).sort()).toEqual([
      "own-job-duplicated",
      "own-job-failed",
      "own-job-over-claimed",
    ]);
  });
  it("does not count the service's own jobs as unexpected in lost-jobs", () => {
    const h = new AppHistory().accept(10, "a").observe(100, "c1", cron).history();
    const finalState = [completed("a"), job("c1", "pending", { name: "cron-cleanup" })];
    expect(lostJobsChecker.check({ history: h, finalState, settings: appSettings }).verdict).toBe("pass");
    expect(lostJobsChecker.check({ history: h, finalState, settings }).verdict).toBe("fail");
  });
});

describe("takeover-time (app mode)", () => {
  // Instance a1 runs worker w-dead; it exits at 5000 while holding job x (lock until 8000);
  // a2's worker w-live keeps claiming.
  const base = () =>
    new AppHistory()
      .claim("x", 4000, "w-dead", { lockUntil: 8000 })
      .claim("y", 6000, "w-live", { end: 6500 })
      .claim("z", 7000, "w-live", { end: 7500 });
  it("passes a held job taken over soon after its lock expired", () => {
    const h = base().instance(5000, "a1", "exit").claim("x", 8400, "w-live", { end: 8600 }).history();
    const r = takeoverTimeChecker.check({ history: h, finalState: [], settings: appSettings });
    expect(r.verdict).toBe("pass");
    expect(r.figures).toMatchObject({ exits: 1, held: 1, takenOver: 1, p50Ms: 3400, late: 0 });
  });
  it("fails a held job taken over long after its lock expired", () => {
    const h = base().instance(5000, "a1", "exit").claim("x", 20_000, "w-live", { end: 20_100 }).history();
    const r = takeoverTimeChecker.check({ history: h, finalState: [], settings: appSettings });
    expect(r.violations.map((v) => [v.kind, v.jobId])).toEqual([["taken-over-late", "x"]]);
  });
  it("fails a held job never taken over, and an instance that exited after SIGTERM holding a job", () => {
    const h = base().instance(4500, "a1", "sigterm").instance(5000, "a1", "exit").history();
    const r = takeoverTimeChecker.check({ history: h, finalState: [], settings: appSettings });
    expect(r.violations.map((v) => v.kind).sort()).toEqual(["held-after-stop", "never-taken-over"]);
  });
  it("does not blame an exit for a job whose holder completed it afterwards (another instance's worker)", () => {
    const h = new AppHistory()
      .claim("x", 4000, "w-other", { end: 9000 })
      .claim("y", 6000, "w-live", { end: 6500 })
      .instance(5000, "a1", "exit")
      .history();
    const r = takeoverTimeChecker.check({ history: h, finalState: [], settings: appSettings });
    expect(r.verdict).toBe("pass");
    expect(r.figures?.held).toBe(0);
  });
  it("is unknown when no claim at all came after the exit", () => {
    const h = new AppHistory()
      .claim("x", 4000, "w-dead", { lockUntil: 8000 })
      .instance(5000, "a1", "exit")
      .history();
    const r = takeoverTimeChecker.check({ history: h, finalState: [], settings: appSettings });
    expect(r.verdict).toBe("unknown");
  });
});

describe("observed-concurrency (app mode)", () => {
  const report = { name: "generate-report", concurrency: 2 };
  it("passes two reports at once under a limit of 2", () => {
    const h = new AppHistory()
      .claim("a", 1000, "w1", { ...report, end: 6000 })
      .claim("b", 1000, "w2", { ...report, end: 6000 })
      .claim("c", 6000, "w3", { ...report, end: 11_000 })
      .observer(12_000)
      .history();
    const r = observedConcurrencyChecker.check({ history: h, finalState: [], settings: appSettings });
    expect(r.verdict).toBe("pass");
    expect(r.figures?.names["generate-report"]).toEqual({ limit: 2, peak: 2, msOverLimit: 0 });
  });
  it("fails three at once, naming the jobs and the stretch", () => {
    const h = new AppHistory()
      .claim("a", 1000, "w1", { ...report, end: 6000 })
      .claim("b", 1000, "w2", { ...report, end: 6000 })
      .claim("c", 3000, "w3", { ...report, end: 8000 })
      .observer(9000)
      .history();
    const r = observedConcurrencyChecker.check({ history: h, finalState: [], settings: appSettings });
    expect(r.verdict).toBe("fail");
    expect(r.violations[0]?.evidence).toMatchObject({ jobs: ["a", "b", "c"], from: 3001, to: 5901, peak: 3 });
  });
  it("counts an overlap only the stamps suggest without judging it, and judges one the reads make sure", () => {
    // a and b are read ended at 6051, so surely running until 5951 (the longest gap between reads is
    // 100 ms). c's claim is stamped 5990 but first read at 6100: it may have landed after their ends,
    // so the overlap is possible, not sure.
    const possible = new AppHistory()
      .claim("a", 1000, "w1", { ...report, end: 6050 })
      .claim("b", 1000, "w2", { ...report, end: 6050 })
      .claim("c", 5990, "w3", { ...report, end: 9000, seen: 6100 })
      .observer(10_000)
      .history();
    const r = observedConcurrencyChecker.check({ history: possible, finalState: [], settings: appSettings });
    expect(r.verdict).toBe("pass");
    expect(r.figures?.possibleOverlaps).toBe(1);
    expect(r.summary).toMatch(/1 possible overlap\(s\) not judged/);
    // c read running at 5900, while a and b surely ran until 5951: all three surely ran at once.
    const sure = new AppHistory()
      .claim("a", 1000, "w1", { ...report, end: 6050 })
      .claim("b", 1000, "w2", { ...report, end: 6050 })
      .claim("c", 5850, "w3", { ...report, end: 9000, seen: 5900 })
      .observer(10_000)
      .history();
    const q = observedConcurrencyChecker.check({ history: sure, finalState: [], settings: appSettings });
    expect(q.verdict).toBe("fail");
    expect(q.violations[0]?.evidence).toMatchObject({ jobs: ["a", "b", "c"], from: 5900, to: 5951, peak: 3 });
  });
  it("does not take a later write's stamp for the end of a claim (a completion then a second write between two reads)", () => {
    // a completed at 5000, then a second write marked it failed at 5800; both landed between the reads
    // at 4950 and 5801. By that last stamp a ran until 5800; surely only until the read before (5701).
    const h = new AppHistory()
      .claim("a", 1000, "w1", { ...report, end: 5800 })
      .claim("b", 1000, "w2", { ...report, end: 9000 })
      .claim("c", 5100, "w3", { ...report, end: 9000, seen: 5750 })
      .observer(10_000)
      .history();
    const r = observedConcurrencyChecker.check({ history: h, finalState: [], settings: appSettings });
    expect(r.verdict).toBe("pass");
    expect(r.figures?.possibleOverlaps).toBe(1);
  });
});

describe("instance-stop (app mode)", () => {
  const exit = (h: AppHistory, t: number, proc: string, signal: string | null, code: number | null = 0) =>
    h.raw({ type: "instance", t, proc, instance: `app/${proc}-1`, pid: 1, event: "exit", code, signal });
  it("passes instances that exit by themselves after SIGTERM, and a killed one", () => {
    const h = new AppHistory().instance(1000, "w1", "sigterm");
    exit(h, 1400, "w1", null);
    h.raw({
      type: "fault",
      t: 2000,
      fault: "kill",
      action: "kill",
      proc: "w2",
      instance: "app/w2-1",
      pid: 1,
      inFlight: [],
    });
    exit(h, 2001, "w2", "SIGKILL", null);
    const r = instanceStopChecker.check({ history: h.history(), finalState: [], settings: appSettings });
    expect(r.verdict).toBe("pass");
    expect(r.figures).toMatchObject({ stops: 1, p50Ms: 400, killedAfterGrace: 0, crashed: 0 });
  });
  it("fails one SIGKILLed after the grace period, one that died of SIGTERM, and one that exited unasked", () => {
    const h = new AppHistory().instance(1000, "w1", "sigterm").instance(1000, "w2", "sigterm");
    exit(h, 31_000, "w1", "SIGKILL", null);
    exit(h, 1001, "w2", "SIGTERM", null);
    exit(h, 5000, "w3", null, 1);
    const r = instanceStopChecker.check({ history: h.history(), finalState: [], settings: appSettings });
    expect(r.violations.map((v) => v.kind)).toEqual(["died-of-sigterm", "crashed", "killed-after-grace"]);
  });
});

describe("lost-jobs in app mode: a request with no answer", () => {
  it("leaves a job no accepted request explains unknown while a request of its name got no answer", () => {
    const h = new AppHistory()
      .accept(10, "a")
      .raw({ type: "unanswered", t: 20, request: "app-1", name: "send-email", error: "socket hang up" })
      .history();
    const finalState = [completed("a"), completed("b")];
    const r = lostJobsChecker.check({ history: h, finalState, settings: appSettings });
    expect(r.verdict).toBe("unknown");
    const without = lostJobsChecker.check({
      history: new AppHistory().accept(10, "a").history(),
      finalState,
      settings: appSettings,
    });
    expect(without.violations.map((v) => v.kind)).toEqual(["unexpected-job"]);
  });
});
