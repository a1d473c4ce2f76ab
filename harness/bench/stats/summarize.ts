import type { DrainTrial, OpenStep } from "../measure/trials.ts";
import type { BenchVariant } from "../model/variants.ts";
import type { BenchResult, FigureSeries, RatioRow, SweepResult } from "../result.ts";
import { drainFigures } from "../result.ts";
import { bootstrapMedian, bootstrapRatio, median, usable } from "./bootstrap.ts";
import { type GateResult, gateExact, gateNotMeasured, gateRatio, gateUndecided, MIN_GATED } from "./gate.ts";

/**
 * The drain figures of every variant: repetition k at index k, with seeded bootstrap intervals that
 * resample forks (`forks[k]` is the fork repetition k ran in) and repetitions within them.
 */
export function figureSeries(
  trials: ReadonlyMap<string, (DrainTrial | null)[]>,
  seed: number,
  forks: readonly number[],
): FigureSeries[] {
  const out: FigureSeries[] = [];
  for (const [variant, runs] of trials) {
    for (const f of drainFigures) {
      const values = runs.map((r) => (r ? r[f.key] : null));
      const series: FigureSeries = {
        figure: f.figure,
        variant,
        unit: f.unit,
        better: f.better,
        exact: f.exact,
        runs: values,
        forks: runs.map((_, k) => forks[k] ?? 0),
        estimate: null,
      };
      const [x, clusters] = present(series);
      series.estimate = bootstrapMedian(x, { seed, clusters });
      out.push(series);
    }
  }
  return out;
}

/** The fork of repetition k; a result saved before forks counts each repetition as its own. */
const forkOf = (s: FigureSeries, k: number) => s.forks?.[k] ?? k;

/** A series' values that were measured, with the fork of each. */
function present(s: FigureSeries): [number[], number[]] {
  const x: number[] = [];
  const clusters: number[] = [];
  s.runs.forEach((v, k) => {
    if (v === null) return;
    x.push(v);
    clusters.push(forkOf(s, k));
  });
  return [x, clusters];
}

function series(figures: readonly FigureSeries[], variant: string, figure: string) {
  return figures.find((f) => f.variant === variant && f.figure === figure);
}

/** Repetitions where both series have a value, in pairs (repetition k with repetition k), with their fork. */
function pairs(a: FigureSeries, b: FigureSeries): [number[], number[], number[]] {
  const x: number[] = [];
  const y: number[] = [];
  const clusters: number[] = [];
  for (let k = 0; k < Math.min(a.runs.length, b.runs.length); k++) {
    if (a.runs[k] != null && b.runs[k] != null) {
      x.push(a.runs[k] as number);
      y.push(b.runs[k] as number);
      clusters.push(forkOf(a, k));
    }
  }
  return [x, y, clusters];
}

/** The two sides of a ratio with the forks of their values: pairs share one fork each. */
interface Sides {
  x: number[];
  y: number[];
  clusters: number[];
  referenceClusters: number[];
}

function pairedSides(a: FigureSeries, b: FigureSeries): Sides {
  const [x, y, clusters] = pairs(a, b);
  return { x, y, clusters, referenceClusters: clusters };
}

function unpairedSides(a: FigureSeries, b: FigureSeries): Sides {
  const [x, clusters] = present(a);
  const [y, referenceClusters] = present(b);
  return { x, y, clusters, referenceClusters };
}

/** current / reference for one figure, paired by repetition. */
export function pairedRatio(
  figures: readonly FigureSeries[],
  label: string,
  figure: FigureSeries["figure"],
  variant: string,
  reference: string,
  seed: number,
): RatioRow | null {
  const a = series(figures, variant, figure);
  const b = series(figures, reference, figure);
  if (!a || !b) return null;
  const { x, y, clusters } = pairedSides(a, b);
  return {
    label,
    figure,
    variant,
    reference,
    estimate: bootstrapRatio(x, y, { seed, paired: true, clusters }),
  };
}

/**
 * The ratios a plain bench prints: the scheduler (ledger off) against the raw claim loop and the
 * raw loop that reads each job back (efficiency), the ledger's cost (on / off) in throughput and in
 * CPU per job, and every further system against the first.
 */
export function benchRatios(
  figures: readonly FigureSeries[],
  variants: readonly BenchVariant[],
  seed: number,
): RatioRow[] {
  const ids = new Set(variants.map((v) => v.id));
  const rows: (RatioRow | null)[] = [];
  const mjs = "mongo-job-scheduler";
  if (ids.has(mjs) && ids.has("raw-claim")) {
    rows.push(pairedRatio(figures, "efficiency vs raw claim", "drain jobs/s", mjs, "raw-claim", seed));
    rows.push(
      pairedRatio(figures, "efficiency vs raw claim + read", "drain jobs/s", mjs, "raw-claim+read", seed),
    );
    rows.push(pairedRatio(figures, "CPU per job vs raw claim", "worker CPU ms/job", mjs, "raw-claim", seed));
  }
  if (ids.has(mjs) && ids.has("mongo-job-scheduler+ledger")) {
    rows.push(
      pairedRatio(
        figures,
        "ledger on / off, throughput",
        "drain jobs/s",
        "mongo-job-scheduler+ledger",
        mjs,
        seed,
      ),
    );
    rows.push(
      pairedRatio(
        figures,
        "ledger on / off, CPU per job",
        "worker CPU ms/job",
        "mongo-job-scheduler+ledger",
        mjs,
        seed,
      ),
    );
  }
  const compared = variants.filter((v) => v.role === "compared");
  const first = compared[0];
  for (const v of compared.slice(1)) {
    if (!first) break;
    for (const f of drainFigures)
      rows.push(pairedRatio(figures, `${v.id} / ${first.id}`, f.figure, v.id, first.id, seed));
  }
  return rows.filter((r): r is RatioRow => r !== null);
}

/**
 * The gate of an A/B run: every drain figure of `current` against `reference`. Throughput and CPU
 * per job by the interval of their paired ratio; commands per job exactly, by the medians.
 */
export function gateVersus(
  figures: readonly FigureSeries[],
  current: string,
  reference: string,
  maxRegression: number,
  seed: number,
  paired: boolean,
  referenceFigures: readonly FigureSeries[] = figures,
): GateResult[] {
  const out: GateResult[] = [];
  for (const f of drainFigures) {
    const a = series(figures, current, f.figure);
    const b = series(referenceFigures, reference, f.figure);
    // Decided from the repetitions themselves, never from a stored estimate that may disagree with them.
    const measuredA = a ? present(a)[0] : [];
    const measuredB = b ? present(b)[0] : [];
    if ("optional" in f && !(measuredA.length && measuredB.length)) {
      // Not measured on one side (no /proc here, or a result saved before the figure): said, not gated.
      out.push(
        gateNotMeasured(
          f.figure,
          current,
          reference,
          f.better,
          measuredA.length ? "the reference" : "this run",
          maxRegression,
        ),
      );
      continue;
    }
    if (!a || !b || !measuredA.length || !measuredB.length) {
      // No values on a side (every repetition failed): not compared, and said, never left out.
      out.push(gateUndecided(f.figure, current, reference, f.better, measuredA, measuredB, maxRegression));
      continue;
    }
    if (f.exact) {
      const [x, y] = [measuredA, measuredB];
      out.push(
        Math.min(x.length, y.length) >= MIN_GATED && usable(x) && usable(y)
          ? gateExact(f.figure, current, reference, round2(median(x)), round2(median(y)), 0.01, maxRegression)
          : gateUndecided(f.figure, current, reference, f.better, x, y, maxRegression),
      );
      continue;
    }
    const { x, y, clusters, referenceClusters } = paired ? pairedSides(a, b) : unpairedSides(a, b);
    // Failed repetitions are dropped: what is left must still be enough for an interval.
    const estimate =
      Math.min(x.length, y.length) >= MIN_GATED
        ? bootstrapRatio(x, y, { seed, paired, clusters, referenceClusters })
        : null;
    out.push(
      estimate
        ? gateRatio(f.figure, current, reference, f.better, estimate, maxRegression)
        : gateUndecided(f.figure, current, reference, f.better, x, y, maxRegression),
    );
  }
  return out;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The sustainable throughput of a sweep: the highest offered rate whose step completed at least
 * 99% of its planned jobs within the window with p99 enqueue-to-start at or under `boundMs`, with
 * every valid step below it passing too. Steps where the generator fell behind are skipped: they
 * neither prove nor refute a rate.
 */
export function sustainableRate(steps: readonly OpenStep[], boundMs: number): number | null {
  let best: number | null = null;
  for (const s of [...steps].sort((a, b) => a.offeredPerSec - b.offeredPerSec)) {
    if (!s.valid) continue;
    const ok = s.notDonePct <= 1 && s.enqueueToStart !== null && s.enqueueToStart.p99 <= boundMs;
    if (!ok) break;
    best = s.offeredPerSec;
  }
  return best;
}

/** The sweep's rates: factors of the measured drain rate, whole jobs per second, distinct, ascending. */
export function sweepRates(capacityPerSec: number, factors: readonly number[]): number[] {
  return [...new Set(factors.map((f) => Math.max(1, Math.round(capacityPerSec * f))))].sort((a, b) => a - b);
}

export function sweepCriterion(boundMs: number): SweepResult["criterion"] {
  return `≥ 99% of planned jobs completed within the window and p99 enqueue-to-start ≤ ${boundMs} ms, generator on time`;
}

/** The verdict: fail on a problem or a failed gate, unknown when interrupted. */
export function benchVerdict(
  result: Pick<BenchResult, "problems" | "gate">,
  interrupted: boolean,
): BenchResult["verdict"] {
  if (interrupted) return "unknown";
  if (result.problems.length) return "fail";
  if (result.gate.results.some((g) => !g.pass)) return "fail";
  // A gate asked for that judged nothing has not shown the build is no slower.
  return result.gate.mode !== "none" && result.gate.results.length === 0 ? "unknown" : "pass";
}

export { median };
