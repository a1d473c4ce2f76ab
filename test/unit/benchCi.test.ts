import { describe, expect, it } from "vitest";
import { quickMatrix } from "../../harness/bench/model/matrix.ts";
import { chooseVariants } from "../../harness/bench/model/variants.ts";
import type { BenchResult, FigureSeries } from "../../harness/bench/result.ts";
import { bootstrapMedian } from "../../harness/bench/stats/bootstrap.ts";
import { compareWithBaseline } from "../../harness/bench/stats/compare.ts";
import { benchJunit, benchSummaryMarkdown } from "../../harness/bench/views/benchCi.ts";
import { parseJunit } from "../support/junitXml.ts";

function series(variant: string, figure: FigureSeries["figure"], runs: number[]): FigureSeries {
  return {
    figure,
    variant,
    unit: "",
    better: figure === "drain jobs/s" ? "higher" : "lower",
    exact: figure === "commands/job",
    runs,
    estimate: bootstrapMedian(runs, { seed: 1 }),
  };
}

/** A quick bench whose drains ran at `jobsPerSec` (five repetitions). */
function bench(jobsPerSec: number[]): BenchResult {
  const variant = "mongo-job-scheduler";
  return {
    schemaVersion: 2,
    kind: "bench",
    matrix: "quick",
    seed: 1,
    verdict: "pass",
    problems: [],
    startedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 60_000,
    settings: { ...quickMatrix, arrivals: "constant" },
    environment: {
      node: "v20",
      driver: "6",
      scheduler: "1.2.4",
      schedulerSource: null,
      platform: "linux-x64",
      cpus: 2,
    },
    server: { provider: "uri", version: "7.0.14", isMongoDB: true },
    fingerprint: {
      provider: "uri",
      serverVersion: "7.0.14",
      cpuModel: "X",
      cpuCount: 2,
      node: "v20",
      driver: "6",
    },
    variants: chooseVariants({ suts: [variant], versusPath: null, currentPath: null }).slice(0, 1),
    order: [],
    figures: [
      series(variant, "drain jobs/s", jobsPerSec),
      series(variant, "worker CPU ms/job", [2, 2.1, 2, 1.9, 2]),
      series(variant, "commands/job", [3, 3, 3, 3, 3]),
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

/** `current` gated on `baseline` as the bench command does it. */
function gated(baseline: BenchResult, current: BenchResult): BenchResult {
  const c = compareWithBaseline(baseline, current, 0.1, false);
  const results = c.results;
  return {
    ...current,
    verdict: results.some((g) => !g.pass) ? "fail" : "pass",
    gate: { ...current.gate, mode: "baseline", against: "baseline.json", results, warnings: c.warnings },
  };
}

const fast = [400, 410, 405, 398, 402];
const slow = [200, 210, 205, 198, 202];

describe("JUnit XML and summary of a bench", () => {
  it("has a correctness case and one case per gated figure; a regression is a failure with its ratio", () => {
    const result = gated(bench(fast), bench(slow));
    const regressed = result.gate.results.filter((g) => !g.pass);
    expect(regressed.map((g) => g.figure)).toEqual(["drain jobs/s"]);

    const suite = parseJunit(benchJunit(result)).testsuites.testsuite;
    expect(suite).toHaveLength(1);
    const cases = suite[0]?.testcase ?? [];
    expect(cases.map((c) => c.name)).toEqual([
      "correctness",
      ...result.gate.results.map((g) => `${g.figure} (${g.variant} vs baseline ${g.reference})`),
    ]);
    // The fixture has no main-thread figure (as a run outside Linux): that case is skipped, not passed.
    expect(suite[0]).toMatchObject({ name: "bench quick", failures: 1, skipped: 1 });
    expect(cases.find((c) => c.skipped !== undefined)?.name).toBe(
      "main-thread CPU ms/job (mongo-job-scheduler vs baseline mongo-job-scheduler)",
    );
    const failing = cases.filter((c) => c.failure);
    expect(failing.map((c) => c.name)).toEqual([
      "drain jobs/s (mongo-job-scheduler vs baseline mongo-job-scheduler)",
    ]);
    expect(failing[0]?.failure?.type).toBe("regression");
    expect(failing[0]?.failure?.message).toBe(
      `mongo-job-scheduler vs baseline mongo-job-scheduler: ${regressed[0]?.reason}`,
    );

    const md = benchSummaryMarkdown(result, "reports/bench/x/report.html");
    expect(md).toContain("### harness bench quick: FAIL");
    expect(md).toContain(
      `**REGRESSED** mongo-job-scheduler vs baseline mongo-job-scheduler: ${regressed[0]?.reason}`,
    );
    expect(md).toMatch(/\| mongo-job-scheduler( \(ledger off\))? \| \d+\.\d \[/);
    expect(md).toContain("Report: `reports/bench/x/report.html`");
    expect(md).toContain(
      "- not gated mongo-job-scheduler vs baseline mongo-job-scheduler: main-thread CPU ms/job",
    );
  });

  it("calls a figure that could not be compared UNDECIDED, not REGRESSED, in the summary and the JUnit case", () => {
    const zero = bench(fast);
    zero.figures = zero.figures.map((f) =>
      f.figure === "worker CPU ms/job" ? series(f.variant, f.figure, [0, 0, 0, 0, 0]) : f,
    );
    const result = gated(zero, bench(fast));
    const undecided = result.gate.results.filter((g) => !g.pass);
    expect(undecided.map((g) => g.figure)).toEqual(["worker CPU ms/job"]);
    const md = benchSummaryMarkdown(result, "r.html");
    expect(md).toContain(
      `- **UNDECIDED** mongo-job-scheduler vs baseline mongo-job-scheduler: ${undecided[0]?.reason}`,
    );
    expect(md).not.toContain("REGRESSED");
    const cases = parseJunit(benchJunit(result)).testsuites.testsuite[0]?.testcase ?? [];
    expect(cases.filter((c) => c.failure).map((c) => c.failure?.type)).toEqual(["undecided"]);
  });

  it("passes every gated figure of an unchanged run", () => {
    const result = gated(bench(fast), bench(fast));
    const suite = parseJunit(benchJunit(result)).testsuites.testsuite[0];
    expect(suite?.failures).toBe(0);
    expect(suite?.tests).toBe(1 + result.gate.results.length);
  });

  it("fails the correctness case on a problem and skips it when the bench did not finish", () => {
    const broken = {
      ...bench(fast),
      verdict: "fail" as const,
      problems: ["drain 2: job j7 ran twice at once"],
    };
    const correctness = parseJunit(benchJunit(broken)).testsuites.testsuite[0]?.testcase[0];
    expect(correctness?.name).toBe("correctness");
    expect(correctness?.failure?.["#text"]).toContain("job j7 ran twice at once");
    expect(benchSummaryMarkdown(broken, "r.html")).toContain("- problem: drain 2: job j7 ran twice at once");

    const cut = parseJunit(benchJunit({ ...bench(fast), verdict: "unknown" })).testsuites.testsuite[0];
    expect(cut?.testcase[0]).toHaveProperty("skipped");
    expect(cut?.testcase[0]?.["system-out"]).toContain("did not finish");
  });

  it("has no gate cases without a gate", () => {
    const suite = parseJunit(benchJunit(bench(fast))).testsuites.testsuite[0];
    expect(suite?.testcase.map((c) => c.name)).toEqual(["correctness"]);
  });
});
