import type { BenchResult } from "./benchResult.ts";

/** One figure of one cell, before and after. */
export interface ComparisonRow {
  id: string;
  metric: string;
  baseline: number;
  current: number;
  /** current / baseline; null when the baseline is 0 (a not-completed share of 0 %, say). */
  ratio: number | null;
  /** Gated figures only: beyond the allowed regression. */
  regressed: boolean;
  gated: boolean;
}

export interface Comparison {
  rows: ComparisonRow[];
  /** Cells in the baseline that the current run lacks (a changed matrix): reported, not failed. */
  missing: string[];
  regressions: ComparisonRow[];
}

/**
 * Compares two bench results cell by cell. Throughput (drain jobs/s, and the efficiency against
 * the raw claim loop) is gated: a median below baseline × (1 − maxRegression) is a regression.
 * Latency p99 and the not-completed share are shown beside it, ungated, since on shared machines
 * they move far more than throughput does.
 */
export function compareBench(baseline: BenchResult, current: BenchResult, maxRegression: number): Comparison {
  const rows: ComparisonRow[] = [];
  const missing: string[] = [];
  const byId = new Map(current.cells.map((c) => [c.id, c]));
  const push = (id: string, metric: string, b: number | undefined, c: number | undefined, gated: boolean) => {
    if (b === undefined || c === undefined) return;
    const ratio = b === 0 ? null : Math.round((c / b) * 1000) / 1000;
    rows.push({
      id,
      metric,
      baseline: b,
      current: c,
      ratio,
      gated,
      regressed: gated && c < b * (1 - maxRegression),
    });
  };
  for (const b of baseline.cells) {
    const c = byId.get(b.id);
    if (!c) {
      missing.push(b.id);
      continue;
    }
    push(b.id, "jobs/s", b.jobsPerSec?.median, c.jobsPerSec?.median, true);
    push(
      b.id,
      "enqueue to start p99 ms",
      b.latency.enqueueToStart?.p99,
      c.latency.enqueueToStart?.p99,
      false,
    );
    push(b.id, "not completed %", b.notCompletedPct?.median, c.notCompletedPct?.median, false);
  }
  for (const b of baseline.setups) {
    const key = `${b.setup.processes}x${b.setup.workersPerProcess}`;
    const c = current.setups.find(
      (s) =>
        s.setup.processes === b.setup.processes && s.setup.workersPerProcess === b.setup.workersPerProcess,
    );
    push(
      `setup ${key}`,
      "efficiency vs raw claim",
      b.efficiency ?? undefined,
      c?.efficiency ?? undefined,
      true,
    );
  }
  return { rows, missing, regressions: rows.filter((r) => r.regressed) };
}

/** The comparison as lines for the terminal. */
export function renderComparison(comparison: Comparison, maxRegression: number): string {
  const lines = comparison.rows.map(
    (r) =>
      `${r.regressed ? "REGRESSED" : r.gated ? "ok       " : "info     "} ${r.id} ${r.metric}: ${r.baseline} → ${r.current} (${r.ratio === null ? (r.current === 0 ? "same" : "was 0") : `${((r.ratio - 1) * 100).toFixed(1)}%`})`,
  );
  for (const m of comparison.missing) lines.push(`missing   ${m}: in the baseline, not in this run`);
  lines.push(
    comparison.regressions.length
      ? `${comparison.regressions.length} figure(s) regressed by more than ${(maxRegression * 100).toFixed(0)}%: ${comparison.regressions.map((r) => `${r.id} ${r.metric}`).join(", ")}`
      : `no figure regressed by more than ${(maxRegression * 100).toFixed(0)}%`,
  );
  return lines.join("\n");
}
