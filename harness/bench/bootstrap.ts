import { seededRandom } from "./random.ts";

/** A median with its bootstrap confidence interval. */
export interface Estimate {
  median: number;
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

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export interface BootstrapOptions {
  seed: number;
  /** Resamples drawn; 2,000 by default. */
  iterations?: number;
  /** 0.95 by default. */
  confidence?: number;
}

function interval(stats: number[], confidence: number): [number, number] {
  stats.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return [quantile(stats, tail), quantile(stats, 1 - tail)];
}

/** The median of `values` with a seeded percentile-bootstrap interval; null when there are none. */
export function bootstrapMedian(values: readonly number[], options: BootstrapOptions): Estimate | null {
  if (values.length === 0) return null;
  const random = seededRandom(options.seed);
  const stats: number[] = [];
  const sample = new Array<number>(values.length);
  for (let i = 0; i < (options.iterations ?? 2000); i++) {
    for (let j = 0; j < values.length; j++)
      sample[j] = values[Math.floor(random() * values.length)] as number;
    stats.push(median(sample));
  }
  return { median: median(values), ci: interval(stats, options.confidence ?? 0.95), n: values.length };
}

/**
 * The ratio current / reference with a seeded bootstrap interval. Paired (equal counts, repetition k
 * of both run side by side in one block): the median of the per-pair ratios, resampling pairs, so a
 * load swing that hit both halves of a pair cancels. Unpaired (a saved baseline): the ratio of the
 * medians, resampling each side on its own.
 */
export function bootstrapRatio(
  current: readonly number[],
  reference: readonly number[],
  options: BootstrapOptions & { paired: boolean },
): Estimate | null {
  if (current.length === 0 || reference.length === 0) return null;
  if (reference.some((v) => v === 0)) return null;
  if (options.paired) {
    if (current.length !== reference.length)
      throw new Error(`paired ratio of ${current.length} and ${reference.length} values`);
    return bootstrapMedian(
      current.map((c, i) => c / (reference[i] as number)),
      options,
    );
  }
  const random = seededRandom(options.seed);
  const stats: number[] = [];
  const draw = (values: readonly number[]) =>
    median(Array.from(values, () => values[Math.floor(random() * values.length)] as number));
  for (let i = 0; i < (options.iterations ?? 2000); i++) stats.push(draw(current) / draw(reference));
  return {
    median: median(current) / median(reference),
    ci: interval(stats, options.confidence ?? 0.95),
    n: Math.min(current.length, reference.length),
  };
}
