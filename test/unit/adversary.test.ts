import { describe, expect, it } from "vitest";
import { checkerRegistry } from "../../harness/checkers/index.ts";
import type {
  AnyCheckerResult,
  Checker,
  CheckerName,
  CheckSettings,
  JobState,
} from "../../harness/checkers/types.ts";
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
  overrides: Partial<CheckSettings> = {},
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

const crashRecovery = ["lost-jobs", "final-state", "re-executions", "recovery-time"] as const;

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

describe("a repeat rule on a run of a one-shot job", () => {
  it("fails a one-shot job run again after its success, the re-run carrying a repeat rule", () => {
    const b = new HistoryBuilder()
      .accept("a")
      .run("a", "w1", 1, 10, 20)
      .run("a", "w2", 1, 2000, 2100, { repeat: { every: 1000 }, nextRunAt: 1500 });
    const out = check(["lost-jobs", "final-state", "re-executions"], b, [job("a", "completed")]);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({
      checker: "re-executions",
      kind: "run-after-success",
      jobId: "a",
    });
  });

  it("holds a one-shot job's final state against the ledger though its run carries a repeat rule", () => {
    const b = new HistoryBuilder()
      .accept("a")
      .run("a", "w1", 1, 10, 20, { outcome: "error", repeat: { every: 1000 }, ack: null });
    const out = check(["final-state"], b, [job("a", "completed")]);
    expect(violationsOf(out)).toContainEqual({
      checker: "final-state",
      kind: "completed-without-success",
      jobId: "a",
    });
  });

  it("passes the twin: a job accepted as repeating, each slot run once", () => {
    const b = new HistoryBuilder().accept("r", 0, { expect: "repeating" });
    for (const slot of [0, 1000, 2000])
      b.run("r", "w1", 1, slot + 10, slot + 20, { repeat: { every: 1000 }, nextRunAt: slot, ack: null });
    const out = check(["lost-jobs", "final-state", "re-executions"], b, [job("r", "pending")]);
    expect(violationsOf(out)).toEqual([]);
    expect(out.results.find((r) => r.name === "re-executions")?.verdict).toBe("pass");
  });
});

describe("priority order around a killed job", () => {
  // hi (priority 1) is killed on w1 at 100; its lock lapses by 1100 at the latest. w2 runs
  // priority-5 jobs from 200 on, 90 ms each; hi runs again at `rerun`.
  const killedHi = (rerun: number, lows: number) => {
    const b = new HistoryBuilder().ready("w1", 1, 0).ready("w2", 1, 0);
    b.run("hi", "w1", 1, 10, null, { priority: 1, lockUntil: 1005 });
    b.kill("w1", 1, 100, [{ execId: b.lastExecId, jobId: "hi" }]);
    for (let i = 0; i < lows; i++) b.run(`lo${i}`, "w2", 1, 200 + i * 100, 290 + i * 100, { priority: 5 });
    return b.run("hi", "w2", 1, rerun, rerun + 50, { priority: 1 });
  };

  it("passes priority-5 jobs that start while the killed priority-1 job's lock has not lapsed", () => {
    const out = check(["priority-order"], killedHi(1100, 9));
    expect(out.verdict).toBe("pass");
  });

  it("fails a priority-5 job started long after the killed priority-1 job's lock lapsed", () => {
    const out = check(["priority-order"], killedHi(3000, 28));
    expect(out.verdict).toBe("fail");
    expect(out.results[0]?.violations[0]?.evidence).toMatchObject({ waitingJob: "hi" });
  });
});

describe("starvation around a killed limited job", () => {
  // a (name lim, limit 1) is killed on w1 at 100, its lock lapsing by 1100 at the latest; b (lim,
  // due at 0) waits; w2 has a free slot throughout. a runs again at `rerun`, b right after it.
  const killedLimited = (rerun: number) => {
    const b = new HistoryBuilder().ready("w1", 1, 0).ready("w2", 1, 0, 2);
    const lim = { name: "lim", concurrency: 1 };
    b.run("a", "w1", 1, 10, null, { ...lim, lockUntil: 1005 });
    b.kill("w1", 1, 100, [{ execId: b.lastExecId, jobId: "a" }]);
    b.run("x", "w2", 1, 20, 30);
    b.run("a", "w2", 1, rerun, rerun + 50, lim);
    return b.run("b", "w2", 1, rerun + 100, rerun + 150, lim);
  };

  it("passes a name held at its limit by a dead run's lock until the lock lapsed", () => {
    expect(check(["concurrency-limit"], killedLimited(1100)).verdict).toBe("pass");
  });

  it("fails a name left below its limit for 3 s after the dead run's lock lapsed, a job waiting and a slot free", () => {
    const out = check(["concurrency-limit"], killedLimited(4100));
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({
      checker: "concurrency-limit",
      kind: "starvation",
      jobId: undefined,
    });
  });
});

describe("repeating jobs: a first slot alone, a job that never ran, a slot run twice", () => {
  const every = { repeat: { every: 1000 }, ack: null } as const;
  /** r runs its slots 0, 1000, … up to `slots` on w1 (10 ms after each, 10 ms long). */
  const ticking = (slots: number, runEndedAt = slots * 1000) => {
    const b = new HistoryBuilder().accept("r", 0, { expect: "repeating" });
    for (let i = 0; i < slots; i++)
      b.run("r", "w1", 1, i * 1000 + 10, i * 1000 + 20, { ...every, nextRunAt: i * 1000 });
    return { b, runEndedAt };
  };
  const judge = (b: HistoryBuilder, runEndedAt: number) =>
    check(["repeat-ticks", "lost-jobs"], b, [job("r", "pending")], { runEndedAt });

  it("fails an interval job that ran its first slot and never again in 20 s", () => {
    const { b } = ticking(1);
    const out = judge(b, 20_000);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({ checker: "repeat-ticks", kind: "missed-tick", jobId: "r" });
  });

  it("fails a cron job that ran its first slot and never again", () => {
    const b = new HistoryBuilder()
      .accept("c", 0, { expect: "repeating" })
      .run("c", "w1", 1, 10, 20, { repeat: { cron: "*/2 * * * * *", timezone: "Asia/Kolkata" }, ack: null });
    const out = check(["repeat-ticks"], b, [], { runEndedAt: 20_000 });
    expect(violationsOf(out)).toContainEqual({ checker: "repeat-ticks", kind: "missed-tick", jobId: "c" });
  });

  it("passes the twins: the second slot ran, or the run ended before the second slot was due", () => {
    const { b, runEndedAt } = ticking(20);
    expect(judge(b, runEndedAt).verdict).toBe("pass");
    expect(judge(ticking(1).b, 1100).verdict).toBe("pass");
  });

  it("never passes a job accepted as repeating that never ran", () => {
    const { b, runEndedAt } = ticking(20);
    b.accept("q", 0, { expect: "repeating" });
    const out = check(["repeat-ticks", "lost-jobs"], b, [job("r", "pending"), job("q", "pending")], {
      runEndedAt,
    });
    expect(out.verdict).toBe("unknown");
    expect(out.results[0]?.unknowns).toContainEqual(
      expect.objectContaining({ kind: "never-ran", jobId: "q" }),
    );
  });

  it("fails a slot run twice at once though the first run's process was killed afterwards; passes a re-run after the death", () => {
    const twice = (killAt: number) => {
      const { b } = ticking(20);
      b.run("r", "w2", 1, 20_010, null, { ...every, nextRunAt: 20_000 }).kill("w2", 1, killAt);
      b.run("r", "w3", 1, 20_050, 20_060, { ...every, nextRunAt: 20_000 });
      for (let i = 21; i < 30; i++)
        b.run("r", "w3", 1, i * 1000 + 10, i * 1000 + 20, { ...every, nextRunAt: i * 1000 });
      return judge(b, 30_000);
    };
    const out = twice(20_100);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({ checker: "repeat-ticks", kind: "double-tick", jobId: "r" });
    expect(twice(20_040).verdict).toBe("pass");
  });
});

describe("one job name with different concurrency limits", () => {
  // Three jobs of name lim alive at once from 30 to 500; `limits` are theirs, in start order.
  const three = (limits: [number, number, number]) => {
    const b = new HistoryBuilder().ready("w1", 1, 0, 3);
    ["a", "b", "c"].forEach((id, i) => {
      b.run(id, "w1", 1, 10 + i * 10, 500, { name: "lim", concurrency: limits[i] });
    });
    return check(["concurrency-limit"], b);
  };

  it("fails jobs of limit 1 run three at once though the last job of the name says 5", () => {
    const out = three([1, 1, 5]);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({
      checker: "concurrency-limit",
      kind: "over-limit",
      jobId: "b",
    });
  });

  it("passes a limit-1 job claimed alone and then two limit-5 jobs beside it (each claim within its own limit)", () => {
    expect(three([1, 5, 5]).verdict).toBe("pass");
  });
});

describe("worker ids that collide across processes", () => {
  // Every process's Scheduler built with one id (a user's wiring may), so w1's and w2's workers
  // are both "app-w0". w1 is killed at 100 with a; w2 runs x and stands idle until 10 000.
  const collide = (workerId: (proc: string) => string, busy = false) => {
    const b = new HistoryBuilder().accept("a").accept("x").ready("w1", 1, 0).ready("w2", 1, 0);
    b.run("a", "w1", 1, 10, null, { lockUntil: 1000 });
    b.kill("w1", 1, 100, [{ execId: b.lastExecId, jobId: "a" }]);
    b.run("x", "w2", 1, 20, busy ? 9990 : 30, { priority: busy ? 1 : 5 }).run("a", "w2", 1, 10_000, 10_100);
    for (const r of b.records) if (r.type === "start") r.workerId = workerId(r.proc);
    return check(crashRecovery, b, [
      job("a", "completed"),
      job("x", "completed", { priority: busy ? 1 : 5 }),
    ]);
  };

  it("fails a late recovery behind an idle worker whose id a killed process's worker also had", () => {
    const out = collide(() => "app-w0");
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({ checker: "recovery-time", kind: "late-recovery", jobId: "a" });
    expect(collide((proc) => `${proc}-w0`).verdict).toBe("fail");
  });

  it("passes its twin, whose worker of the shared id was busy with a job that comes first", () => {
    expect(collide(() => "app-w0", true).verdict).toBe("pass");
  });
});

describe("a claim that wrote a lock shorter than lockTimeoutMs", () => {
  // w1 finishes x at 100 (acknowledged at 101) and claims a next, with lockUntil `lockUntil`; w1
  // is killed at 200 with a, and w2 runs a again at `rerun`. A mongo-job-scheduler worker claims
  // one job at a time, so the poll that claimed a began at 101 at the earliest.
  const shortLock = (lockUntil: number, rerun: number) => {
    const b = new HistoryBuilder().accept("x").accept("a").ready("w1", 1, 0).ready("w2", 1, 0);
    b.run("x", "w1", 1, 10, 100).run("a", "w1", 1, 110, null, { lockUntil });
    b.kill("w1", 1, 200, [{ execId: b.lastExecId, jobId: "a" }]);
    b.run("a", "w2", 1, rerun, rerun + 50);
    return check(crashRecovery, b, [job("x", "completed"), job("a", "completed")], {
      claimOrder: "global-priority",
    });
  };

  it("fails a job claimed with a 300 ms lock and taken again 400 ms after its worker died", () => {
    const out = shortLock(400, 600);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toEqual(
      expect.arrayContaining([
        { checker: "re-executions", kind: "short-lock", jobId: "a" },
        { checker: "re-executions", kind: "lock-not-honoured", jobId: "a" },
        { checker: "recovery-time", kind: "lock-violation", jobId: "a" },
      ]),
    );
  });

  it("passes the twin whose claim locked the job for lockTimeoutMs, recovered after it", () => {
    expect(shortLock(1101, 1200).verdict).toBe("pass");
  });
});

describe("an end or acknowledgement that names another job than its start", () => {
  it("does not pass a's execution whose success is recorded as b's", () => {
    const b = new HistoryBuilder().accept("a").accept("b").run("a", "w1", 1, 10, null);
    const execId = b.lastExecId;
    const w1 = instanceOf("w1", 1);
    b.raw({ type: "end", t: 20, execId, jobId: "b", outcome: "ok", instance: w1, pid: 1 })
      .raw({ type: "ack", t: 21, execId, jobId: "b", outcome: "success", instance: w1, pid: 1 })
      .run("b", "w1", 1, 30, 40);
    expect(b.history().problems).toContainEqual(
      expect.objectContaining({ kind: "mismatched-execution", execId }),
    );
    const states = [job("a", "completed"), job("b", "completed")];
    expect(check(["lost-jobs", "final-state", "re-executions"], b, states).verdict).toBe("unknown");
  });

  it("passes the twin whose records agree", () => {
    const b = new HistoryBuilder()
      .accept("a")
      .accept("b")
      .run("a", "w1", 1, 10, 20)
      .run("b", "w1", 1, 30, 40);
    expect(b.history().problems).toEqual([]);
    const states = [job("a", "completed"), job("b", "completed")];
    expect(check(["lost-jobs", "final-state", "re-executions"], b, states).verdict).toBe("pass");
  });
});

describe("a job claimed, then held up before its handler began", () => {
  // w1 claims hi (or a) at 100 (lockUntil 1100) or at 3000 (lockUntil 4000), and is frozen from
  // 150 to 3000: its start record comes at 3000 either way. w2 runs other work meanwhile.
  const frozenClaim = (lockUntil: number) => {
    const b = new HistoryBuilder()
      .ready("w1", 1, 0)
      .ready("w2", 1, 0)
      .unavailable("p", [["w1", 1]], 150, 3000);
    b.run("hi", "w1", 1, 3000, 3050, { priority: 1, lockUntil });
    for (let i = 0; i < 20; i++)
      b.run(`lo${i}`, "w2", 1, 200 + i * 130, 300 + i * 130, { priority: 5, lockUntil: 1190 + i * 130 });
    return check(["priority-order"], b);
  };
  const frozenLimited = (lockUntil: number) => {
    const lim = { name: "lim", concurrency: 1 };
    const b = new HistoryBuilder()
      .ready("w1", 1, 0)
      .ready("w2", 1, 0)
      .unavailable("p", [["w1", 1]], 150, 3000);
    b.run("x", "w2", 1, 20, 30).run("a", "w1", 1, 3000, 3050, { ...lim, lockUntil });
    b.run("b", "w2", 1, 3100, 3150, { ...lim, lockUntil: 4100 });
    return check(["concurrency-limit"], b);
  };

  it("passes lower-priority starts after a priority-1 job was claimed, though its handler began later", () => {
    expect(frozenClaim(1100).verdict).toBe("pass");
  });

  it("fails lower-priority claims while the priority-1 job waited unclaimed", () => {
    const out = frozenClaim(4000);
    expect(out.verdict).toBe("fail");
    expect(out.results[0]?.violations[0]?.evidence).toMatchObject({ waitingJob: "hi" });
  });

  it("passes a limited name whose slot a claimed, frozen job held; fails it when that job was not claimed", () => {
    expect(frozenLimited(1100).verdict).toBe("pass");
    const out = frozenLimited(4000);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({
      checker: "concurrency-limit",
      kind: "starvation",
      jobId: undefined,
    });
  });
});

describe("a re-run claimed before the lock expired, though its handler began after", () => {
  // a is killed on w1 at 100 with a lock until 1000; w2 claims it at `claimAt` (its lockUntil is
  // that + 1000) and its start record comes at 1200.
  const early = (claimAt: number) => {
    const b = new HistoryBuilder().accept("a").ready("w1", 1, 0).ready("w2", 1, 0);
    b.run("a", "w1", 1, 10, null, { lockUntil: 1000 });
    b.kill("w1", 1, 100, [{ execId: b.lastExecId, jobId: "a" }]);
    b.run("a", "w2", 1, 1200, 1250, { lockUntil: claimAt + 1000 });
    return check(crashRecovery, b, [job("a", "completed")]);
  };

  it("fails a claim 200 ms before the dead run's lock expired", () => {
    const out = early(800);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toEqual(
      expect.arrayContaining([
        { checker: "re-executions", kind: "lock-not-honoured", jobId: "a" },
        { checker: "recovery-time", kind: "lock-violation", jobId: "a" },
      ]),
    );
  });

  it("passes the twin claimed as the lock expired", () => {
    expect(early(1000).verdict).toBe("pass");
  });
});

describe("a job claimed before it was due", () => {
  // a fails its first attempt at 100 (retry acknowledged at 101); the retry is due at 600 (a
  // 500 ms delay) and is claimed at `claimAt`.
  const retried = (claimAt: number) => {
    const b = new HistoryBuilder().accept("a").ready("w1", 1, 0).ready("w2", 1, 0);
    b.run("a", "w1", 1, 10, 100, { outcome: "error", lockUntil: 1010 });
    b.run("a", "w2", 1, claimAt + 5, claimAt + 50, { attempt: 2, nextRunAt: 600, lockUntil: claimAt + 1000 });
    return check(["lost-jobs", "final-state", "re-executions"], b, [job("a", "completed", { attempts: 1 })], {
      claimOrder: "global-priority",
    });
  };

  it("fails a retry claimed 490 ms before its delay was over (a scheduler that ignores nextRunAt)", () => {
    const out = retried(110);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({
      checker: "re-executions",
      kind: "ran-before-due",
      jobId: "a",
    });
  });

  it("passes the twin claimed when it was due", () => {
    expect(retried(600).verdict).toBe("pass");
  });
});

describe("a repeat tick run before its slot", () => {
  // r ticks every 1000 ms; its 5000 tick is claimed at `claimAt`.
  const ticks = (claimAt: number) => {
    const b = new HistoryBuilder().accept("r", 0, { expect: "repeating" });
    for (let i = 0; i < 10; i++) {
      const at = i === 5 ? claimAt : i * 1000;
      b.run("r", "w1", 1, at + 10, at + 20, {
        repeat: { every: 1000 },
        ack: null,
        nextRunAt: i * 1000,
        lockUntil: at + 1000,
      });
    }
    return check(["repeat-ticks", "lost-jobs"], b, [job("r", "pending")], {
      runEndedAt: 10_000,
      claimOrder: "global-priority",
    });
  };

  it("fails a tick claimed 400 ms before its slot", () => {
    const out = ticks(4600);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({ checker: "repeat-ticks", kind: "early-tick", jobId: "r" });
  });

  it("passes the twin claimed at its slot", () => {
    expect(ticks(5000).verdict).toBe("pass");
  });
});

describe("two executions of one job that began in the same millisecond", () => {
  it("fails the completion of the one that lost the lock, accepted though the other ran on", () => {
    const b = new HistoryBuilder()
      .accept("a")
      .run("a", "w1", 1, 10, 500)
      .run("a", "w2", 1, 10, 600, { outcome: "error", ack: "fail" });
    const out = check(["ownership"], b, [job("a", "completed")]);
    expect(out.verdict).toBe("fail");
    expect(violationsOf(out)).toContainEqual({
      checker: "ownership",
      kind: "stale-completion-accepted",
      jobId: "a",
    });
  });

  it("passes the twin whose second execution began after the first had been acknowledged", () => {
    const b = new HistoryBuilder()
      .accept("a")
      .run("a", "w1", 1, 10, 500, { outcome: "error", ack: "retry" })
      .run("a", "w2", 1, 600, 700, { attempt: 2 });
    expect(check(["ownership"], b, [job("a", "completed", { attempts: 1 })]).results[0]?.violations).toEqual(
      [],
    );
  });
});
