import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lostJobsChecker } from "../../harness/checkers/lostJobs.ts";
import { reexecutionsChecker } from "../../harness/checkers/reexecutions.ts";
import type { Checker } from "../../harness/checkers/types.ts";
import { runCheckers } from "../../harness/checkers/verdicts.ts";
import { parseLedgerText, problemCounts, writeHistory } from "../../harness/ledger/history.ts";
import { HistoryBuilder, job, settings } from "../support/histories.ts";

/** A correct history of one job, as JSONL. */
function goodLines(): string[] {
  return new HistoryBuilder()
    .accept("a")
    .run("a", "w1", 1, 10, 20)
    .history()
    .records.map((r) => JSON.stringify(r));
}

function verdicts(text: string) {
  const history = parseLedgerText(text);
  return runCheckers([lostJobsChecker, reexecutionsChecker] as Checker[], {
    settings,
    history,
    finalState: [job("a", "completed")],
  }).map((r) => r.verdict);
}

describe("a history is validated as it is read", () => {
  it("passes the correct history", () => {
    expect(parseLedgerText(goodLines().join("\n")).problems).toEqual([]);
    expect(verdicts(goodLines().join("\n"))).toEqual(["pass", "pass"]);
  });

  it.each([
    ["an unreadable (torn) line", '{"type":"start","t":1', "unreadable-line"],
    ["a null line", "null", "unknown-type"],
    ["a record of an unknown type", '{"type":"teleport","t":5}', "unknown-type"],
    ["a record with missing fields", '{"type":"end","t":30,"jobId":"a"}', "invalid-record"],
  ])("counts %s, shows it, and makes the verdict unknown at best", (_what, line, kind) => {
    const text = [...goodLines(), line].join("\n");
    const history = parseLedgerText(text);
    expect(problemCounts(history)).toEqual({ [kind]: 1 });
    expect(history.problems[0]?.message).toContain("history.jsonl:");
    expect(verdicts(text)).toEqual(["unknown", "unknown"]);
  });

  it("counts an acknowledgement before its start, and a second acknowledgement of one execution", () => {
    const records = goodLines().map((l) => JSON.parse(l));
    const ack = records.find((r) => r.type === "ack");
    const early = { ...ack, t: 5 };
    const history = parseLedgerText(
      [...goodLines().filter((l) => !l.includes('"ack"')), JSON.stringify(early)].join("\n"),
    );
    expect(problemCounts(history)).toEqual({ "ack-before-start": 1 });
    const twice = parseLedgerText([...goodLines(), JSON.stringify({ ...ack, t: 99 })].join("\n"));
    expect(problemCounts(twice)).toEqual({ "double-ack": 1 });
    expect(verdicts([...goodLines(), JSON.stringify({ ...ack, t: 99 })].join("\n"))).toEqual([
      "unknown",
      "unknown",
    ]);
  });

  it("still fails a violation in a history with problems", () => {
    const text = [...goodLines(), "{torn"].join("\n");
    const history = parseLedgerText(text);
    const [result] = runCheckers([lostJobsChecker] as Checker[], {
      settings,
      history,
      finalState: [job("a", "pending")],
    });
    expect(result?.verdict).toBe("fail");
  });

  it("saves the rejected lines with the history, so a re-read finds the same problems", () => {
    const text = [...goodLines(), "{torn", "null", '{"type":"teleport"}'].join("\n");
    const first = parseLedgerText(text, "w1.jsonl");
    const dir = mkdtempSync(join(tmpdir(), "history-"));
    writeHistory(join(dir, "history.jsonl"), first);
    const again = parseLedgerText(readFileSync(join(dir, "history.jsonl"), "utf8"));
    expect(again.records).toEqual(first.records);
    expect(problemCounts(again)).toEqual(problemCounts(first));
    expect(again.problems).toHaveLength(3);
  });
});
