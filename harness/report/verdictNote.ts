import { plural } from "../util/plural.ts";
import { checkerList, type RunResult } from "./result.ts";

/**
 * Why a verdict stands beside failures it does not count: the informational checkers that failed
 * (or could not decide), as words to put after the verdict, e.g. "3 informational failures: known
 * weaknesses of the scheduler". Null when there is nothing beside the verdict to explain.
 */
export function informationalNote(result: Pick<RunResult, "checkers">): string | null {
  const info = checkerList(result).filter((c) => c.informational);
  const failed = info.filter((c) => c.verdict === "fail").length;
  const unknown = info.filter((c) => c.verdict === "unknown").length;
  if (failed === 0 && unknown === 0) return null;
  const parts = [
    failed ? plural(failed, "informational failure") : null,
    unknown ? plural(unknown, "informational unknown") : null,
  ].filter((p) => p !== null);
  return `${parts.join(", ")}: known weaknesses of the scheduler, not counted in the verdict`;
}

/** The verdict in words with its informational note, e.g. "PASS (3 informational failures: …)". */
export function verdictWithNote(result: Pick<RunResult, "checkers" | "verdict">, where: string): string {
  const note = informationalNote(result);
  return `${result.verdict.toUpperCase()}${note ? ` (${note}; ${where})` : ""}`;
}
