import type { BenchResult } from "./benchResult.ts";
import { fingerprintDifferences } from "./fingerprint.ts";
import { type GateResult, gateStatus } from "./gate.ts";
import { gateVersus } from "./summarize.ts";

/** A saved baseline against a run: the gate's decisions and what makes the comparison doubtful. */
export interface BaselineComparison {
  results: GateResult[];
  /** Environment differences and variants the baseline lacks. */
  warnings: string[];
  /** Set when gating must be refused: the environments differ and --force was not given. */
  refused: string | null;
}

/**
 * Gates a run against a saved baseline, variant by variant, figure by figure. The two were not
 * interleaved, so ratios are unpaired (each side resampled on its own) and the intervals wider than
 * an A/B run's. Baselines from another environment (server, CPU, Node, driver) are refused unless
 * forced: their differences are not the code's.
 */
export function compareWithBaseline(
  baseline: BenchResult,
  current: BenchResult,
  maxRegression: number,
  force: boolean,
): BaselineComparison {
  const differences = fingerprintDifferences(baseline.fingerprint, current.fingerprint);
  const warnings = differences.length
    ? [
        `the baseline comes from another environment (${differences.join("; ")}): its differences are not only the code's`,
      ]
    : [];
  const refused =
    differences.length && !force
      ? `${warnings[0]}; rerun the baseline here, or pass --force to gate anyway`
      : null;
  const results: GateResult[] = [];
  for (const v of current.variants.filter((x) => x.role === "compared")) {
    if (!baseline.variants.some((b) => b.id === v.id)) {
      warnings.push(`${v.id}: not in the baseline, not gated`);
      continue;
    }
    results.push(
      ...gateVersus(current.figures, v.id, v.id, maxRegression, current.seed, false, baseline.figures),
    );
  }
  return { results, warnings, refused };
}

const pct = (x: number) => `${x >= 1 ? "+" : ""}${((x - 1) * 100).toFixed(1)}%`;

/** The gate's decisions as lines for the terminal. */
export function renderGate(
  results: readonly GateResult[],
  warnings: readonly string[],
  maxRegression: number,
): string {
  const lines = warnings.map((w) => `warning: ${w}`);
  for (const g of results) {
    // A ratio that could not be formed is saved as NaN (null once in JSON): say why, not "NaN%".
    const what = !Number.isFinite(g.ratio)
      ? g.reason
      : g.exact
        ? `${pct(g.ratio)} (exact)`
        : `${pct(g.ratio)} [95% CI ${pct(g.ci[0])} … ${pct(g.ci[1])}]`;
    lines.push(`${gateStatus(g).padEnd(9)} ${g.variant} vs ${g.reference} ${g.figure}: ${what}`);
  }
  const failed = results.filter((g) => !g.pass);
  lines.push(
    failed.length
      ? `${failed.length} figure(s) regressed beyond ${(maxRegression * 100).toFixed(0)}%: ${failed.map((g) => `${g.variant} ${g.figure}`).join(", ")}`
      : `no gated figure regressed beyond ${(maxRegression * 100).toFixed(0)}% (commands/job: any rise)`,
  );
  return lines.join("\n");
}
