import { describe, expect, it } from "vitest";
import { growthChecker } from "../../harness/checkers/growth.ts";
import { seededRandom } from "../../harness/util/rng.ts";
import { HistoryBuilder, settings } from "../support/histories.ts";

const check = (b: HistoryBuilder) => growthChecker.check({ settings, history: b.history(), finalState: [] });

/**
 * Samples of w1 every `everyMs` for `count` samples: heap and RSS at a base plus `heapMbPerHour`
 * of growth, with seeded noise of ± `noiseMb`.
 */
function soak(o: {
  count: number;
  everyMs: number;
  heapMbPerHour: number;
  noiseMb: number;
  connections?: (i: number) => number;
}) {
  const random = seededRandom(42);
  const b = new HistoryBuilder().ready("w1", 1, 0);
  for (let i = 0; i < o.count; i++) {
    const t = 1000 + i * o.everyMs;
    const grown = (o.heapMbPerHour * t) / 3_600_000;
    const noise = () => (random() * 2 - 1) * o.noiseMb;
    b.sample("w1", 1, t, {
      heapMb: 20 + grown + noise(),
      rssMb: 80 + grown + noise(),
      connections: o.connections?.(i) ?? 3,
    });
  }
  return b;
}

describe("growth checker", () => {
  it("fails a heap that grows far beyond its bound, naming the process and the slope", () => {
    // 600 MB an hour over 20 minutes (a second half of 10), sampled every 30 s, with 1 MB of noise.
    const result = check(soak({ count: 40, everyMs: 30_000, heapMbPerHour: 600, noiseMb: 1 }));
    expect(result.verdict).toBe("fail");
    const heap = result.figures?.series.find((s) => s.metric === "heapUsedMb");
    expect(heap?.verdict).toBe("fail");
    expect(heap?.ci[0]).toBeGreaterThan(32);
    expect(result.violations.some((v) => v.message.startsWith("w1's heapUsedMb grows"))).toBe(true);
  });

  it("passes a flat hour of samples whose interval stays under every bound", () => {
    // An hour at one sample every 30 s, flat, with 2 MB of noise.
    const result = check(soak({ count: 120, everyMs: 30_000, heapMbPerHour: 0, noiseMb: 2 }));
    expect(result.verdict).toBe("pass");
    for (const s of result.figures?.series.filter((x) => x.bound !== null) ?? []) {
      expect(s.verdict).toBe("pass");
      expect(s.ci[1]).toBeLessThanOrEqual(s.bound as number);
    }
  });

  it("fails open connections that keep growing", () => {
    const result = check(
      soak({
        count: 120,
        everyMs: 30_000,
        heapMbPerHour: 0,
        noiseMb: 2,
        connections: (i) => 3 + Math.floor(i / 10),
      }),
    );
    expect(result.verdict).toBe("fail");
    expect(result.figures?.series.find((s) => s.metric === "connections")?.verdict).toBe("fail");
  });

  it("is unknown, not a failure, for the same steep growth over a second half shorter than 5 minutes (warm-up)", () => {
    // 600 MB an hour over 2 minutes: the slope's whole interval is beyond the bound, the window is not.
    const result = check(soak({ count: 60, everyMs: 2000, heapMbPerHour: 600, noiseMb: 0.2 }));
    expect(result.verdict).toBe("unknown");
    const heap = result.figures?.series.find((s) => s.metric === "heapUsedMb");
    expect(heap?.ci[0]).toBeGreaterThan(32);
    expect(heap?.verdict).toBe("unknown");
    expect(result.unknowns.find((u) => u.kind === "growth-too-short")?.message).toMatch(
      /too short to tell a leak from warm-up/,
    );
  });

  it("is unknown when the run is too short for the interval to clear the bound", () => {
    const result = check(soak({ count: 30, everyMs: 1000, heapMbPerHour: 0, noiseMb: 3 }));
    expect(result.verdict).toBe("unknown");
    expect(result.unknowns[0]?.kind).toBe("growth-undecided");
    expect(result.unknowns[0]?.message).toContain("run it longer");
  });

  it("is unknown without samples, or with too few in the second half", () => {
    expect(check(new HistoryBuilder()).verdict).toBe("unknown");
    const few = check(soak({ count: 10, everyMs: 1000, heapMbPerHour: 0, noiseMb: 0 }));
    expect(few.verdict).toBe("unknown");
    expect(few.unknowns[0]?.kind).toBe("too-few-samples");
  });
});
