import { percentileInterval } from "../../util/bootstrap.ts";
import { seededRandom } from "../../util/rng.ts";

/** A point estimate with its bootstrap confidence interval. */
export interface Estimate {
  /**
   * The point estimate: the median of the values, or for a paired ratio its pseudo-median (see
   * `estimator`). Named `median` because every saved result reads it so.
   */
  median: number;
  /** Absent: the plain median. "pseudo-median": the Hodges–Lehmann estimate of paired ratios. */
  estimator?: "pseudo-median";
  /** Lower and upper bound of the interval (percentile bootstrap). */
  ci: [number, number];
  n: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The Hodges–Lehmann estimate of location: the median of the means of every pair of values (each
 * value paired with itself too), the pseudo-median that Wilcoxon's signed-rank test estimates. It
 * resists wild values (about 29% of them can be arbitrarily wrong before it follows them; the
 * median resists 50%) and is nearly as precise as the mean on well-behaved noise (95% of the
 * mean's efficiency under normal noise; the median has 64%). n(n+1)/2 averages, the middle ones
 * picked by selection, not a sort.
 */
export function pseudoMedian(values: readonly number[]): number {
  const n = values.length;
  if (n === 0) throw new Error("pseudo-median of no values");
  const walsh = new Float64Array((n * (n + 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) walsh[k++] = ((values[i] as number) + (values[j] as number)) / 2;
  const mid = walsh.length >> 1;
  const upper = select(walsh, mid);
  if (walsh.length % 2) return upper;
  // After selecting `mid`, everything before it is ≤ it: the lower middle is their largest.
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < mid; i++) if ((walsh[i] as number) > lower) lower = walsh[i] as number;
  return (lower + upper) / 2;
}

/** The k-th smallest of `a` (0-based), partially reordering `a` (Hoare's selection). */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}

export interface BootstrapOptions {
  seed: number;
  /** Resamples drawn; 2,000 by default. */
  iterations?: number;
  /** 0.95 by default. */
  confidence?: number;
  /**
   * The fork (fresh set of worker processes) each value was measured in, same length as the values.
   * Values of one fork share that process's state (its compiled code, its heap, its place in
   * memory), so they are not independent draws: the bootstrap resamples forks first, then values
   * within each drawn fork (see `resamplerOf`), and the interval covers process-to-process
   * variance. Without it every value is its own fork.
   */
  clusters?: readonly number[];
}

/** The values' indices grouped by cluster, in first-seen order; every value its own group without clusters. */
function groupsOf(n: number, clusters: readonly number[] | undefined): number[][] {
  if (!clusters) return Array.from({ length: n }, (_, i) => [i]);
  if (clusters.length !== n) throw new Error(`${clusters.length} cluster ids for ${n} values`);
  const byId = new Map<number, number[]>();
  clusters.forEach((c, i) => {
    const g = byId.get(c);
    if (g) g.push(i);
    else byId.set(c, [i]);
  });
  return [...byId.values()];
}

const mean = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

/** Draws one bootstrap resample of the values (as many values as there are). */
type Resampler = (random: () => number) => number[];

/**
 * How the values are resampled. Without fork information (every value its own fork): the plain
 * bootstrap, values with replacement, their deviations from the mean scaled by √(n/(n−1)).
 *
 * With forks: a two-stage resample whose spread matches the data's two sources of variance
 * (Davison & Hinkley, *Bootstrap Methods and their Application*, 1997, §3.8). Drawing forks with
 * replacement and then values within each with replacement, as is, counts the noise within a fork
 * twice (the fork means already carry it): with 3 forks × 8 pairs and no real fork effect its
 * intervals were half as wide again as they should be. Instead each value is split into its fork's
 * mean and its residual; the variance between forks (σ²_b) and within them (σ²_w) are estimated by
 * one-way ANOVA (σ²_b truncated at 0); a resample draws a fork, places it at the grand mean plus its
 * offset shrunk by c, and adds residuals drawn from that fork scaled by √(n/(n−1)), where c makes the
 * offsets' spread σ²_b. The resampled mean then varies by σ²_b/F + σ²_w/(F·n) in expectation,
 * which is the estimate's true variance. With few forks σ²_b is itself uncertain, and the interval
 * undercovers when forks differ much more than their drains do (coverage simulated in
 * docs/findings/bench.md, simulated coverage of the intervals).
 */
function resamplerOf(values: readonly number[], forkGroups: readonly number[][]): Resampler {
  const n = values.length;
  // No fork information (every value its own fork): one group, whose residuals scaled by √(n/(n−1))
  // are the plain bootstrap with its known shortfall for n values undone.
  const groups = forkGroups.every((g) => g.length === 1) ? [values.map((_, i) => i)] : forkGroups;
  const forks = groups.length;
  const grand = mean(values);
  const members = groups.map((g) => g.map((i) => values[i] as number));
  const means = members.map(mean);
  const residuals = members.map((m, f) => m.map((v) => v - (means[f] as number)));
  const within = residuals.flat().reduce((a, r) => a + r * r, 0) / (n - forks);
  let between = 0;
  if (forks > 1) {
    const sizes = members.map((m) => m.length);
    const n0 = (n - sizes.reduce((a, k) => a + k * k, 0) / n) / (forks - 1);
    const meanSquare =
      means.reduce((a, m, f) => a + (sizes[f] as number) * (m - grand) ** 2, 0) / (forks - 1);
    between = Math.max(0, (meanSquare - within) / n0);
  }
  const spread = means.reduce((a, m) => a + (m - grand) ** 2, 0) / forks;
  const shrink = spread > 0 ? Math.sqrt(between / spread) : 0;
  return (random) => {
    const out: number[] = [];
    for (let c = 0; c < forks; c++) {
      const f = Math.floor(random() * forks);
      const r = residuals[f] as number[];
      const centre = grand + shrink * ((means[f] as number) - grand);
      const scale = r.length > 1 ? Math.sqrt(r.length / (r.length - 1)) : 0;
      for (let j = 0; j < r.length; j++)
        out.push(centre + scale * (r[Math.floor(random() * r.length)] as number));
    }
    return out;
  };
}

/** `statistic` of `values` with a seeded (cluster) percentile-bootstrap interval. */
function bootstrapStatistic(
  values: readonly number[],
  statistic: (v: readonly number[]) => number,
  options: BootstrapOptions,
): Estimate {
  const random = seededRandom(options.seed);
  const draw = resamplerOf(values, groupsOf(values.length, options.clusters));
  const stats: number[] = [];
  for (let i = 0; i < (options.iterations ?? 2000); i++) stats.push(statistic(draw(random)));
  const m = statistic(values);
  return { median: m, ci: percentileInterval(stats, options.confidence ?? 0.95, m), n: values.length };
}

/** The median of `values` with a seeded percentile-bootstrap interval; null when there are none. */
export function bootstrapMedian(values: readonly number[], options: BootstrapOptions): Estimate | null {
  return values.length === 0 ? null : bootstrapStatistic(values, median, options);
}

/** A finite number above 0: what every figure of a working drain is, and what a ratio needs. */
export const usableValue = (v: number): boolean => Number.isFinite(v) && v > 0;

/** Every value usable (see `usableValue`). */
export function usable(values: readonly number[]): boolean {
  return values.every(usableValue);
}

/**
 * The ratio current / reference with a seeded bootstrap interval. Paired (equal counts, repetition k
 * of both run side by side in one block): the pseudo-median of the per-pair ratios, taken on their
 * logarithms (so A/B and B/A are exact reciprocals), resampling pairs (by fork, then within it), so
 * a load swing that hit both halves of a pair cancels. Unpaired (a saved baseline): the ratio of
 * the medians, resampling each side on its own (`referenceClusters` are the reference's forks).
 */
export function bootstrapRatio(
  current: readonly number[],
  reference: readonly number[],
  options: BootstrapOptions & { paired: boolean; referenceClusters?: readonly number[] },
): Estimate | null {
  if (current.length === 0 || reference.length === 0) return null;
  // Every figure is a positive rate or cost: a 0, a negative or a non-number on either side is a
  // failed measurement, and no ratio (or a log of 0) may quietly stand in for it.
  if (!usable(current) || !usable(reference)) return null;
  if (options.paired) {
    if (current.length !== reference.length)
      throw new Error(`paired ratio of ${current.length} and ${reference.length} values`);
    const logs = bootstrapStatistic(
      current.map((c, i) => Math.log(c / (reference[i] as number))),
      pseudoMedian,
      options,
    );
    return {
      median: Math.exp(logs.median),
      estimator: "pseudo-median",
      ci: [Math.exp(logs.ci[0]), Math.exp(logs.ci[1])],
      n: logs.n,
    };
  }
  const random = seededRandom(options.seed);
  const drawCurrent = resamplerOf(current, groupsOf(current.length, options.clusters));
  const drawReference = resamplerOf(reference, groupsOf(reference.length, options.referenceClusters));
  const stats: number[] = [];
  for (let i = 0; i < (options.iterations ?? 2000); i++)
    stats.push(median(drawCurrent(random)) / median(drawReference(random)));
  const ratio = median(current) / median(reference);
  return {
    median: ratio,
    ci: percentileInterval(stats, options.confidence ?? 0.95, ratio),
    n: Math.min(current.length, reference.length),
  };
}
