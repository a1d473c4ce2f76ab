/**
 * Checkers on a history whose writers' clocks are known only within an uncertainty (a database
 * ledger, see ledger/clockOffsets.ts). The checkers run on the history as measured, then again with
 * each writer's records moved to either end of its interval while every other writer's are moved to
 * the opposite end of its own (so every pair of writers is seen at both extremes of their relative
 * error). A checker whose verdict changes under such a move decided on an ordering finer than the
 * clocks can tell: its verdict is unknown, with the move that changed it as the reason.
 */
import { onServerClock, type RunClocks } from "../ledger/clockOffsets.ts";
import { type History, historyOf } from "../ledger/history.ts";
import type { AnyCheckerResult, Checker, CheckInput, Violation } from "./types.ts";
import { runCheckers } from "./verdicts.ts";

/** The problems a history's reading found (kept under a move); the structural ones are found again. */
const READ_PROBLEMS = new Set(["unreadable-line", "unknown-type", "invalid-record"]);

/** The history with each writer's records moved by `shift(writer)` ms. */
function shifted(history: History, clocks: RunClocks, shift: (writer: string) => number): History {
  const moved = historyOf(onServerClock(history.records, { harness: clocks.harness, writers: [] }, shift));
  return {
    records: moved.records,
    rejected: history.rejected,
    problems: [...history.problems.filter((p) => READ_PROBLEMS.has(p.kind)), ...moved.problems],
  };
}

/** Turns a result unknown for the reason given, its violations kept as evidence among its unknowns. */
function unknownBecause(r: AnyCheckerResult, reason: Violation): AnyCheckerResult {
  return {
    ...r,
    verdict: "unknown",
    summary: `${r.summary} (unknown: ${reason.message})`,
    violations: [],
    unknowns: [...r.violations, ...r.unknowns, reason],
  } as AnyCheckerResult;
}

/** Runs the checkers, and makes unknown each one whose verdict depends on an ordering finer than the clocks. */
export function runCheckersOnClocks(
  checkers: readonly Pick<Checker, "name" | "check">[],
  input: CheckInput,
  clocks: RunClocks | undefined,
): AnyCheckerResult[] {
  const nominal = runCheckers(checkers, input);
  if (!clocks) return nominal;
  if (clocks.unmeasured.length > 0) {
    const reason: Violation = {
      kind: "clock-unmeasured",
      message: `the records of ${clocks.unmeasured.join(", ")} are on a clock never measured against the server's`,
    };
    return nominal.map((r) => (r.verdict === "unknown" ? r : unknownBecause(r, reason)));
  }
  const u = new Map(clocks.writers.map((w) => [w.instance, w.uncertaintyMs]));
  const out = [...nominal];
  for (const w of clocks.writers) {
    if (w.uncertaintyMs <= 0) continue;
    for (const sign of [1, -1]) {
      const shift = (writer: string) => (writer === w.instance ? sign : -sign) * (u.get(writer) ?? 0);
      const moved = runCheckers(checkers, { ...input, history: shifted(input.history, clocks, shift) });
      moved.forEach((m, i) => {
        const r = out[i] as AnyCheckerResult;
        if (r.verdict === "unknown" || m.verdict === (nominal[i] as AnyCheckerResult).verdict) return;
        out[i] = unknownBecause(r, {
          kind: "clock-uncertainty",
          message: `the verdict depends on an ordering finer than the clocks' uncertainty: with ${w.instance} ${sign > 0 ? "+" : "−"}${w.uncertaintyMs} ms and every other writer the other way within its own, it is ${m.verdict}`,
        });
      });
    }
  }
  return out;
}
