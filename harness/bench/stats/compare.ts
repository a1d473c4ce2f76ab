import { claimBrokenIn } from "../../probe/probeTypes.ts";
import { fingerprintDifferences } from "../model/fingerprint.ts";
import type { BenchResult } from "../result.ts";
import { type GateResult, gateStatus, notGatedOnBrokenClaim } from "./gate.ts";
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
  // compare judges speed only: a run whose own checks failed is said to have, not hidden.
  for (const [which, r] of [
    ["baseline", baseline],
    ["current run", current],
  ] as const)
    if (r.verdict !== "pass")
      warnings.push(
        `the ${which}'s own verdict is ${r.verdict.toUpperCase()}${r.problems.length ? ` (${r.problems.join("; ")})` : ""}; compare gates its speed only`,
      );
  const results: GateResult[] = [];
  const compared = current.variants.filter((x) => x.role === "compared");
  if (compared.length === 0) warnings.push("the current run has no compared variant: nothing to gate");
  for (const v of compared) {
    if (!baseline.variants.some((b) => b.id === v.id)) {
      warnings.push(`${v.id}: not in the baseline, not gated`);
      continue;
    }
    const broken = claimBrokenIn(current.probe) || claimBrokenIn(baseline.probe);
    results.push(
      ...gateVersus(current.figures, v.id, v.id, maxRegression, current.seed, false, baseline.figures).map(
        (g) => (broken ? notGatedOnBrokenClaim(g) : g),
      ),
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
  const bound = `${Number((maxRegression * 100).toFixed(2))}%`;
  const named = (status: string) =>
    results.filter((g) => gateStatus(g) === status).map((g) => `${g.variant} ${g.figure}`);
  const regressed = named("REGRESSED");
  const undecided = named("UNDECIDED");
  if (regressed.length)
    lines.push(`${regressed.length} figure(s) regressed beyond ${bound}: ${regressed.join(", ")}`);
  if (undecided.length)
    lines.push(
      `${undecided.length} figure(s) could not be compared, which fails the gate: ${undecided.join(", ")}`,
    );
  if (results.length === 0) lines.push("nothing was gated");
  else if (!regressed.length && !undecided.length)
    lines.push(`no gated figure regressed beyond ${bound} (commands/job: any rise)`);
  return lines.join("\n");
}
