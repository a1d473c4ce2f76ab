import type { SampleRecord } from "../ledger/records.ts";
import { blockBootstrap, slope } from "../util/bootstrap.ts";
import type { GrowthFigures, GrowthMetric } from "./figures.ts";
import type { Checker, CheckerResult, CheckSettings, Violation } from "./types.ts";
import { decide } from "./verdicts.ts";

/** The bounds when a run's settings give none (check.growth's defaults). */
export const DEFAULT_GROWTH = { rssMbPerHour: 64, heapUsedMbPerHour: 32, connectionsPerHour: 6 };

/**
 * The shortest judged window (the second half of the run) over which a slope beyond its bound is a
 * leak. A process's RSS and heap settle over its first minutes (heap expansion, compiled code): a
 * 2-minute soak of mongo-job-scheduler measured its workers' RSS rising 466 and 614 MB/h over the
 * second minute, which extrapolates a few MB of warm-up to an hour. Shorter windows are unknown.
 */
export const MIN_FAIL_SPAN_MS = 5 * 60_000;

/** Samples a series needs in the second half to be judged (settings refuse a soak too short for it). */
export const MIN_SAMPLES = 8;

const HOUR = 3_600_000;
const MB = 1024 * 1024;

/** What each metric reads from a sample, its unit, and its bound (none for loop delay: reported). */
const metrics: Record<
  GrowthMetric,
  { read(s: SampleRecord): number; unit: string; bound?: keyof typeof DEFAULT_GROWTH }
> = {
  rssMb: { read: (s) => s.rssBytes / MB, unit: "MB", bound: "rssMbPerHour" },
  heapUsedMb: { read: (s) => s.heapUsedBytes / MB, unit: "MB", bound: "heapUsedMbPerHour" },
  connections: { read: (s) => s.connections, unit: "connections", bound: "connectionsPerHour" },
  loopDelayP99Ms: { read: (s) => s.loopDelayMs.p99, unit: "ms" },
};

const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Growth of every worker process's resources over a soak: for each process instance and metric,
 * the least-squares slope of its samples over the second half of the run (after warm-up), per hour,
 * with a moving-block bootstrap 95% interval (neighbouring samples are not independent). A gated
 * metric (RSS, heap used, open connections) fails when the whole interval lies above its bound per
 * hour, passes when the whole interval lies at or below it, and is unknown when the interval spans
 * the bound (the run was too short, or the series too noisy, to tell). Loop delay is reported.
 */
export const growthChecker: Checker<"growth"> = {
  name: "growth",
  describe: {
    pass: "for every worker process sampled through the second half of the run, the 95% interval of the hourly slope of its RSS, heap used and open connections lies at or below the bound (`check.growth`: 64 MB, 32 MB and 6 connections per hour by default); event-loop delay's slope is reported",
    fail: "the whole interval of a series' slope lies above its bound over a second half of 5 minutes or more: the process grows (a leak); **unknown** when an interval spans its bound, when the second half is shorter than 5 minutes (warm-up cannot be told from a leak: run it longer) or no process has 8 samples in it",
  },
  check({ history, settings }): CheckerResult<"growth"> {
    const samples = history.records.filter((r): r is SampleRecord => r.type === "sample");
    const bounds = settings.growth ?? DEFAULT_GROWTH;
    const violations: Violation[] = [];
    const unknowns: Violation[] = [];
    if (samples.length === 0)
      return decide("growth", {
        summary: "no sample was taken (check.sampleEveryMs unset?): growth cannot be judged",
        unknowns: [{ kind: "no-samples", message: "no sample was taken: growth cannot be judged" }],
        figures: { series: [], samples: 0, from: null },
      });
    const first = samples[0]?.t as number;
    const last = samples.at(-1)?.t as number;
    const from = first + (last - first) / 2;
    const byInstance = new Map<string, SampleRecord[]>();
    for (const s of samples) {
      if (s.t < from) continue;
      const list = byInstance.get(s.instance);
      if (list) list.push(s);
      else byInstance.set(s.instance, [s]);
    }
    const series: GrowthFigures["series"] = [];
    for (const [instance, list] of byInstance) {
      if (list.length < MIN_SAMPLES) continue;
      for (const metric of Object.keys(metrics) as GrowthMetric[])
        series.push(judgeSeries(instance, list, metric, bounds, settings, violations, unknowns));
    }
    if (series.length === 0)
      unknowns.push({
        kind: "too-few-samples",
        message: `no worker process has ${MIN_SAMPLES} samples in the second half of the run: growth cannot be judged (run it longer)`,
      });
    const gated = series.filter((s) => s.bound !== null);
    const worst = (m: GrowthMetric) => {
      const of = series.filter((s) => s.metric === m);
      if (of.length === 0) return "n/a";
      const top = of.reduce((a, s) => (s.slopePerHour > a.slopePerHour ? s : a));
      return `${top.slopePerHour} [${top.ci[0]}, ${top.ci[1]}]${top.bound !== null ? ` (bound ${top.bound})` : ""}`;
    };
    const summary = `${byInstance.size} process(es) sampled in the second half; steepest per hour: RSS ${worst("rssMb")} MB, heap ${worst("heapUsedMb")} MB, connections ${worst("connections")}, loop delay p99 ${worst("loopDelayP99Ms")} ms; ${gated.filter((s) => s.verdict === "pass").length} series within bound, ${gated.filter((s) => s.verdict === "fail").length} over, ${gated.filter((s) => s.verdict === "unknown").length} undecided`;
    return decide("growth", {
      summary,
      violations,
      unknowns,
      figures: { series, samples: samples.length, from: Math.round(from) },
    });
  },
};

function judgeSeries(
  instance: string,
  list: readonly SampleRecord[],
  metric: GrowthMetric,
  bounds: NonNullable<CheckSettings["growth"]>,
  _settings: CheckSettings,
  violations: Violation[],
  unknowns: Violation[],
): GrowthFigures["series"][number] {
  const m = metrics[metric];
  const x = list.map((s) => (s.t - (list[0] as SampleRecord).t) / HOUR);
  const y = list.map((s) => m.read(s));
  // Seeded from the series itself, so a re-check of a saved run gives the same interval.
  const fit = blockBootstrap(list.length, (idx) => slope(x, y, idx), {
    seed: list.length * 7919 + metric.length,
  });
  const estimate = fit && Number.isFinite(fit.estimate) ? fit.estimate : 0;
  const ci: [number, number] = fit ? [r2(fit.ci[0]), r2(fit.ci[1])] : [0, 0];
  const bound = m.bound ? bounds[m.bound] : null;
  const proc = (list[0] as SampleRecord).proc;
  let verdict: GrowthFigures["series"][number]["verdict"] = "reported";
  if (bound !== null) {
    const what = `${proc}'s ${metric} grows ${r2(estimate)} ${m.unit}/h (95% interval ${ci[0]} to ${ci[1]}) over the second half of the run (${list.length} samples)`;
    const spanMs = (list.at(-1) as SampleRecord).t - (list[0] as SampleRecord).t;
    if (ci[0] > bound && spanMs < MIN_FAIL_SPAN_MS) {
      verdict = "unknown";
      unknowns.push({
        kind: "growth-too-short",
        message: `${what}: beyond the bound of ${bound} ${m.unit}/h, but over ${Math.round(spanMs / 1000)} s, too short to tell a leak from warm-up (a window of ${MIN_FAIL_SPAN_MS / 60_000} min or more is judged: run --duration ${(2 * MIN_FAIL_SPAN_MS) / 60_000}m or longer)`,
        evidence: { instance, metric, bound, spanMs },
      });
    } else if (ci[0] > bound) {
      verdict = "fail";
      violations.push({
        kind: "growth",
        t: (list[0] as SampleRecord).t,
        message: `${what}: beyond the bound of ${bound} ${m.unit}/h`,
        evidence: { instance, metric, first: y[0], last: y.at(-1), bound },
      });
    } else if (ci[1] > bound) {
      verdict = "unknown";
      unknowns.push({
        kind: "growth-undecided",
        message: `${what}: the interval spans the bound of ${bound} ${m.unit}/h, so the run cannot tell (run it longer)`,
        evidence: { instance, metric, bound },
      });
    } else verdict = "pass";
  }
  return { proc, instance, metric, samples: list.length, slopePerHour: r2(estimate), ci, bound, verdict };
}
