import { ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { agendaJobState } from "../../harness/adapters/agenda.ts";
import { finalStateChecker } from "../../harness/checkers/finalState.ts";
import { HistoryBuilder, settings } from "../support/histories.ts";

// Job documents as Agenda 6 leaves them (Job.run, fail() and saveJobState of its MongoDB backend):
// fail() increments failCount and sets failedAt = lastFinishedAt; a success sets lastFinishedAt and
// resets failCount to 0; a retry sets nextRunAt; every finished run unlocks (lockedAt null).
const at = (ms: number) => new Date(1_700_000_000_000 + ms);
const ids = {
  retried: new ObjectId(),
  exhausted: new ObjectId(),
  once: new ObjectId(),
  waiting: new ObjectId(),
};
const base = (id: ObjectId, name: string) => ({
  _id: id,
  name,
  data: { __harness: { priority: 5 } },
  priority: -5,
  lockedAt: null,
  nextRunAt: null,
  repeatInterval: null,
  disabled: false,
});
/** Failed on attempts 1 and 2, succeeded on attempt 3; the adapter kept the 2 beside the reset count. */
const retried = {
  ...base(ids.retried, "fixed-delay"),
  lastRunAt: at(3000),
  lastFinishedAt: at(3050),
  failCount: 0,
  failedAt: at(2050),
  failReason: "simulated failure on attempt 2",
  harnessFailuresBeforeSuccess: 2,
};
/** Failed on attempts 1, 2 and 3, with no retry left. */
const exhausted = {
  ...base(ids.exhausted, "exhausted"),
  lastRunAt: at(3000),
  lastFinishedAt: at(3040),
  failCount: 3,
  failedAt: at(3040),
  failReason: "simulated failure on attempt 3",
};
/** Succeeded at once: Agenda never set a failCount. */
const once = {
  ...base(ids.once, "plain"),
  lastRunAt: at(100),
  lastFinishedAt: at(120),
  failCount: null,
  failedAt: null,
};
/** Failed once, its retry due later. */
const waiting = {
  ...base(ids.waiting, "fixed-delay"),
  nextRunAt: at(9000),
  lastRunAt: at(100),
  lastFinishedAt: at(150),
  failCount: 1,
  failedAt: at(150),
  failReason: "simulated failure on attempt 1",
};

/** The executions the ledger holds for those documents. */
function ledger(): HistoryBuilder {
  const b = new HistoryBuilder().ready("w1", 1, 0);
  const [r, x, o, w] = [ids.retried, ids.exhausted, ids.once, ids.waiting].map(String) as [
    string,
    string,
    string,
    string,
  ];
  b.run(r, "w1", 1, 1000, 1050, { name: "fixed-delay", attempt: 1, outcome: "error" })
    .run(r, "w1", 1, 2000, 2050, { name: "fixed-delay", attempt: 2, outcome: "error" })
    .run(r, "w1", 1, 3000, 3050, { name: "fixed-delay", attempt: 3 });
  b.run(x, "w1", 1, 1000, 1040, { name: "exhausted", attempt: 1, outcome: "error" })
    .run(x, "w1", 1, 2000, 2040, { name: "exhausted", attempt: 2, outcome: "error" })
    .run(x, "w1", 1, 3000, 3040, { name: "exhausted", attempt: 3, outcome: "error", ack: "fail" });
  b.run(o, "w1", 1, 100, 120, { name: "plain" });
  b.run(w, "w1", 1, 100, 150, { name: "fixed-delay", attempt: 1, outcome: "error" });
  return b;
}

const check = (docs: Record<string, unknown>[]) =>
  finalStateChecker.check({ settings, history: ledger().history(), finalState: docs.map(agendaJobState) });

describe("Agenda's final states in the harness's vocabulary", () => {
  it("maps status and the attempt count as the checkers count them", () => {
    const states = [retried, exhausted, once, waiting].map(agendaJobState);
    expect(states.map((s) => [s.name, s.status, s.attempts, s.lastError])).toEqual([
      // Completed after 2 failed attempts, though Agenda reset its failCount to 0 on the success.
      ["fixed-delay", "completed", 2, "simulated failure on attempt 2"],
      ["exhausted", "failed", 3, "simulated failure on attempt 3"],
      ["plain", "completed", 0, null],
      ["fixed-delay", "pending", 1, "simulated failure on attempt 1"],
    ]);
  });

  it("a correct Agenda run (retried, exhausted, succeeded at once, waiting for its retry) passes final-state", () => {
    const result = check([retried, exhausted, once, waiting]);
    expect(result.verdict).toBe("pass");
    expect(result.figures).toMatchObject({ judged: 4, contradicted: 0 });
  });

  it("a completed job read by Agenda's own count alone (reset to 0 on success) is flagged", () => {
    const { harnessFailuresBeforeSuccess: _, ...agendaOnly } = retried;
    const result = check([agendaOnly, exhausted, once, waiting]);
    expect(result.verdict).toBe("fail");
    expect(result.violations).toMatchObject([{ kind: "attempts-mismatch", jobId: String(ids.retried) }]);
    expect(result.violations[0]?.message).toContain("is completed after 0 failed attempt(s) in the database");
  });

  it.each([
    ["a completed job whose count is one short", { ...retried, harnessFailuresBeforeSuccess: 1 }, exhausted],
    ["an exhausted job whose count is one short", retried, { ...exhausted, failCount: 2 }],
    ["an exhausted job whose count is one over", retried, { ...exhausted, failCount: 4 }],
  ])("%s is flagged", (_, r, x) => {
    const result = check([r, x, once, waiting]);
    expect(result.verdict).toBe("fail");
    expect(result.violations.map((v) => v.kind)).toEqual(["attempts-mismatch"]);
  });
});
