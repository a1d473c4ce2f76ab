import type { Checker, CheckerResult, CheckInput, Verdict } from "./types.ts";

const rank: Record<Verdict, number> = { pass: 0, unknown: 1, fail: 2 };

/** The worst of several verdicts: fail beats unknown beats pass. No verdicts at all is unknown. */
export function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.length === 0) return "unknown";
  return verdicts.reduce((a, b) => (rank[b] > rank[a] ? b : a), "pass" as Verdict);
}

/** Runs every checker; one that throws yields unknown with the error, never a crash. */
export function runCheckers(checkers: readonly Checker[], input: CheckInput): CheckerResult[] {
  return checkers.map((checker) => {
    if (input.history.corruptLines > 0) {
      const result = safeCheck(checker, input);
      return {
        ...result,
        verdict: result.verdict === "fail" ? "fail" : "unknown",
        summary: `${result.summary} (ledger had ${input.history.corruptLines} unreadable line(s))`,
      };
    }
    return safeCheck(checker, input);
  });
}

function safeCheck(checker: Checker, input: CheckInput): CheckerResult {
  try {
    return checker.check(input);
  } catch (error) {
    return {
      name: checker.name,
      verdict: "unknown",
      summary: `checker threw: ${error instanceof Error ? error.message : String(error)}`,
      violations: [],
      figures: {},
    };
  }
}

/** The run's verdict: the worst verdict of the checkers that are not informational. */
export function overallVerdict(results: readonly CheckerResult[]): Verdict {
  return worstVerdict(results.filter((r) => !r.informational).map((r) => r.verdict));
}

/** A checker result with nothing to judge: unknown, with why. */
export function undecided(
  name: string,
  summary: string,
  figures: CheckerResult["figures"] = {},
  violations: CheckerResult["violations"] = [],
): CheckerResult {
  return { name, verdict: "unknown", summary, violations, figures };
}

/** A checker result judged by its violations: pass when there are none. */
export function judged(
  name: string,
  violations: CheckerResult["violations"],
  summary: string,
  figures: CheckerResult["figures"],
): CheckerResult {
  return { name, verdict: violations.length === 0 ? "pass" : "fail", summary, violations, figures };
}
