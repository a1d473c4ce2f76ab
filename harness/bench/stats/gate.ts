import { type Estimate, usableValue } from "./bootstrap.ts";

/** The fewest repetitions (pairs, in an A/B run) a figure's interval is formed from. */
export const MIN_GATED = 5;

/** Which way a figure improves. */
export type Better = "higher" | "lower";

/** One gated figure's decision, kept as data for every view (terminal, JUnit, HTML). */
export interface GateResult {
  /** The figure, e.g. "drain jobs/s". */
  figure: string;
  /** The variant judged and the one it is compared with. */
  variant: string;
  reference: string;
  better: Better;
  /** current / reference. */
  ratio: number;
  /** The ratio's bootstrap 95% interval; for an exact figure both ends equal the ratio. */
  ci: [number, number];
  /** Exact figures (MongoDB commands per job) are compared by value, not by an interval. */
  exact: boolean;
  maxRegression: number;
  pass: boolean;
  /** One line saying why. */
  reason: string;
}

const pct = (x: number) => `${((x - 1) * 100).toFixed(1)}%`;

/**
 * A statistical gate: the current build is slower by more than `maxRegression` only when the whole
 * interval says so (for a higher-is-better figure, its upper end below 1 − maxRegression; for a
 * cost, its lower end above 1 + maxRegression). An interval that straddles the bound is noise.
 */
export function gateRatio(
  figure: string,
  variant: string,
  reference: string,
  better: Better,
  estimate: Estimate,
  maxRegression: number,
): GateResult {
  const [lo, hi] = estimate.ci;
  if (!(Number.isFinite(estimate.median) && Number.isFinite(lo) && Number.isFinite(hi)))
    return withoutRatio(
      { figure, variant, reference, better, maxRegression },
      false,
      `${figure}: the interval could not be formed (${estimate.median} [${lo}, ${hi}]); the gate cannot show this build is no slower`,
    );
  const regressed = better === "higher" ? hi < 1 - maxRegression : lo > 1 + maxRegression;
  const bound = better === "higher" ? 1 - maxRegression : 1 + maxRegression;
  return {
    figure,
    variant,
    reference,
    better,
    ratio: estimate.median,
    ci: [lo, hi],
    exact: false,
    maxRegression,
    pass: !regressed,
    reason: regressed
      ? `${figure}: ${pct(estimate.median)} (95% CI ${pct(lo)} to ${pct(hi)}), beyond the allowed ${pct(bound)}`
      : `${figure}: ${pct(estimate.median)} (95% CI ${pct(lo)} to ${pct(hi)}), within the allowed ${pct(bound)}`,
  };
}

/**
 * An exact gate for a figure that does not depend on the machine's load (MongoDB commands per
 * completed job): any increase beyond `resolution` fails, whatever `maxRegression` allows.
 */
export function gateExact(
  figure: string,
  variant: string,
  reference: string,
  current: number,
  baseline: number,
  resolution: number,
  maxRegression: number,
): GateResult {
  const ratio = baseline === 0 ? (current === 0 ? 1 : Number.POSITIVE_INFINITY) : current / baseline;
  // Both are rounded to the resolution: a rise of one step (3 → 3.01) must fail, and 3.01 − 3 is
  // 0.00999… in floating point.
  const regressed = current - baseline >= resolution * (1 - 1e-9);
  return {
    figure,
    variant,
    reference,
    better: "lower",
    ratio,
    ci: [ratio, ratio],
    exact: true,
    maxRegression,
    pass: !regressed,
    reason: `${figure}: ${current} against ${baseline} (gated exactly: any rise of ${resolution} or more fails)`,
  };
}

/**
 * A figure whose ratio cannot be formed (no values on one side, or a value that is 0, negative or
 * not a number, which no working drain gives): the
 * comparison is not made, and that is said, never dropped. It fails the gate, because a gate that
 * could not compare a figure has not shown the build is no slower.
 */
export function gateUndecided(
  figure: string,
  variant: string,
  reference: string,
  better: Better,
  current: readonly number[],
  baseline: readonly number[],
  maxRegression: number,
): GateResult {
  const bad = (xs: readonly number[]) => xs.filter((v) => !usableValue(v)).length;
  const why =
    current.length === 0 || baseline.length === 0
      ? `no values on ${current.length === 0 ? "the current" : "the reference"} side`
      : bad(current) + bad(baseline) > 0
        ? `a value of 0, below 0 or not a number in ${bad(current)} of ${current.length} runs of the current side and ${bad(baseline)} of ${baseline.length} of the reference`
        : `only ${Math.min(current.length, baseline.length)} repetitions measured (failed ones are dropped), and an interval needs ${MIN_GATED}`;
  return withoutRatio(
    { figure, variant, reference, better, maxRegression },
    false,
    `${figure}: not compared (${why}); the gate cannot show this build is no slower`,
  );
}

/** A decision with no ratio to show (NaN, null once in JSON): `pass` and `reason` say what it means. */
function withoutRatio(
  what: Pick<GateResult, "figure" | "variant" | "reference" | "better" | "maxRegression">,
  pass: boolean,
  reason: string,
): GateResult {
  return { ...what, ratio: Number.NaN, ci: [Number.NaN, Number.NaN], exact: false, pass, reason };
}

/**
 * A figure one side could not measure (the main thread's CPU outside Linux, or a baseline saved
 * before the figure existed): not gated, and said so in every view rather than left out.
 */
export function gateNotMeasured(
  figure: string,
  variant: string,
  reference: string,
  better: Better,
  missingIn: string,
  maxRegression: number,
): GateResult {
  return withoutRatio(
    { figure, variant, reference, better, maxRegression },
    true,
    `${figure}: not measured in ${missingIn} (it is read from Linux's /proc/self/schedstat, and results saved before it have none), not gated`,
  );
}

/**
 * A figure measured on a server whose claim the probe found not atomic: what it measures is that
 * server's failure as much as the build, so it is shown, marked so, and never gated.
 */
export function notGatedOnBrokenClaim(g: GateResult): GateResult {
  return withoutRatio(
    g,
    true,
    `${g.figure}: measured on a server whose claim the probe found not atomic (jobs ran more than once), not gated`,
  );
}

/** A decision's word, the same in every view: a ratio that could not be formed is not "REGRESSED". */
export function gateStatus(g: GateResult): "ok" | "REGRESSED" | "UNDECIDED" | "NOT GATED" {
  if (!Number.isFinite(g.ratio)) return g.pass ? "NOT GATED" : "UNDECIDED";
  return g.pass ? "ok" : "REGRESSED";
}

/**
 * The noise floor an A/A run shows: for each figure, the largest distance of its ratio interval
 * from 1. A regression smaller than this cannot be told from noise on this machine.
 */
export function noiseFloor(gates: readonly GateResult[]): { figure: string; pct: number }[] {
  return gates
    .filter((g) => !g.exact && Number.isFinite(g.ratio))
    .map((g) => ({
      figure: g.figure,
      pct: Math.round(Math.max(Math.abs(1 - g.ci[0]), Math.abs(g.ci[1] - 1)) * 1000) / 10,
    }));
}
