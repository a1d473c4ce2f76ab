import { build } from "hdr-histogram-js";

/** Median and range of a figure over a cell's repetitions. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** (max − min) / median, in percent. */
  spreadPct: number;
  runs: number[];
}

export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2
      ? (sorted[Math.floor(mid)] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    median: r(median),
    min: r(min),
    max: r(max),
    spreadPct: median ? r(((max - min) / median) * 100) : 0,
    runs: values.map(r),
  };
}

/** Latency percentiles from an HDR histogram (ms, 3 significant digits). */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * Records values (ms, rounded to whole ms) in an HDR histogram and reads its percentiles. A negative
 * value is a bookkeeping bug upstream and throws; nothing is clamped.
 */
export function hdrPercentiles(valuesMs: readonly number[]): Percentiles | null {
  if (valuesMs.length === 0) return null;
  const h = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const v of valuesMs) {
    if (!(v >= 0)) throw new Error(`harness bug: a latency of ${v} ms reached the histogram`);
    h.recordValue(Math.round(v));
  }
  const out = {
    count: valuesMs.length,
    p50: h.getValueAtPercentile(50),
    p95: h.getValueAtPercentile(95),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
  };
  h.destroy();
  return out;
}
