import type { FiguresByChecker } from "./figures.ts";
import type {
  AnyCheckerResult,
  Checker,
  CheckerName,
  CheckerResult,
  CheckerResults,
  CheckInput,
  Verdict,
  Violation,
} from "./types.ts";

const rank: Record<Verdict, number> = { pass: 0, unknown: 1, fail: 2 };

/** The worst of several verdicts: fail beats unknown beats pass. No verdicts at all is unknown. */
export function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.length === 0) return "unknown";
  return verdicts.reduce((a, b) => (rank[b] > rank[a] ? b : a), "pass" as Verdict);
}

/** What a checker found, before its verdict is decided. */
export interface Findings<N extends CheckerName> {
  summary: string;
  violations?: Violation[];
  unknowns?: Violation[];
  figures: FiguresByChecker[N];
  /** Set when there was nothing to judge (no kill happened, nothing ran): the verdict is unknown. */
  nothingToJudge?: boolean;
}

/**
 * The one rule every checker's verdict follows: any violation fails it (whatever else could not
 * be judged); otherwise anything unjudged, or nothing to judge at all, makes it unknown.
 */
export function decide<N extends CheckerName>(name: N, findings: Findings<N>): CheckerResult<N> {
  const violations = findings.violations ?? [];
  const unknowns = findings.unknowns ?? [];
  const verdict: Verdict =
    violations.length > 0 ? "fail" : unknowns.length > 0 || findings.nothingToJudge ? "unknown" : "pass";
  return { name, verdict, summary: findings.summary, violations, unknowns, figures: findings.figures };
}

/**
 * Runs every checker. One that throws yields unknown with the error, never a crash. A history
 * with problems (unreadable lines, invalid records, records out of order) makes every pass
 * unknown; a violation still fails.
 */
export function runCheckers(
  checkers: readonly Pick<Checker, "name" | "check">[],
  input: CheckInput,
): AnyCheckerResult[] {
  const problems = input.history.problems.length;
  return checkers.map((checker) => {
    const result = safeCheck(checker, input);
    // A checker's own verdict cannot hide a violation it listed.
    const verdict: Verdict = result.violations.length > 0 ? "fail" : result.verdict;
    if (problems > 0 && verdict === "pass") {
      return {
        ...result,
        verdict: "unknown",
        summary: `${result.summary} (the history has ${problems} problem(s): see history)`,
      } as AnyCheckerResult;
    }
    return { ...result, verdict } as AnyCheckerResult;
  });
}

function safeCheck(checker: Pick<Checker, "name" | "check">, input: CheckInput): AnyCheckerResult {
  try {
    return checker.check(input) as AnyCheckerResult;
  } catch (error) {
    return {
      name: checker.name,
      verdict: "unknown",
      summary: `checker threw: ${error instanceof Error ? error.message : String(error)}`,
      violations: [],
      unknowns: [],
      figures: null,
    } as AnyCheckerResult;
  }
}

/** Checker results keyed by name, in the order given. */
export function keyByName(results: readonly AnyCheckerResult[]): CheckerResults {
  const out: Record<string, AnyCheckerResult> = {};
  for (const r of results) out[r.name] = r;
  return out as CheckerResults;
}

/** The checker results of a run, in order. */
export function resultsOf(results: CheckerResults): AnyCheckerResult[] {
  return Object.values(results) as AnyCheckerResult[];
}

/** The run's verdict: the worst verdict of the checkers that are not informational. */
export function overallVerdict(results: readonly AnyCheckerResult[]): Verdict {
  return worstVerdict(results.filter((r) => !r.informational).map((r) => r.verdict));
}
