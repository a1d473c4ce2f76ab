import { describe, expect, it } from "vitest";
import type { BenchCellResult, BenchResult } from "../../harness/bench/benchResult.ts";
import { actionBenchmarkEntries } from "../../harness/bench/benchViews.ts";
import { compareBench, renderComparison } from "../../harness/bench/compare.ts";
import { hdrPercentiles, spread } from "../../harness/bench/stats.ts";

function cell(id: string, jobsPerSec: number): BenchCellResult {
  return {
    id,
    setup: { processes: 1, workersPerProcess: 2 },
    cell: { shape: "drain", mix: "plain", backlog: 100 },
    jobsPerSec: spread([jobsPerSec * 0.95, jobsPerSec, jobsPerSec * 1.05]),
    notCompletedPct: null,
    latency: { enqueueToStart: hdrPercentiles([10, 20, 30]), runTime: null, enqueueToComplete: null },
    http: null,
  };
}

function bench(cells: BenchCellResult[], efficiency = 0.6): BenchResult {
  return {
    schemaVersion: 1,
    kind: "bench",
    matrix: "quick",
    verdict: "pass",
    problems: [],
    startedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 1,
    repeats: 3,
    settings: { pollIntervalMs: 100, lockTimeoutMs: 30000, jobDurationMs: 0 },
    environment: {
      node: "v20",
      driver: "6",
      scheduler: "1.2.4",
      schedulerSource: null,
      platform: "linux-x64",
      cpus: 2,
    },
    server: { provider: "standin", version: "5.0.0", isMongoDB: false },
    setups: [
      {
        setup: { processes: 1, workersPerProcess: 2 },
        schedulerJobsPerSec: null,
        rawClaimJobsPerSec: null,
        ledgerOffJobsPerSec: null,
        efficiency,
        ledgerOverhead: 0.99,
        enqueue: null,
        headroom: null,
        eventLoopDelayMs: null,
      },
    ],
    cells,
  };
}

describe("bench comparison", () => {
  const current = bench([cell("drain/plain/100/1x2", 400), cell("drain/limited/100/1x2", 200)]);

  it("passes a run compared with itself", () => {
    const c = compareBench(current, current, 0.35);
    expect(c.regressions).toEqual([]);
    expect(c.rows.filter((r) => r.gated).every((r) => r.ratio === 1)).toBe(true);
  });

  it("names every cell whose throughput fell beyond the allowed regression", () => {
    const doubled = bench([cell("drain/plain/100/1x2", 800), cell("drain/limited/100/1x2", 250)]);
    const c = compareBench(doubled, current, 0.35);
    expect(c.regressions.map((r) => r.id)).toEqual(["drain/plain/100/1x2"]);
  });

  it("gates the efficiency against the raw claim loop, and reports cells the run lacks", () => {
    const c = compareBench(bench([cell("drain/gone/1/1x1", 1)], 0.9), bench([], 0.5), 0.35);
    expect(c.missing).toEqual(["drain/gone/1/1x1"]);
    expect(c.regressions.map((r) => r.metric)).toEqual(["efficiency vs raw claim"]);
  });

  it("keeps a row whose baseline is 0: a not-completed share of 0 % is the value to compare with", () => {
    const share = (pct: number) => ({ ...cell("drain/plain/100/1x2", 400), notCompletedPct: spread([pct]) });
    const c = compareBench(bench([share(0)]), bench([share(2.5)]), 0.35);
    const row = c.rows.find((r) => r.metric === "not completed %");
    expect(row).toMatchObject({ baseline: 0, current: 2.5, ratio: null, gated: false });
    expect(renderComparison(c, 0.35)).toContain("not completed %: 0 → 2.5 (was 0)");
    const same = compareBench(bench([share(0)]), bench([share(0)]), 0.35);
    expect(renderComparison(same, 0.35)).toContain("not completed %: 0 → 0 (same)");
  });
});

describe("bench figures", () => {
  it("reports median, range and spread of repetitions", () => {
    expect(spread([100, 120, 110])).toMatchObject({ median: 110, min: 100, max: 120, spreadPct: 18.2 });
    expect(spread([])).toBeNull();
  });

  it("reads percentiles from an HDR histogram", () => {
    const p = hdrPercentiles(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(p).toMatchObject({ count: 100, p50: 50, p99: 99, max: 100 });
  });

  it("writes github-action-benchmark entries: throughput bigger-is-better, latency smaller-is-better", () => {
    const { bigger, smaller } = actionBenchmarkEntries(bench([cell("drain/plain/100/1x2", 400)]));
    expect(bigger[0]).toMatchObject({ name: "drain/plain/100/1x2 throughput", unit: "jobs/s", value: 400 });
    expect(smaller[0]).toMatchObject({ name: "drain/plain/100/1x2 enqueue to start p99", unit: "ms" });
    for (const e of [...bigger, ...smaller]) expect(typeof e.value).toBe("number");
  });
});
