import { describe, expect, it } from "vitest";
import { scalingChecker } from "../../harness/checkers/scaling.ts";
import { HistoryBuilder, settings } from "../support/histories.ts";

// Bound for a new process's first job: poll 100 ms + tolerance 200 ms = 300 ms.
const check = (b: HistoryBuilder) => scalingChecker.check({ settings, history: b.history(), finalState: [] });

/**
 * A backlog of 60 jobs accepted at 0. Step 1 (0–10 s): w1 alone runs a job every 500 ms. Step 2
 * (10–20 s): w2 and w3 join (ready at 10 100) and the three run `rate3` jobs per second between them.
 */
function scaled(options: { rate3: number; w2FirstJobAt?: number | null }): HistoryBuilder {
  const b = new HistoryBuilder().ready("w1", 1, 0).opStep("scale-1", 0, 1);
  for (let i = 0; i < 60; i++) b.accept(`j${i}`, 0);
  let next = 0;
  for (let t = 100; t < 10_000; t += 500, next++) b.run(`j${next}`, "w1", 1, t, t + 400);
  b.opStep("scale-1", 10_000, 3)
    .opStart("scale-1", "w2", 2, 10_000, 10_100)
    .opStart("scale-1", "w3", 3, 10_000, 10_100);
  // Each new process takes a job 50 ms after it is ready (w2 unless the test says otherwise).
  if (options.w2FirstJobAt === undefined) b.run(`j${next++}`, "w2", 2, 10_150, 10_250);
  b.run(`j${next++}`, "w3", 3, 10_150, 10_250);
  const gap = 1000 / options.rate3;
  const procs = ["w1", "w3", "w2"] as const;
  for (let t = 10_150 + gap, k = 0; t < 20_000 && next < 60; t += gap, k++) {
    const proc = procs[k % 3] as string;
    const n = proc === "w1" ? 1 : proc === "w2" ? 2 : 3;
    const first = options.w2FirstJobAt;
    if (proc === "w2" && (first === null || (first !== undefined && t < first))) continue;
    b.run(`j${next++}`, proc, n, t, t + 100);
  }
  return b.window("scale", "scale-1", [["w1", 1]], 0, 20_000, "degraded");
}

describe("scaling checker", () => {
  it("passes when three processes complete more jobs per second than one while jobs wait", () => {
    const result = check(scaled({ rate3: 4 }));
    expect(result.verdict).toBe("pass");
    const [one, three] = result.figures?.steps ?? [];
    expect(one).toMatchObject({ processes: 1, saturatedPerSec: 1.9 });
    expect(three?.processes).toBe(3);
    expect(three?.saturatedPerSec).toBeGreaterThan(3);
    expect(result.figures?.added).toEqual([
      { proc: "w2", startToReadyMs: 100, readyToFirstJobMs: 50 },
      { proc: "w3", startToReadyMs: 100, readyToFirstJobMs: 50 },
    ]);
  });

  it("fails when more processes complete no more jobs per second than fewer did", () => {
    const result = check(scaled({ rate3: 1.5 }));
    expect(result.verdict).toBe("fail");
    expect(result.violations[0]?.kind).toBe("no-scaling");
    expect(result.violations[0]?.message).toContain("with 3 worker processes");
  });

  it("fails a new process that stands idle while jobs wait", () => {
    const result = check(scaled({ rate3: 4, w2FirstJobAt: null }));
    expect(result.verdict).toBe("fail");
    expect(result.violations.map((v) => v.kind)).toContain("idle-new-process");
    expect(result.violations.find((v) => v.kind === "idle-new-process")?.message).toContain("w2");
  });

  it("is unknown when no two steps had jobs waiting long enough to measure", () => {
    const b = new HistoryBuilder().ready("w1", 1, 0).opStep("scale-1", 0, 1).opStep("scale-1", 10_000, 2);
    b.accept("a", 100).run("a", "w1", 1, 110, 200);
    b.window("scale", "scale-1", [["w1", 1]], 0, 20_000, "degraded");
    const result = check(b);
    expect(result.verdict).toBe("unknown");
    expect(result.unknowns[0]?.kind).toBe("scaling-not-measured");
  });
});
