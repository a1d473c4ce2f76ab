import { describe, expect, it } from "vitest";
import { observedPriorityChecker } from "../../harness/checkers/observedPriority.ts";
import { AppHistory, appSettings } from "../support/appHistories.ts";

const check = (h: AppHistory) =>
  observedPriorityChecker.check({ history: h.history(), settings: appSettings, finalState: [] });

/**
 * Reads every 100 ms. Job u (priority 1) and job l (priority 9) are both accepted at 0; one of them
 * is claimed and seen at 1 000, the other seen at `second`; each stores `stored` (default: as asked).
 */
function twoJobs(first: "u" | "l", second: number, stored: { u?: number; l?: number } = {}): AppHistory {
  const h = new AppHistory().observer(20_000, 100);
  h.accept(0, "u", "send-email", "completed", 1).accept(0, "l", "send-email", "completed", 9);
  h.observe(50, "u", { priority: stored.u ?? 1 }).observe(50, "l", { priority: stored.l ?? 9 });
  const [a, b] = first === "u" ? ["u", "l"] : ["l", "u"];
  h.claim(a as string, 990, "w1", { seen: 1000, end: 1500 });
  h.claim(b as string, second - 10, "w1", { seen: second, end: second + 500 });
  return h;
}

describe("observed-priority (app mode)", () => {
  it("passes when the more urgent job was claimed first, and when the order is within a read's gap", () => {
    expect(check(twoJobs("u", 2000)).verdict).toBe("pass");
    // l seen at 1 000, u at 1 050: u's claim may have come first (the reads are 100 ms apart).
    const close = check(twoJobs("l", 1050));
    expect(close.verdict).toBe("pass");
    expect(close.figures?.judgedPairs).toBe(0);
  });

  it("fails a sure inversion: the less urgent job claimed while the urgent one waited, both named", () => {
    const result = check(twoJobs("l", 2000));
    expect(result.verdict).toBe("fail");
    expect(result.violations.map((v) => v.kind)).toEqual(["priority-inversion"]);
    expect(result.violations[0]?.message).toMatch(
      /job l \(send-email, priority 9\) was claimed by .* while job u \(send-email, priority 1\)/,
    );
    expect(result.figures).toMatchObject({ inversions: 1, judgedPairs: 1 });
  });

  it("fails a service that stores another priority than the request asked", () => {
    const result = check(twoJobs("u", 2000, { u: 5, l: 5 }));
    expect(result.verdict).toBe("fail");
    expect(result.violations.map((v) => v.kind)).toEqual(["priority-not-stored", "priority-not-stored"]);
    expect(result.violations[0]?.message).toBe(
      "job u (send-email) was asked with priority 1; the service stored 5",
    );
  });

  it("judges no pair whose urgent job was not yet due when the other was claimed", () => {
    // u accepted after l's claim could have happened: not waiting then, no inversion.
    const h = new AppHistory().observer(20_000, 100);
    h.accept(0, "l", "send-email", "completed", 9).accept(950, "u", "send-email", "completed", 1);
    h.claim("l", 990, "w1", { seen: 1000, end: 1500 }).claim("u", 1990, "w1", { seen: 2000, end: 2500 });
    expect(check(h).verdict).toBe("pass");
  });

  it("does not take a job for waiting when the reads show it was claimed unseen (a fast failure waiting to retry)", () => {
    const h = new AppHistory().observer(20_000, 100);
    h.accept(0, "a", "send-email", "completed", 1).accept(0, "b", "send-email", "completed", 9);
    // a was claimed at 10 and failed before the read at 101, which shows it waiting to retry at 2 010.
    h.observe(101, "a", { priority: 1, attempts: 1, lastRunAt: 10, nextRunAt: 2010 });
    h.observe(101, "b", { priority: 9 });
    h.claim("b", 490, "w1", { seen: 501, end: 900 });
    h.claim("a", 2090, "w1", { seen: 2101, end: 2500 });
    const result = check(h);
    expect(result.verdict).toBe("pass");
    expect(result.figures?.judgedPairs).toBe(0);
  });

  it("does not bound a claim the first read saw, nor judge a job accepted for two requests", () => {
    // Reading began at 1 000: b, seen running then, may have been claimed before a existed.
    const first = new AppHistory();
    first.raw({
      type: "observer",
      t: 20_000,
      collection: "scheduler_jobs",
      samples: 10,
      everyMs: 100,
      maxGapMs: 100,
      firstAt: 1000,
    });
    first.accept(0, "b", "send-email", "completed", 9).accept(500, "a", "send-email", "completed", 1);
    first.claim("b", 1, "w1", { seen: 1000, end: 1500 });
    first.observe(1000, "a", { priority: 1 });
    first.claim("a", 1990, "w1", { seen: 2000, end: 2500 });
    expect(check(first).verdict).toBe("pass");
    // Two requests for one job (a dedupe key): the store keeps the first one's priority.
    const twice = twoJobs("u", 2000);
    twice.accept(10, "u", "send-email", "completed", 9);
    expect(check(twice).violations).toEqual([]);
  });
});
