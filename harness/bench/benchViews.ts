import Table from "cli-table3";
import type { BenchResult } from "./benchResult.ts";
import type { Spread } from "./stats.ts";

function range(s: Spread | null, unit = ""): string {
  if (!s) return "n/a";
  return `${s.median}${unit} (${s.min}–${s.max}, ±${(s.spreadPct / 2).toFixed(1)}%)`;
}

/** The terminal table of a bench: a pure function of its result. */
export function renderBench(result: BenchResult): string {
  const style = { head: [], border: [] };
  const chars = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };
  const lines = [
    `bench ${result.matrix}  server ${result.server.provider} ${result.server.version}${result.server.isMongoDB ? "" : " (stand-in, not MongoDB: figures are not MongoDB figures)"}`,
    `scheduler ${result.environment.scheduler}  driver ${result.environment.driver}  node ${result.environment.node}  cpus ${result.environment.cpus}  repeats ${result.repeats}`,
  ];
  const cells = new Table({
    head: ["cell", "jobs/s median (range)", "not done %", "start p50/p99 ms", "complete p99 ms"],
    style,
    chars,
  });
  for (const c of result.cells) {
    const l = c.latency;
    cells.push([
      c.id,
      c.jobsPerSec ? range(c.jobsPerSec) : c.http ? `HTTP ${range(c.http.requestsPerSec, " req/s")}` : "n/a",
      c.notCompletedPct ? range(c.notCompletedPct) : "–",
      l.enqueueToStart ? `${l.enqueueToStart.p50} / ${l.enqueueToStart.p99}` : "n/a",
      l.enqueueToComplete ? String(l.enqueueToComplete.p99) : "n/a",
    ]);
  }
  lines.push(cells.toString());
  const setups = new Table({
    head: [
      "setup",
      "scheduler jobs/s",
      "raw claim jobs/s",
      "efficiency",
      "ledger off jobs/s",
      "ledger on/off",
      "enqueue req/s",
      "headroom",
      "loop delay p99",
    ],
    style,
    chars,
  });
  for (const s of result.setups) {
    setups.push([
      `${s.setup.processes}×${s.setup.workersPerProcess}`,
      range(s.schedulerJobsPerSec),
      range(s.rawClaimJobsPerSec),
      s.efficiency === null ? "n/a" : `${(s.efficiency * 100).toFixed(1)}%`,
      range(s.ledgerOffJobsPerSec),
      s.ledgerOverhead === null ? "n/a" : `${(s.ledgerOverhead * 100).toFixed(1)}%`,
      s.enqueue ? String(s.enqueue.requestsPerSec) : "n/a",
      s.headroom === null ? "n/a" : `${s.headroom}×`,
      s.eventLoopDelayMs ? `${s.eventLoopDelayMs.p99} ms` : "n/a",
    ]);
  }
  lines.push(setups.toString());
  for (const p of result.problems) lines.push(`problem: ${p}`);
  lines.push(`verdict: ${result.verdict.toUpperCase()}`);
  return lines.join("\n");
}

/** One entry of github-action-benchmark's custom formats. */
export interface ActionBenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

/**
 * The bench in github-action-benchmark's custom formats: throughput entries for
 * `customBiggerIsBetter`, latency and not-completed entries for `customSmallerIsBetter`.
 */
export function actionBenchmarkEntries(result: BenchResult): {
  bigger: ActionBenchmarkEntry[];
  smaller: ActionBenchmarkEntry[];
} {
  const bigger: ActionBenchmarkEntry[] = [];
  const smaller: ActionBenchmarkEntry[] = [];
  const extra = `${result.server.provider} ${result.server.version}, ${result.repeats} repeats`;
  for (const c of result.cells) {
    if (c.jobsPerSec) {
      bigger.push({
        name: `${c.id} throughput`,
        unit: "jobs/s",
        value: c.jobsPerSec.median,
        range: `±${(c.jobsPerSec.spreadPct / 2).toFixed(1)}%`,
        extra,
      });
    }
    if (c.latency.enqueueToStart)
      smaller.push({
        name: `${c.id} enqueue to start p99`,
        unit: "ms",
        value: c.latency.enqueueToStart.p99,
        extra,
      });
    if (c.notCompletedPct)
      smaller.push({ name: `${c.id} not completed`, unit: "%", value: c.notCompletedPct.median, extra });
  }
  for (const s of result.setups) {
    if (s.efficiency !== null)
      bigger.push({
        name: `${s.setup.processes}x${s.setup.workersPerProcess} efficiency vs raw claim`,
        unit: "ratio",
        value: s.efficiency,
        extra,
      });
  }
  return { bigger, smaller };
}
