import { describe, expect, it } from "vitest";
import { dbReconnectChecker } from "../../harness/checkers/dbReconnect.ts";
import { lostJobsChecker } from "../../harness/checkers/lostJobs.ts";
import { HistoryBuilder, job, settings } from "../support/histories.ts";

// The database is down from 10 000 (stop asked) to 13 000 (answers again). Lock timeout 1000 ms.
const check = (b: HistoryBuilder) =>
  dbReconnectChecker.check({ settings, history: b.history(), finalState: [] });
const restart = {
  part: "server",
  mode: "kill",
  stopAt: 10_000,
  downAt: 10_050,
  startAt: 12_500,
  readyAt: 13_000,
};

/** w1 (with `loops` scheduler loops, in turn) and w2 each claim a job every 500 ms from 100 until `until`. */
function claimsBefore(b: HistoryBuilder, until: number, loops: number): void {
  for (let t = 100, n = 0; t < until; t += 500, n++)
    b.accept(`a${n}`, t - 50)
      .run(`a${n}`, "w1", 1, t, t + 200, { loop: n % loops })
      .accept(`b${n}`, t - 50)
      .run(`b${n}`, "w2", 2, t, t + 200);
}

/** The restart of w1 and w2's server, from 10 000 to 13 000. */
function restartOf(b: HistoryBuilder): HistoryBuilder {
  return b.window(
    "db-restart",
    "db-restart-1",
    [
      ["w1", 1],
      ["w2", 2],
    ],
    10_000,
    13_000,
    "unavailable",
    restart,
  );
}

/** Two workers with a job each every 500 ms before the restart, and `after` for each after it. */
function restarted(after: { w1: boolean; w2: boolean }): HistoryBuilder {
  const b = new HistoryBuilder().ready("w1", 1, 0).ready("w2", 2, 0);
  let n = 0;
  for (let t = 100; t < 10_000; t += 500) {
    for (const [proc, i] of [
      ["w1", 1],
      ["w2", 2],
    ] as const) {
      b.accept(`j${n}`, t - 50).run(`j${n}`, proc, i, t, t + 200);
      n++;
    }
  }
  for (let t = 13_100; t < 20_000; t += 500) {
    for (const [proc, i] of [
      ["w1", 1],
      ["w2", 2],
    ] as const) {
      b.accept(`j${n}`, t - 50);
      const runner = after[proc] ? ([proc, i] as const) : (["w1", 1] as const);
      b.run(`j${n}`, runner[0], runner[1], t + (runner[0] === proc ? 0 : 20), t + 220);
      n++;
    }
  }
  return restartOf(b);
}

describe("db-reconnect checker", () => {
  it("passes when every worker claims again after the return, and measures how soon", () => {
    const result = check(restarted({ w1: true, w2: true }));
    expect(result.verdict).toBe("pass");
    expect(result.figures?.restarts[0]).toMatchObject({
      window: "db-restart-1",
      mode: "kill",
      workers: 2,
      reconnected: 2,
      firstClaimMs: 100,
      firstAcceptMs: 50,
    });
    expect(result.figures?.restarts[0]?.normalThroughputMs).not.toBeNull();
  });

  it("fails a worker that claims nothing after the return while the others do", () => {
    const result = check(restarted({ w1: true, w2: false }));
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]).toMatchObject({ kind: "worker-not-reconnected" });
    expect(result.violations[0]?.message).toContain("worker w2");
  });

  /** w1 with two loops before the restart; after it, `claims` jobs go to w1's loop 0 and w2 alone. */
  function loopDied(claims: number): HistoryBuilder {
    const b = new HistoryBuilder().ready("w1", 1, 0).ready("w2", 2, 0);
    claimsBefore(b, 10_000, 2);
    // Loop 1 of w1 was polling when the server went away: its claim failed, and it never polled again.
    b.workerError("w1", 1, 10_100, "connect ECONNREFUSED 127.0.0.1:27017");
    for (let i = 0; i < claims; i++) {
      const t = 13_100 + i * 250;
      b.accept(`c${i}`, t - 50).run(`c${i}`, i % 2 ? "w2" : "w1", i % 2 ? 2 : 1, t, t + 100);
    }
    return restartOf(b);
  }

  it("fails a scheduler loop that claims nothing after the return while its process's other loop does, quoting its error", () => {
    // Three loops; a live one misses 24 claims with chance (2/3)^24 ≈ 0.00006.
    const result = check(loopDied(24));
    expect(result.verdict).toBe("fail");
    expect(result.violations.map((v) => v.kind)).toEqual(["loop-not-reconnected"]);
    expect(result.violations[0]?.message).toContain("scheduler loop w1-1-w1 of w1");
    expect(result.violations[0]?.message).toContain("connect ECONNREFUSED");
    expect(result.figures?.restarts[0]).toMatchObject({
      workers: 2,
      reconnected: 2,
      loops: 3,
      loopsReconnected: 2,
    });
  });

  it("cannot tell when too few claims followed: a live loop misses 10 of them one time in 58", () => {
    const result = check(loopDied(10));
    expect(result.verdict).toBe("unknown");
    expect(result.unknowns.map((v) => v.kind)).toEqual(["loop-reconnect-not-measured"]);
    expect(result.unknowns[0]?.message).toContain("chance 0.017");
  });

  it("does not call a loop dead while it runs a job it took before the restart (unknown after), nor judges it if that job never ends", () => {
    // Loop 1 of w1 runs one long job from 9 000 to 19 900 (or for ever): it cannot claim meanwhile.
    for (const end of [19_900, null]) {
      const b = new HistoryBuilder().ready("w1", 1, 0).ready("w2", 2, 0);
      claimsBefore(b, 9_000, 2);
      b.accept("long", 8_950).run("long", "w1", 1, 9_000, end, { loop: 1 });
      for (let i = 0; i < 30; i++) {
        const t = 13_100 + i * 200;
        b.accept(`c${i}`, t - 50).run(`c${i}`, i % 2 ? "w2" : "w1", i % 2 ? 2 : 1, t, t + 100);
      }
      const result = check(restartOf(b));
      expect(
        result.violations.filter((v) => v.kind.endsWith("not-reconnected")),
        String(end),
      ).toEqual([]);
      // Ended at 19 900, after every claim: whether it would have claimed cannot be told.
      expect(
        result.unknowns.map((v) => v.kind),
        String(end),
      ).toEqual(end === null ? [] : ["loop-reconnect-not-measured"]);
    }
  });

  it("counts the loops of processes started during the outage among those that took the claims", () => {
    // w2 claims nothing after the return; w1 claims 2 and ten processes ready at 12 000 claim 18:
    // with 12 loops in all, a live w2 misses 20 claims one time in 6, too often to call it dead.
    const b = new HistoryBuilder().ready("w1", 1, 0).ready("w2", 2, 0);
    claimsBefore(b, 9_000, 1);
    for (let k = 3; k <= 12; k++) b.ready(`w${k}`, k, 12_000);
    for (let i = 0; i < 20; i++) {
      const t = 13_100 + i * 200;
      const [proc, n] = i < 2 ? ["w1", 1] : [`w${3 + (i % 10)}`, 3 + (i % 10)];
      b.accept(`c${i}`, t - 50).run(`c${i}`, proc as string, n as number, t, t + 100);
    }
    const result = check(restartOf(b));
    expect(result.violations).toEqual([]);
    expect(result.unknowns.map((v) => v.kind)).toEqual(["reconnect-not-measured"]);
  });

  it("fails a trigger server that refuses every request well after the return, counting refusals apart", () => {
    const b = restarted({ w1: true, w2: true })
      .refuse("x1", 11_000, 503)
      .refuse("x2", 19_000, 503)
      .refuse("x3", 19_500, 503);
    // Only refusals after 18 000: drop the accepts the helper made there.
    const history = b.history();
    history.records = history.records.filter((r) => !(r.type === "accept" && r.t >= 18_000));
    const result = dbReconnectChecker.check({ settings, history, finalState: [] });
    expect(result.violations.map((v) => v.kind)).toContain("trigger-not-reconnected");
    expect(result.figures?.restarts[0]?.refused).toBe(1);
  });

  it("fails a job run twice because its completion crossed the restart", () => {
    // k ran at 9 800–10 300 and was acknowledged at 12 900 (its write retried across the restart), then ran again.
    const b = restarted({ w1: true, w2: true })
      .accept("k", 9_700)
      .run("k", "w1", 1, 9_800, 10_300, { ackAfter: 2_600, lockVersion: 1 })
      .run("k", "w2", 2, 14_000, 14_100, { lockVersion: 3 });
    const result = check(b);
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]).toMatchObject({ kind: "restart-anomaly", jobId: "k" });
    expect(result.figures?.anomalies).toEqual({ restart: 1, serverClaim: 0, undetermined: 0 });
  });

  it("counts a re-run whose claims returned one lock version as the server's claim, not the restart's", () => {
    const b = restarted({ w1: true, w2: true })
      .accept("k", 9_700)
      .run("k", "w1", 1, 9_800, 10_300, { ackAfter: 2_600, lockVersion: 1 })
      .run("k", "w2", 2, 14_000, 14_100, { lockVersion: 1 });
    const result = check(b);
    expect(result.verdict).toBe("pass");
    expect(result.figures?.anomalies).toEqual({ restart: 0, serverClaim: 1, undetermined: 0 });
  });
});

describe("lost-jobs and refused requests", () => {
  const stored = (status: number | null) =>
    lostJobsChecker.check({
      settings,
      history: new HistoryBuilder().ready("w1", 1, 0).refuse("7", 100, status).history(),
      finalState: [job("z", "pending", { request: "7" })],
    });

  it("fails a job stored for a request the trigger server refused", () => {
    const result = stored(503);
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]).toMatchObject({ kind: "refused-but-stored", jobId: "z" });
    expect(result.violations[0]?.message).toContain("refused (HTTP 503)");
  });

  it("leaves unjudged a job whose request got no answer at all", () => {
    const result = stored(null);
    expect(result.verdict).toBe("unknown");
    expect(result.unknowns[0]?.kind).toBe("indeterminate-request");
  });
});
