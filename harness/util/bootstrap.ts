/**
 * The pieces of a percentile bootstrap that any figure can use: the interval of resampled
 * statistics, and a moving-block bootstrap for a statistic of a series whose neighbouring values are
 * not independent (samples of a process over time). The bench's bootstraps of repeated measurements
 * (bench/stats/bootstrap.ts) build on the same interval.
 */
import { seededRandom } from "./rng.ts";

/** The q-quantile (0–1) of sorted values, interpolated linearly. */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/**
 * The percentile interval of resampled statistics (sorted in place), moved so that their median
 * sits on the estimate (resamples may be centred elsewhere than the estimate).
 */
export function percentileInterval(stats: number[], confidence: number, estimate: number): [number, number] {
  stats.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  const shift = estimate - quantile(stats, 0.5);
  return [quantile(stats, tail) + shift, quantile(stats, 1 - tail) + shift];
}

export interface BlockBootstrapOptions {
  seed: number;
  /** Resamples drawn; 1,000 by default. */
  iterations?: number;
  /** 0.95 by default. */
  confidence?: number;
  /** Consecutive items per block; default the cube root of n, rounded up (Hall, Horowitz & Jing 1995). */
  blockLength?: number;
}

/**
 * `statistic` of the items 0…n−1 of a series, with a moving-block bootstrap interval: each
 * resample strings together blocks of consecutive items drawn at random (with replacement) until it
 * has n, so that the dependence between neighbours survives inside each block. The statistic gets
 * the items' indices, in resample order. Null when there are fewer than two items.
 */
export function blockBootstrap(
  n: number,
  statistic: (indices: readonly number[]) => number,
  options: BlockBootstrapOptions,
): { estimate: number; ci: [number, number]; n: number } | null {
  if (n < 2) return null;
  const all = Array.from({ length: n }, (_, i) => i);
  const estimate = statistic(all);
  const block = Math.min(n, Math.max(1, options.blockLength ?? Math.ceil(Math.cbrt(n))));
  const random = seededRandom(options.seed);
  const stats: number[] = [];
  for (let r = 0; r < (options.iterations ?? 1000); r++) {
    const picked: number[] = [];
    while (picked.length < n) {
      const from = Math.floor(random() * (n - block + 1));
      for (let k = 0; k < block && picked.length < n; k++) picked.push(from + k);
    }
    const value = statistic(picked);
    if (Number.isFinite(value)) stats.push(value);
  }
  if (stats.length === 0) return { estimate, ci: [estimate, estimate], n };
  return { estimate, ci: percentileInterval(stats, options.confidence ?? 0.95, estimate), n };
}

/** The least-squares slope of y on x over the given indices (NaN when the x do not vary). */
export function slope(x: readonly number[], y: readonly number[], indices: readonly number[]): number {
  let sx = 0;
  let sy = 0;
  for (const i of indices) {
    sx += x[i] as number;
    sy += y[i] as number;
  }
  const mx = sx / indices.length;
  const my = sy / indices.length;
  let sxy = 0;
  let sxx = 0;
  for (const i of indices) {
    const dx = (x[i] as number) - mx;
    sxy += dx * ((y[i] as number) - my);
    sxx += dx * dx;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}
