import { describe, expect, it } from "vitest";
import { commandsPerJob, type OpenStep, rate10to90 } from "../../harness/bench/measure/trials.ts";
import { quickMatrix } from "../../harness/bench/model/matrix.ts";
import { chooseVariants } from "../../harness/bench/model/variants.ts";
import type { BenchResult, FigureSeries } from "../../harness/bench/result.ts";
import { bootstrapMedian } from "../../harness/bench/stats/bootstrap.ts";
import { compareWithBaseline, renderGate } from "../../harness/bench/stats/compare.ts";
import { hdrPercentiles } from "../../harness/bench/stats/percentiles.ts";
import {
  benchRatios,
  benchVerdict,
  gateVersus,
  sustainableRate,
  sweepRates,
} from "../../harness/bench/stats/summarize.ts";
import { actionBenchmarkEntries, renderBench } from "../../harness/bench/views/benchViews.ts";
import { mainThreadCpuUs } from "../../harness/processes/workerStats.ts";

function series(variant: string, figure: FigureSeries["figure"], runs: number[]): FigureSeries {
  const better = figure === "drain jobs/s" ? "higher" : "lower";
  return {
    figure,
    variant,
    unit: "",
    better,
    exact: figure === "commands/job",
    runs,
    estimate: bootstrapMedian(runs, { seed: 1 }),
  };
}

function bench(variant: string, jobsPerSec: number[], cpu: number[], commands = 3): BenchResult {
  return {
    schemaVersion: 2,
    kind: "bench",
    matrix: "quick",
    seed: 1,
    verdict: "pass",
    problems: [],
    startedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 1,
    settings: { ...quickMatrix, arrivals: "constant" },
    environment: {
      node: "v20",
      driver: "6",
      scheduler: "1.2.4",
      schedulerSource: null,
      platform: "linux-x64",
      cpus: 2,
    },
    server: { provider: "standin", version: "5.0.0", isMongoDB: false },
    fingerprint: {
      provider: "standin",
      serverVersion: "5.0.0",
      cpuModel: "X",
      cpuCount: 2,
      node: "v20",
      driver: "6",
    },
    variants: chooseVariants({ suts: [variant], versusPath: null, currentPath: null }).slice(0, 1),
    order: [],
    figures: [
      series(variant, "drain jobs/s", jobsPerSec),
      series(variant, "worker CPU ms/job", cpu),
      series(
        variant,
        "commands/job",
        jobsPerSec.map(() => commands),
      ),
    ],
    ratios: [],
    idle: [],
    open: [],
    headroom: null,
    sweep: null,
    scaling: null,
    gate: {
      mode: "none",
      against: null,
      aa: false,
      maxRegression: 0.1,
      results: [],
      noiseFloor: [],
      warnings: [],
    },
  };
}

const mjs = "mongo-job-scheduler";

describe("gating on a saved baseline", () => {
  const base = bench(mjs, [400, 410, 395, 405, 402], [2, 2.05, 1.98, 2.01, 2]);

  it("passes a run compared with itself", () => {
    const c = compareWithBaseline(base, base, 0.1, false);
    expect(c.refused).toBeNull();
    expect(c.results.map((g) => g.pass)).toEqual([true, true, true, true]);
  });

  it("says a figure one side did not measure is not gated, instead of leaving it out", () => {
    const withMain = structuredClone(base);
    withMain.figures.push(series(mjs, "main-thread CPU ms/job", [1.2, 1.25, 1.21, 1.3, 1.22]));
    const c = compareWithBaseline(base, withMain, 0.1, false);
    const main = c.results.find((g) => g.figure === "main-thread CPU ms/job");
    expect(main?.pass).toBe(true);
    expect(main?.reason).toMatch(/not measured in the reference .*not gated/);
    expect(renderGate(c.results, c.warnings, 0.1)).toContain("NOT GATED mongo-job-scheduler vs");
    const both = compareWithBaseline(withMain, withMain, 0.1, false);
    expect(both.results.find((g) => g.figure === "main-thread CPU ms/job")?.ratio).toBe(1);
    const slower = structuredClone(withMain);
    (slower.figures.at(-1) as FigureSeries).runs = [1.5, 1.55, 1.52, 1.6, 1.51];
    (slower.figures.at(-1) as FigureSeries).estimate = bootstrapMedian([1.5, 1.55, 1.52, 1.6, 1.51], {
      seed: 1,
    });
    expect(
      compareWithBaseline(withMain, slower, 0.1, false).results.find(
        (g) => g.figure === "main-thread CPU ms/job",
      )?.pass,
    ).toBe(false);
  });

  it("fails a clearly slower run on throughput and CPU, and a run with one more command per job exactly", () => {
    const slow = bench(mjs, [300, 310, 305, 298, 302], [2.6, 2.7, 2.65, 2.62, 2.66], 4);
    const c = compareWithBaseline(base, slow, 0.1, false);
    expect(c.results.filter((g) => !g.pass).map((g) => g.figure)).toEqual([
      "drain jobs/s",
      "worker CPU ms/job",
      "commands/job",
    ]);
  });

  it("judges commands per job from its repetitions, not a stored estimate, and fails a rise of exactly 0.01", () => {
    const withCommands = (runs: number[], stale?: number) => {
      const r = structuredClone(base);
      const f = r.figures.find((x) => x.figure === "commands/job") as FigureSeries;
      f.runs = runs;
      if (stale !== undefined) f.estimate = { median: stale, ci: [stale, stale], n: runs.length };
      return r;
    };
    const commands = (r: BenchResult) =>
      compareWithBaseline(base, r, 0.1, false).results.find((g) => g.figure === "commands/job");
    // The estimate still says 3; the repetitions say 4.
    expect(commands(withCommands([4, 4, 4, 4, 4], 3))?.pass).toBe(false);
    expect(commands(withCommands([3.01, 3.01, 3.01, 3.01, 3.01]))?.pass).toBe(false);
    expect(commands(withCommands([3.004, 3.004, 3.004, 3.004, 3.004]))?.pass).toBe(true);
    for (const runs of [
      [0, 0, 0, 0, 0],
      [-1, -1, -1, -1, -1],
      [3, 3, 3],
    ]) {
      expect(commands(withCommands(runs))?.pass).toBe(false);
      expect(commands(withCommands(runs))?.reason).toMatch(/not compared/);
    }
  });

  it("gates an optional figure whose repetitions are there even if its stored estimate is not", () => {
    const withMain = (runs: number[]) => {
      const r = structuredClone(base);
      r.figures.push({ ...series(mjs, "main-thread CPU ms/job", runs), estimate: null });
      return r;
    };
    const c = compareWithBaseline(
      withMain([1, 1.02, 0.99, 1, 1.01]),
      withMain([10, 10.2, 9.9, 10, 10.1]),
      0.1,
      false,
    );
    expect(c.results.find((g) => g.figure === "main-thread CPU ms/job")?.pass).toBe(false);
  });

  it("says when nothing was gated, and when a run's own verdict failed", () => {
    const none = { ...structuredClone(base), variants: [] };
    const c = compareWithBaseline(base, none, 0.1, false);
    expect(c.results).toEqual([]);
    expect(c.warnings).toContain("the current run has no compared variant: nothing to gate");
    expect(renderGate(c.results, c.warnings, 0.1)).toMatch(/nothing was gated$/);
    const gate = { ...base.gate, mode: "baseline" as const, results: [] };
    expect(benchVerdict({ problems: [], gate }, false)).toBe("unknown");
    expect(benchVerdict({ problems: [], gate: base.gate }, false)).toBe("pass");
    const failed = {
      ...structuredClone(base),
      verdict: "fail" as const,
      problems: ["2 jobs executed twice"],
    };
    expect(compareWithBaseline(base, failed, 0.1, false).warnings).toContain(
      "the current run's own verdict is FAIL (2 jobs executed twice); compare gates its speed only",
    );
  });

  it("refuses a baseline from another environment unless forced, and warns either way", () => {
    const other = { ...base, fingerprint: { ...base.fingerprint, cpuCount: 8 } };
    expect(compareWithBaseline(other, base, 0.1, false).refused).toMatch(/cpuCount: 8 ≠ 2/);
    const forced = compareWithBaseline(other, base, 0.1, true);
    expect(forced.refused).toBeNull();
    expect(forced.warnings[0]).toMatch(/another environment/);
  });
});

describe("A/B gating in one run", () => {
  it("pairs repetitions: a 15% slower build under a load that swings ±40% is still caught", () => {
    const load = [1, 0.6, 1.4, 0.8, 1.2];
    const figures = [
      series(
        "a",
        "drain jobs/s",
        load.map((l) => 400 * l * 0.85),
      ),
      series(
        "b",
        "drain jobs/s",
        load.map((l) => 400 * l),
      ),
    ];
    const gates = gateVersus(figures, "a", "b", 0.1, 1, true);
    expect(gates[0]?.pass).toBe(false);
    expect(gates[0]?.ratio).toBeCloseTo(0.85);
    const unpaired = gateVersus(figures, "a", "b", 0.1, 1, false);
    expect(unpaired[0]?.pass).toBe(true);
  });

  it("never drops a figure whose reference is 0, that has too few repetitions, or that is missing: it is named and fails the gate", () => {
    const figures = [
      series("a", "drain jobs/s", [300, 310, 290, 305, 295]),
      series("b", "drain jobs/s", [300, 0, 290, 300, 300]),
      series("a", "worker CPU ms/job", [2, 2, 2]),
      series("b", "worker CPU ms/job", [2, 2, 2]),
    ];
    const all = gateVersus(figures, "a", "b", 0.1, 1, true);
    // The main thread's figure, absent from both, is said to be not gated; the rest are undecided.
    expect(all.map((g) => [g.figure, g.pass])).toEqual([
      ["drain jobs/s", false],
      ["worker CPU ms/job", false],
      ["main-thread CPU ms/job", true],
      ["commands/job", false],
    ]);
    expect(all[0]?.reason).toMatch(
      /not compared \(a value of 0, below 0 or not a number in 0 of 5 runs of the current side and 1 of 5 of the reference\)/,
    );
    expect(all[1]?.reason).toMatch(/only 3 repetitions measured .* an interval needs 5/);
    expect(all[3]?.reason).toMatch(/no values on the current side/);
    expect(renderGate(all.slice(0, 1), [], 0.1)).toMatch(/UNDECIDED a vs b drain jobs\/s: .*not compared/);
    const twin = gateVersus(
      [
        series("a", "drain jobs/s", [300, 310, 290, 305, 295]),
        series("b", "drain jobs/s", [300, 305, 290, 300, 300]),
      ],
      "a",
      "b",
      0.1,
      1,
      true,
    );
    expect(twin[0]?.pass).toBe(true);
  });

  it("computes efficiency against both raw loops and the ledger's cost from paired repetitions", () => {
    const variants = chooseVariants({ suts: [mjs], versusPath: null, currentPath: null });
    expect(variants.map((v) => v.id)).toEqual([mjs, `${mjs}+ledger`, "raw-claim", "raw-claim+read"]);
    const figures = [
      series(mjs, "drain jobs/s", [300, 300]),
      series("raw-claim", "drain jobs/s", [600, 600]),
      series("raw-claim+read", "drain jobs/s", [400, 400]),
      series(`${mjs}+ledger`, "drain jobs/s", [270, 270]),
    ];
    const rows = benchRatios(figures, variants, 1);
    expect(rows.map((r) => [r.label, r.estimate?.median])).toEqual([
      ["efficiency vs raw claim", 0.5],
      ["efficiency vs raw claim + read", 0.75],
      ["ledger on / off, throughput", 0.9],
    ]);
  });

  it("runs the current and the versus build only, ledger off, with --versus", () => {
    const v = chooseVariants({ suts: [mjs], versusPath: "/tmp/slow", currentPath: null });
    expect(v.map((x) => [x.id, x.schedulerPath, x.ledger])).toEqual([
      [mjs, null, false],
      [`${mjs}@versus`, "/tmp/slow", false],
    ]);
  });
});

describe("bench figures", () => {
  it("times a drain from the 10% to the 90% completion", () => {
    const times = Array.from({ length: 100 }, (_, i) => (i < 9 ? i * 100 : 1000 + (i - 9) * 10));
    expect(rate10to90(times)).toBeCloseTo(100);
    expect(rate10to90([1, 2, 3])).toBeNull();
  });

  it("takes idle polls out of commands per job", () => {
    const delta = {
      cpuMs: 0,
      mainCpuMs: 0,
      commands: 3 * 400 + 2 * 7,
      emptyClaims: 7,
      claims: 400,
      claimMs: 0,
      byName: {},
    };
    expect(commandsPerJob(delta, 2, 400)).toBe(3);
  });

  it("reads the main thread's CPU time from schedstat, and says null where it cannot", () => {
    expect(mainThreadCpuUs(() => "2500000 1000 7\n")).toBe(2500);
    expect(mainThreadCpuUs(() => "")).toBeNull();
    expect(
      mainThreadCpuUs(() => {
        throw new Error("ENOENT");
      }),
    ).toBeNull();
    if (process.platform !== "linux") return;
    const before = mainThreadCpuUs() as number;
    let x = 0;
    for (let i = 0; i < 5e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    expect((mainThreadCpuUs() as number) - before).toBeGreaterThan(1000);
  });

  it("reads percentiles from an HDR histogram, zero included, and throws on a negative latency", () => {
    const p = hdrPercentiles(Array.from({ length: 1000 }, (_, i) => i));
    expect(p).toMatchObject({ count: 1000, p50: 499, p99: 989, p999: 998, max: 999 });
    expect(() => hdrPercentiles([5, -1])).toThrow(/harness bug/);
  });

  it("writes github-action-benchmark entries: throughput bigger-is-better, costs smaller-is-better", () => {
    const { bigger, smaller } = actionBenchmarkEntries(bench(mjs, [400, 410], [2, 2]));
    expect(bigger.map((e) => e.name)).toEqual([`${mjs} drain jobs/s`]);
    expect(smaller.map((e) => e.name)).toEqual([`${mjs} worker CPU ms/job`, `${mjs} commands/job`]);
  });

  it("renders without a sweep, scaling or gate", () => {
    expect(renderBench(bench(mjs, [400], [2]))).toContain("verdict: PASS");
  });

  it("names the ratio's estimator: the pseudo-median now, the median in a result saved before it", () => {
    const row = (estimator?: "pseudo-median") => ({
      label: "ledger on / off",
      figure: "drain jobs/s" as const,
      variant: `${mjs}+ledger`,
      reference: mjs,
      estimate: {
        median: 0.9,
        ci: [0.85, 0.95] as [number, number],
        n: 15,
        ...(estimator ? { estimator } : {}),
      },
    });
    const now = { ...bench(mjs, [400], [2]), ratios: [row("pseudo-median")] };
    expect(renderBench(now)).toContain("pseudo-median of paired ratios [95% CI]");
    const old = { ...bench(mjs, [400], [2]), ratios: [row()] };
    expect(renderBench(old)).toMatch(/ median of paired ratios \[95% CI\]/);
    expect(renderBench(old)).not.toContain("pseudo-median");
  });
});

describe("the sweep", () => {
  const step = (offeredPerSec: number, notDonePct: number, p99: number, valid = true): OpenStep =>
    ({
      offeredPerSec,
      notDonePct,
      valid,
      enqueueToStart: { count: 1, p50: 1, p95: 1, p99, p999: p99, max: p99 },
    }) as OpenStep;

  it("finds the highest rate that completes ≥ 99% with p99 start under the bound, below the first failure", () => {
    const steps = [
      step(25, 0, 80),
      step(50, 0, 90),
      step(100, 0.5, 400),
      step(150, 12, 5000),
      step(200, 0, 100),
    ];
    expect(sustainableRate(steps, 1000)).toBe(100);
    expect(sustainableRate(steps, 300)).toBe(50);
  });

  it("skips steps where the generator fell behind, and finds none when the lowest rate fails", () => {
    expect(sustainableRate([step(25, 0, 80), step(50, 0, 90, false), step(100, 0, 90)], 1000)).toBe(100);
    expect(sustainableRate([step(25, 5, 80)], 1000)).toBeNull();
  });

  it("offers whole, distinct rates from the factors", () => {
    expect(sweepRates(200, [0.25, 0.5, 1, 1.5])).toEqual([50, 100, 200, 300]);
    expect(sweepRates(2, [0.1, 0.2])).toEqual([1]);
  });
});
