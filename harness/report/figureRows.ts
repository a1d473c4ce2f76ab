import type { RunResult } from "./result.ts";

function ms(value: number | null): string {
  return value === null ? "n/a" : `${value} ms`;
}

/**
 * The figures of a run as (label, value) rows, in the order people read them: the terminal table
 * and the markdown step summary both show exactly these. A pure function of result.json.
 */
export function figureRows(result: RunResult): [string, string | number][] {
  const rows: [string, string | number][] = [];
  const c = result.counts;
  rows.push(
    ["jobs accepted", c.accepted],
    ["jobs completed", c.completed],
    result.incomplete
      ? ["jobs unfinished (run cut short, not judged)", c.unfinished ?? 0]
      : ["jobs lost", c.lost],
    ["double executions", c.doubleExecutions],
    ["runs after success", c.runsAfterSuccess],
    ["throughput", result.throughput.jobsPerSec === null ? "n/a" : `${result.throughput.jobsPerSec} jobs/s`],
    ["duration", `${(result.durationMs / 1000).toFixed(1)} s`],
  );
  if (result.load) {
    rows.push([
      "HTTP enqueue",
      `${result.load.accepted}/${result.load.sent} accepted, ${Math.round(result.load.requestsPerSec)} req/s, p99 ${result.load.latencyMs.p99} ms`,
    ]);
  }
  if (result.ordering) {
    rows.push(
      [
        "priority inversions",
        `${result.ordering.inversions} (worst wait ${result.ordering.maxInversionWaitMs} ms)`,
      ],
      ["unlimited started ahead of waiting limited", result.ordering.limitedBehindUnlimited],
    );
  }
  for (const [name, l] of Object.entries(result.concurrency ?? {})) {
    rows.push([
      `${name}: peak / limit`,
      `${l.peak} / ${l.limit}, ${l.msOverLimit} ms over, longest starvation ${l.longestStarvationMs} ms`,
    ]);
  }
  if (result.retries) {
    const r = result.retries;
    rows.push(["retry gaps (fixed delay)", `${r.checked} checked, ${r.early} early, ${r.late} late`]);
    if (r.computed)
      rows.push([
        "retry gaps (computed delay)",
        `${r.computed.checked} checked, ${r.computed.early} early, ${r.computed.late} late`,
      ]);
  }
  if (result.repeats) {
    const r = result.repeats;
    rows.push([
      "repeat ticks",
      `${r.ticks} run, ${r.doubleTicks} twice, ${r.missed} missed; drift p50 ${ms(r.driftP50Ms)}, p99 ${ms(r.driftP99Ms)}`,
    ]);
  }
  if (result.dedupe) {
    rows.push([
      "dedupe",
      `${result.dedupe.requests} accepted requests → ${result.dedupe.jobs} jobs, ${result.dedupe.executions} executions`,
    ]);
  }
  if (c.kills > 0) {
    rows.push(
      ["kills", c.kills],
      ["recovered after a kill", c.recovered],
      ["recovery p50 / max", `${ms(result.recovery.p50Ms)} / ${ms(result.recovery.maxMs)}`],
      [
        "recovery bound (lock timeout + poll)",
        `${result.recovery.boundMs} ms (+${result.recovery.toleranceMs} ms tolerance)`,
      ],
    );
  }
  return rows;
}
