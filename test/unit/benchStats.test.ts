import { describe, expect, it } from "vitest";
import { settled, WARMUP, warmedUp } from "../../harness/bench/measure/warmup.ts";
import { type Fingerprint, fingerprintDifferences } from "../../harness/bench/model/fingerprint.ts";
import { forkedOrder, interleavedOrder } from "../../harness/bench/model/interleave.ts";
import { chooseVariants } from "../../harness/bench/model/variants.ts";
import type { FigureName, FigureSeries } from "../../harness/bench/result.ts";
import {
  bootstrapMedian,
  bootstrapRatio,
  type Estimate,
  median,
  pseudoMedian,
  usable,
} from "../../harness/bench/stats/bootstrap.ts";
import { gateExact, gateRatio, noiseFloor } from "../../harness/bench/stats/gate.ts";
import { benchRatios } from "../../harness/bench/stats/summarize.ts";
import {
  arrivalOffsets,
  latencyFromIntended,
  type OpenLoopClock,
  realClock,
  runOpenLoop,
  sendLateness,
} from "../../harness/load/openLoop.ts";
import { seededRandom } from "../../harness/util/rng.ts";

/** Seeded standard normal draws (Box–Muller). */
function gaussian(seed: number): () => number {
  const random = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** An A/A interval that holds the true ratio, 1 (none formed: it does not). */
const holdsOne = (e: Estimate | null) => e !== null && e.ci[0] <= 1 && 1 <= e.ci[1];

describe("bootstrap intervals", () => {
  it("gives the median and an interval that contains it, the same for the same seed", () => {
    const values = [100, 104, 98, 101, 130, 99, 102];
    const a = bootstrapMedian(values, { seed: 7 });
    expect(a?.median).toBe(101);
    expect(a?.ci[0]).toBeLessThanOrEqual(101);
    expect(a?.ci[1]).toBeGreaterThanOrEqual(101);
    expect(bootstrapMedian(values, { seed: 7 })).toEqual(a);
    expect(a?.ci[1]).toBeLessThan(130);
  });

  it("narrows with agreeing repetitions and widens with scattered ones", () => {
    const tight = bootstrapMedian([100, 101, 99, 100, 100], { seed: 1 });
    const loose = bootstrapMedian([60, 140, 100, 80, 120], { seed: 1 });
    const width = (e: typeof tight) => (e ? e.ci[1] - e.ci[0] : 0);
    expect(width(tight)).toBeLessThan(width(loose));
  });

  it("pairs ratios block by block, so a load swing shared by a pair cancels", () => {
    const reference = [100, 200, 50, 400, 100];
    const current = reference.map((v) => v * 0.8);
    const paired = bootstrapRatio(current, reference, { seed: 3, paired: true });
    expect(paired?.median).toBeCloseTo(0.8);
    expect(paired?.ci).toEqual([expect.closeTo(0.8), expect.closeTo(0.8)]);
    const unpaired = bootstrapRatio(current, reference, { seed: 3, paired: false });
    expect((unpaired?.ci[1] ?? 0) - (unpaired?.ci[0] ?? 0)).toBeGreaterThan(0.5);
  });

  // A/A runs with a strong fork effect: each fork's processes settle 5% (sd) apart, each drain adds
  // 3% of noise. Resampling drains alone reads the forks' offsets as a real difference; resampling
  // forks first keeps the 95% interval around 1 far more often. Three forks cannot reach the full
  // 95% when forks dominate like this (simulated: about 81%); with the fork effect measured here
  // (≈3.5% against 12.5% per pair) it is 94%.
  it("covers process-to-process variance when it resamples forks, and does not when it ignores them", () => {
    const normal = gaussian(99);
    let coveredForks = 0;
    let coveredDrains = 0;
    const runs = 200;
    for (let r = 0; r < runs; r++) {
      const ratios: number[] = [];
      const clusters: number[] = [];
      for (let f = 0; f < 3; f++) {
        const offset = Math.exp(0.05 * Math.SQRT2 * normal());
        for (let k = 0; k < 5; k++) {
          ratios.push(offset * Math.exp(0.03 * normal()));
          clusters.push(f);
        }
      }
      const ones = ratios.map(() => 1);
      const byFork = bootstrapRatio(ratios, ones, { seed: r, paired: true, clusters, iterations: 500 });
      const byDrain = bootstrapRatio(ratios, ones, { seed: r, paired: true, iterations: 500 });
      if (holdsOne(byFork)) coveredForks++;
      if (holdsOne(byDrain)) coveredDrains++;
    }
    expect(coveredDrains / runs).toBeLessThan(0.7);
    expect(coveredForks / runs).toBeGreaterThan(0.78);
  });

  it("resamples forks of unequal size and the two sides of an unpaired ratio by their own forks", () => {
    const values = [1, 1.1, 0.9, 2, 2.1, 1.9, 2];
    const clusters = [0, 0, 0, 1, 1, 1, 1];
    const e = bootstrapMedian(values, { seed: 4, clusters });
    expect(e?.median).toBe(1.9);
    expect(e?.ci[0]).toBeLessThan(1.2);
    expect(e?.ci[1]).toBeGreaterThan(1.9);
    expect(() => bootstrapMedian(values, { seed: 4, clusters: [0, 1] })).toThrow(
      "2 cluster ids for 7 values",
    );
    const u = bootstrapRatio(values, [1, 1, 1], {
      seed: 4,
      paired: false,
      clusters,
      referenceClusters: [0, 1, 2],
    });
    expect(u?.median).toBe(1.9);
  });

  it("takes the pseudo-median (Hodges–Lehmann) of paired ratios: robust, and narrower than the median's interval", () => {
    // Walsh averages of [0, 0, 10]: 0 0 5 0 5 10, so 2.5 (the median says 0, the mean 3.3).
    expect(pseudoMedian([0, 0, 10])).toBe(2.5);
    expect(pseudoMedian([1, 2, 3])).toBe(2);
    expect(pseudoMedian([1, 1.01, 0.99, 1.02, 0.98, 1, 50])).toBeCloseTo(1.005, 3);
    expect(() => pseudoMedian([])).toThrow();
    const a = [1.2, 0.9, 1.4, 1.1, 1.3, 1.05];
    const b = [1, 1, 1.1, 0.95, 1.2, 0.9];
    const ab = bootstrapRatio(a, b, { seed: 5, paired: true });
    const ba = bootstrapRatio(b, a, { seed: 5, paired: true });
    expect(ab?.estimator).toBe("pseudo-median");
    expect((ab?.median ?? 0) * (ba?.median ?? 0)).toBeCloseTo(1, 12);
    // 200 simulated A/A runs (3 forks × 8 blocks, 12% per-pair noise as measured here): the
    // pseudo-median's intervals are narrower than the median's and still hold 1 about 95% of the time.
    const normal = gaussian(17);
    let covered = 0;
    let widthHl = 0;
    let widthMedian = 0;
    const runs = 200;
    for (let r = 0; r < runs; r++) {
      const ratios = Array.from({ length: 24 }, () => Math.exp(0.12 * normal()));
      const clusters = ratios.map((_, i) => Math.floor(i / 8));
      const ones = ratios.map(() => 1);
      const hl = bootstrapRatio(ratios, ones, { seed: r, paired: true, clusters, iterations: 400 });
      const med = bootstrapMedian(ratios, { seed: r, clusters, iterations: 400 });
      if (!hl || !med) throw new Error("no estimate");
      if (holdsOne(hl)) covered++;
      widthHl += Math.log(hl.ci[1] / hl.ci[0]);
      widthMedian += Math.log(med.ci[1] / med.ci[0]);
    }
    expect(widthHl / widthMedian).toBeLessThan(0.9);
    expect(covered / runs).toBeGreaterThan(0.9);
  });

  // Forks drawn with replacement and then drains within each, as is, count the drain noise twice:
  // with no fork effect its intervals were 1.5 times as wide as the estimate's true spread (about
  // 2 × 1.96 × 12% / √(24 × 0.955)). The variance-matched resample must come close to that width
  // and still hold 1 in most A/A runs.
  it("matches the interval to the estimate's true spread instead of counting drain noise twice", () => {
    const normal = gaussian(23);
    const runs = 200;
    let covered = 0;
    let halfWidth = 0;
    for (let r = 0; r < runs; r++) {
      const logs = Array.from({ length: 24 }, () => 0.12 * normal());
      const clusters = logs.map((_, i) => Math.floor(i / 8));
      const e = bootstrapRatio(
        logs.map((l) => Math.exp(l)),
        logs.map(() => 1),
        { seed: r, paired: true, clusters, iterations: 400 },
      );
      if (!e) throw new Error("no estimate");
      if (holdsOne(e)) covered++;
      halfWidth += Math.log(e.ci[1] / e.ci[0]) / 2;
    }
    const truth = (1.96 * 0.12) / Math.sqrt(24 * 0.955);
    expect(halfWidth / runs / truth).toBeGreaterThan(0.85);
    expect(halfWidth / runs / truth).toBeLessThan(1.3);
    expect(covered / runs).toBeGreaterThan(0.92);
  });

  it("forms no paired ratio from a 0, a negative or a non-number on either side", () => {
    const ok = [1, 1.1, 0.9, 1, 1.05];
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(bootstrapRatio([...ok.slice(1), bad], ok, { seed: 1, paired: true })).toBeNull();
      expect(bootstrapRatio(ok, [...ok.slice(1), bad], { seed: 1, paired: true })).toBeNull();
    }
    expect(usable(ok)).toBe(true);
  });

  it("refuses a median of nothing and a ratio over zero", () => {
    expect(() => median([])).toThrow();
    expect(bootstrapRatio([1], [0], { seed: 1, paired: true })).toBeNull();
  });
});

describe("interleaved order", () => {
  it("runs every variant `repeats` times, A B B A style, never one variant's runs all first", () => {
    const order = interleavedOrder(["A", "B"], 6, 42);
    expect(order).toHaveLength(12);
    for (const v of ["A", "B"]) expect(order.filter((o) => o.variant === v)).toHaveLength(6);
    for (let k = 0; k < 6; k += 2) {
      const block = order.slice(k * 2, k * 2 + 4).map((o) => o.variant);
      expect(block.slice(2)).toEqual(block.slice(0, 2).reverse());
    }
    expect(order.slice(0, 6).map((o) => o.variant)).not.toEqual(["A", "A", "A", "A", "A", "A"]);
    expect(order.map((o) => o.repetition)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it("runs the forks one after another, each interleaved, numbering repetitions on across forks", () => {
    const order = forkedOrder(["A", "B"], 3, 2, 42);
    expect(order).toHaveLength(12);
    expect(order.map((o) => o.fork)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(order.map((o) => o.repetition)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    for (const o of order) expect(Math.floor(o.repetition / 2)).toBe(o.fork);
    expect(order.slice(0, 4).map((o) => o.variant)).toEqual(
      interleavedOrder(["A", "B"], 2, 42).map((o) => o.variant),
    );
  });

  it("is chosen by the seed", () => {
    const orders = new Set(
      [1, 2, 3, 4, 5, 6, 7, 8].map((s) =>
        interleavedOrder(["A", "B", "C"], 2, s)
          .map((o) => o.variant)
          .join(""),
      ),
    );
    expect(orders.size).toBeGreaterThan(1);
    expect(interleavedOrder(["A", "B", "C"], 2, 5)).toEqual(interleavedOrder(["A", "B", "C"], 2, 5));
  });
});

describe("the gate", () => {
  const est = (median: number, lo: number, hi: number) => ({
    median,
    ci: [lo, hi] as [number, number],
    n: 5,
  });

  it("fails throughput only when the whole interval is below 1 − max regression", () => {
    expect(gateRatio("jobs/s", "a", "b", "higher", est(0.85, 0.82, 0.88), 0.1).pass).toBe(false);
    expect(gateRatio("jobs/s", "a", "b", "higher", est(0.85, 0.8, 0.95), 0.1).pass).toBe(true);
    expect(gateRatio("jobs/s", "a", "b", "higher", est(1.2, 1.1, 1.3), 0.1).pass).toBe(true);
  });

  it("fails a cost only when the whole interval is above 1 + max regression", () => {
    expect(gateRatio("cpu", "a", "b", "lower", est(1.16, 1.12, 1.2), 0.1).pass).toBe(false);
    expect(gateRatio("cpu", "a", "b", "lower", est(1.16, 1.05, 1.2), 0.1).pass).toBe(true);
    expect(gateRatio("cpu", "a", "b", "lower", est(0.7, 0.6, 0.8), 0.1).pass).toBe(true);
  });

  it("gates commands per job exactly, whatever the allowance", () => {
    expect(gateExact("commands/job", "a", "b", 4, 3, 0.01, 0.5).pass).toBe(false);
    expect(gateExact("commands/job", "a", "b", 3, 3, 0.01, 0.5).pass).toBe(true);
    expect(gateExact("commands/job", "a", "b", 2, 3, 0.01, 0.5).pass).toBe(true);
  });

  it("reads the noise floor off A/A intervals", () => {
    const g = [gateRatio("jobs/s", "a", "b", "higher", est(1.01, 0.93, 1.04), 0.1)];
    expect(noiseFloor(g)).toEqual([{ figure: "jobs/s", pct: 7 }]);
  });
});

describe("the open loop", () => {
  /** A clock that only moves when the loop sleeps; `stallAt` adds a one-off delay (a GC pause). */
  function fakeClock(stallAt?: number, stallMs = 0): OpenLoopClock & { t: number } {
    let stalled = false;
    const clock = {
      t: 1000,
      now: () => clock.t,
      sleepUntil: async (to: number) => {
        clock.t = Math.max(clock.t, to);
        if (stallAt !== undefined && !stalled && clock.t >= stallAt) {
          stalled = true;
          clock.t += stallMs;
        }
      },
    };
    return clock;
  }

  it("spaces constant arrivals evenly and Poisson arrivals at the same mean rate", () => {
    expect(arrivalOffsets(4, 1000, "constant", 1)).toEqual([0, 250, 500, 750]);
    const poisson = arrivalOffsets(100, 60_000, "poisson", 9);
    expect(poisson.length).toBeGreaterThan(5700);
    expect(poisson.length).toBeLessThan(6300);
    expect(
      new Set(poisson.slice(1).map((t, i) => Math.round(t - (poisson[i] as number)))).size,
    ).toBeGreaterThan(5);
  });

  it("sends each request at its time without waiting for replies, and records the lateness", async () => {
    const clock = fakeClock();
    const offsets = arrivalOffsets(10, 1000, "constant", 1);
    const sent: number[] = [];
    let release: () => void = () => {};
    const hold = new Promise<void>((r) => {
      release = r;
    });
    const running = runOpenLoop({
      offsets,
      startAt: 1000,
      clock,
      send: async (i, intendedAt) => {
        sent.push(intendedAt);
        if (i === 0) await hold; // the server never answers the first: the rest leave anyway
        return { status: 201, body: "{}" };
      },
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(sent).toEqual([1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 1800, 1900]);
    release();
    const records = await running;
    expect(records.every((r) => r.status === 201)).toBe(true);
    expect(sendLateness(records, offsets, 1000)).toEqual({ p50: 0, p99: 0, max: 0 });
  });

  it("charges a stall of the generator as lateness, and the late requests leave at once", async () => {
    const clock = fakeClock(1300, 250);
    const offsets = arrivalOffsets(10, 1000, "constant", 1);
    const records = await runOpenLoop({
      offsets,
      startAt: 1000,
      clock,
      send: async () => ({ status: 201, body: "{}" }),
    });
    expect(records.map((r) => r.sentAt).slice(2, 6)).toEqual([1200, 1550, 1550, 1550]);
    expect(records.map((r) => r.intendedAt).slice(2, 6)).toEqual([1200, 1300, 1400, 1500]);
    expect(sendLateness(records, offsets, 1000)).toEqual({ p50: 0, p99: 250, max: 250 });
  });

  it("never sends early when the clock wakes before the intended time", async () => {
    let t = 1000;
    const early: OpenLoopClock = {
      now: () => t,
      sleepUntil: async (to) => {
        t = Math.max(t, to - 0.5 > t ? to - 0.5 : to);
      },
    };
    const offsets = arrivalOffsets(10, 1000, "constant", 1);
    const records = await runOpenLoop({
      offsets,
      startAt: 1000,
      clock: early,
      send: async () => ({ status: 201, body: "" }),
    });
    for (const r of records) expect(r.sentAt).toBeGreaterThanOrEqual(1000 + (offsets[r.i] as number));
  });

  it("sends on time on the real clock, never before", async () => {
    const offsets = arrivalOffsets(200, 200, "constant", 1);
    const startAt = realClock.now() + 20;
    const records = await runOpenLoop({
      offsets,
      startAt,
      clock: realClock,
      send: async () => ({ status: 201, body: "" }),
    });
    expect(
      Math.min(...records.map((r) => r.sentAt - (startAt + (offsets[r.i] as number)))),
    ).toBeGreaterThanOrEqual(0);
  });

  it("throws on a latency before the intended send time instead of clamping it", () => {
    expect(latencyFromIntended(1000, 1040, "start")).toBe(40);
    expect(() => latencyFromIntended(1000, 999, "start")).toThrow(/harness bug/);
  });
});

describe("environment fingerprints", () => {
  const base: Fingerprint = {
    provider: "standin",
    serverVersion: "5.0.0",
    cpuModel: "X",
    cpuCount: 2,
    node: "v20",
    driver: "6.22.0",
  };
  it("names every field that differs, and nothing when alike", () => {
    expect(fingerprintDifferences(base, { ...base })).toEqual([]);
    expect(fingerprintDifferences(base, { ...base, cpuCount: 8, provider: "external" })).toEqual([
      "provider: standin ≠ external",
      "cpuCount: 2 ≠ 8",
    ]);
    expect(fingerprintDifferences(undefined, base)).toHaveLength(1);
  });
});

// The quick, default-tier side of `bench --sut mongo-job-scheduler,agenda` (the live run is in
// test/e2e/bench.test.ts under HARNESS_SLOW=1): the variants it runs and the ratio rows it forms.
describe("two systems side by side", () => {
  const variants = chooseVariants({
    suts: ["mongo-job-scheduler", "agenda"],
    versusPath: null,
    currentPath: null,
  });

  it("runs both systems ledger off, the first as the reference, beside the raw claim loops", () => {
    expect(variants.map((v) => [v.id, v.role])).toEqual([
      ["mongo-job-scheduler", "compared"],
      ["agenda", "compared"],
      ["mongo-job-scheduler+ledger", "diagnostic"],
      ["raw-claim", "baseline"],
      ["raw-claim+read", "baseline"],
    ]);
  });

  it("divides every drain figure of the second by the first's, pair by pair, skipping a failed repetition", () => {
    const series = (variant: string, figure: FigureName, runs: (number | null)[]): FigureSeries => ({
      figure,
      variant,
      unit: "",
      better: "higher",
      exact: false,
      runs,
      estimate: null,
    });
    const figures = [
      series("mongo-job-scheduler", "drain jobs/s", [50, 40, 60]),
      series("agenda", "drain jobs/s", [20, null, 30]),
      series("mongo-job-scheduler", "worker CPU ms/job", [6, 6, 6]),
      series("agenda", "worker CPU ms/job", [9, 6, 7.5]),
      series("mongo-job-scheduler", "commands/job", [3, 3, 3]),
      series("agenda", "commands/job", [3, 3, 3]),
    ];
    const rows = benchRatios(figures, variants, 1).filter((r) => r.variant === "agenda");
    expect(rows.map((r) => [r.label, r.figure, r.reference, r.estimate?.median, r.estimate?.n])).toEqual([
      // Pairs (20/50, 30/60): the pseudo-median of 0.4 and 0.5 on a log scale, their geometric mean.
      [
        "agenda / mongo-job-scheduler",
        "drain jobs/s",
        "mongo-job-scheduler",
        expect.closeTo(Math.sqrt(0.2), 12),
        2,
      ],
      // Pairs 1.5, 1, 1.25: the middle two of the six Walsh averages of their logarithms (ln 1.5 / 2, ln 1.25).
      [
        "agenda / mongo-job-scheduler",
        "worker CPU ms/job",
        "mongo-job-scheduler",
        expect.closeTo(Math.exp((Math.log(1.5) / 2 + Math.log(1.25)) / 2), 12),
        3,
      ],
      ["agenda / mongo-job-scheduler", "commands/job", "mongo-job-scheduler", 1, 3],
    ]);
  });
});

describe("warm-up until CPU per job settles", () => {
  it("runs at least the minimum, stops once two drains agree within 5%, and never past the maximum", () => {
    const early = Array.from({ length: WARMUP.min - 1 }, () => 2.0);
    expect(warmedUp(early)).toBe(false); // they agree, but fewer than WARMUP.min
    const falling = [...early, 1.8]; // at the minimum, but still falling by 10%
    expect(warmedUp(falling)).toBe(false);
    expect(warmedUp([...falling, 1.75])).toBe(true);
    expect(settled([...falling, 1.75])).toBe(true);
    const neverSettles = Array.from({ length: WARMUP.max }, (_, i) => 3 * 0.9 ** i);
    expect(warmedUp(neverSettles.slice(0, -1))).toBe(false);
    expect(warmedUp(neverSettles)).toBe(true);
    expect(settled(neverSettles)).toBe(false);
  });
});
