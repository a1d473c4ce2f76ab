import { describe, expect, it } from "vitest";
import { dedupeChecker } from "../../harness/checkers/dedupe.ts";
import { repeatTicksChecker } from "../../harness/checkers/repeatTicks.ts";
import { HistoryBuilder, job, settings } from "../support/histories.ts";

const every = { repeat: { every: 1000 }, name: "tick" };
/** An interval job created at 0, ticking every second from 1050, observed until 5000. */
function ticks(slots: number[]) {
  const b = new HistoryBuilder().run("t", "w1", 1, 10, 50, { ...every, nextRunAt: 0 });
  for (const s of slots) b.run("t", "w1", 1, s + 20, s + 60, { ...every, nextRunAt: s });
  return b;
}
const observed = { ...settings, runEndedAt: 5000 };

describe("repeat-ticks checker", () => {
  it("passes every tick once and reports drift", () => {
    const result = repeatTicksChecker.check({
      settings: observed,
      history: ticks([1050, 2050, 3050, 4050]).history(),
      finalState: [],
    });
    expect(result.verdict).toBe("pass");
    expect(result.figures).toMatchObject({ ticks: 5, missed: 0, doubleTicks: 0, driftP50Ms: 20 });
  });

  it("fails a missed tick in the middle and at the end", () => {
    const result = repeatTicksChecker.check({
      settings: observed,
      history: ticks([1050, 3050]).history(),
      finalState: [],
    });
    expect(result.verdict).toBe("fail");
    expect(result.figures?.missed).toBe(2);
  });

  it("fails a tick run twice", () => {
    const b = ticks([1050, 2050, 3050, 4050]).run("t", "w2", 2, 2080, 2100, { ...every, nextRunAt: 2050 });
    const result = repeatTicksChecker.check({ settings: observed, history: b.history(), finalState: [] });
    expect(result.figures?.doubleTicks).toBe(1);
    expect(result.violations[0]?.kind).toBe("double-tick");
  });

  it("counts cron ticks in the rule's timezone", () => {
    const cron = { repeat: { cron: "*/2 * * * * *", timezone: "Asia/Kolkata" }, name: "cron" };
    const b = new HistoryBuilder()
      .run("c", "w1", 1, 500, 510, { ...cron, nextRunAt: 100 })
      .run("c", "w1", 1, 2010, 2020, { ...cron, nextRunAt: 2000 })
      .run("c", "w1", 1, 6010, 6020, { ...cron, nextRunAt: 6000 });
    const result = repeatTicksChecker.check({
      settings: { ...settings, runEndedAt: 6500 },
      history: b.history(),
      finalState: [],
    });
    expect(result.figures?.missed).toBe(1);
  });
});

describe("dedupe checker", () => {
  it("passes when all requests for a key got one job that ran once", () => {
    const b = new HistoryBuilder()
      .accept("j1", 0, { dedupeKey: "k" })
      .accept("j1", 1, { dedupeKey: "k" })
      .run("j1", "w1", 1, 10, 20, { dedupeKey: "k" });
    const result = dedupeChecker.check({
      settings,
      history: b.history(),
      finalState: [job("j1", "completed", { dedupeKey: "k" })],
    });
    expect(result.verdict).toBe("pass");
    expect(result.figures).toMatchObject({ requests: 2, jobs: 1, executions: 1 });
  });

  it("fails when one key made two jobs", () => {
    const b = new HistoryBuilder()
      .accept("j1", 0, { dedupeKey: "k" })
      .accept("j2", 1, { dedupeKey: "k" })
      .run("j1", "w1", 1, 10, 20, { dedupeKey: "k" })
      .run("j2", "w1", 1, 30, 40, { dedupeKey: "k" });
    const finalState = [
      job("j1", "completed", { dedupeKey: "k" }),
      job("j2", "completed", { dedupeKey: "k" }),
    ];
    const result = dedupeChecker.check({ settings, history: b.history(), finalState });
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]?.message).toContain("2 distinct job ids");
  });
});
