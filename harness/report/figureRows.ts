import type { CheckerName } from "../checkers/types.ts";
import type { RunResult } from "./result.ts";

function ms(value: number | null): string {
  return value === null ? "n/a" : `${value} ms`;
}

/** Marks the label of a figure its checker judges when that checker is informational. */
export const INFORMATIONAL_MARK = " (informational)";

/**
 * The figures of a run as (label, value) rows, in the order people read them: the terminal table
 * and the markdown step summary both show exactly these. A pure function of result.json. A figure
 * judged by an informational checker (a known weakness, not in the verdict) says so in its label.
 */
export function figureRows(result: RunResult): [string, string | number][] {
  const rows: [string, string | number][] = [];
  const c = result.counts;
  const by = (checker: CheckerName, label: string) =>
    result.checkers[checker]?.informational ? `${label}${INFORMATIONAL_MARK}` : label;
  rows.push(
    ["jobs accepted", c.accepted],
    ["jobs completed", c.completed],
    result.incomplete
      ? ["jobs unfinished (run cut short, not judged)", c.unfinished ?? 0]
      : [by("lost-jobs", "jobs lost"), c.lost],
  );
  const finalState = result.checkers["final-state"]?.figures;
  if (finalState)
    rows.push([by("final-state", "final states the ledger contradicts"), finalState.contradicted]);
  if (result.app) rows.push([by("effects", "double executions (duplicated effects)"), c.doubleExecutions]);
  else
    rows.push(
      [by("re-executions", "double executions"), c.doubleExecutions],
      [by("re-executions", "runs after success"), c.runsAfterSuccess],
      [
        "throughput",
        result.throughput.jobsPerSec === null ? "n/a" : `${result.throughput.jobsPerSec} jobs/s`,
      ],
    );
  rows.push(["duration", `${(result.durationMs / 1000).toFixed(1)} s`]);
  if (result.load) {
    rows.push([
      "HTTP enqueue",
      `${result.load.accepted}/${result.load.sent} accepted, ${Math.round(result.load.requestsPerSec)} req/s, p99 ${result.load.latencyMs.p99} ms`,
    ]);
    const refused = result.load.sent - result.load.accepted;
    if (result.load.byStatus && refused > 0)
      rows.push([
        "requests refused or unanswered (not obligations)",
        Object.entries(result.load.byStatus)
          .filter(([status]) => status !== "201")
          .map(([status, n]) => `${n} × ${status === "none" ? "no answer" : `HTTP ${status}`}`)
          .join(", "),
      ]);
  }
  const ordering = result.checkers["priority-order"]?.figures;
  if (ordering) {
    rows.push(
      [
        by("priority-order", "priority inversions"),
        `${ordering.inversions} (worst wait ${ordering.maxInversionWaitMs} ms)`,
      ],
      [by("priority-order", "unlimited started ahead of waiting limited"), ordering.limitedBehindUnlimited],
    );
  }
  for (const [name, l] of Object.entries(result.checkers["concurrency-limit"]?.figures?.names ?? {})) {
    rows.push([
      by("concurrency-limit", `${name}: peak / limit`),
      `${l.peak} / ${l.limit}, ${l.msOverLimit} ms over, longest starvation ${l.longestStarvationMs} ms`,
    ]);
  }
  const fixed = result.checkers["retry-timing"]?.figures;
  if (fixed)
    rows.push([
      by("retry-timing", "retry gaps (fixed delay)"),
      `${fixed.checked} checked, ${fixed.early} early, ${fixed.late} late`,
    ]);
  const computed = result.checkers["retry-computed-delay"]?.figures;
  if (computed)
    rows.push([
      by("retry-computed-delay", "retry gaps (computed delay)"),
      `${computed.checked} checked, ${computed.early} early, ${computed.late} late`,
    ]);
  const repeats = result.checkers["repeat-ticks"]?.figures;
  if (repeats) {
    rows.push([
      by("repeat-ticks", "repeat ticks"),
      `${repeats.ticks} run, ${repeats.doubleTicks} twice, ${repeats.missed} missed; drift p50 ${ms(repeats.driftP50Ms)}, p99 ${ms(repeats.driftP99Ms)}`,
    ]);
  }
  const dedupe = result.checkers.dedupe?.figures;
  if (dedupe) {
    rows.push([
      by("dedupe", "dedupe"),
      `${dedupe.requests} accepted requests → ${dedupe.jobs} jobs, ${dedupe.executions} executions`,
    ]);
  }
  rows.push(...operationRows(result, by));
  if (c.unexpected > 0) rows.push(["unexpected jobs / executions", c.unexpected]);
  if (result.history.problems > 0) {
    rows.push([
      "history problems (no checker can pass)",
      `${result.history.problems}: ${Object.entries(result.history.byKind)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ")}`,
    ]);
  }
  if (result.app) rows.push(...appRows(result, by));
  else if (c.kills > 0) {
    rows.push(
      ["kills", c.kills],
      [by("recovery-time", "killed jobs recovered"), recoveredText(result)],
      [
        by("recovery-time", "recovery p50 / max"),
        `${ms(result.recovery.p50Ms)} / ${ms(result.recovery.maxMs)}`,
      ],
      [
        "recovery bound (lock timeout + poll)",
        `${result.recovery.boundMs} ms (+${result.recovery.toleranceMs} ms tolerance)`,
      ],
    );
  }
  return rows;
}

/** App mode's own rows: the instances, how they stopped, what the documents showed of locks and takeovers. */
function appRows(
  result: RunResult,
  by: (checker: CheckerName, label: string) => string,
): [string, string | number][] {
  const app = result.app as NonNullable<RunResult["app"]>;
  const rows: [string, string | number][] = [
    ["instances", app.command ? `${app.instances} × ${app.command}` : `${app.instances} attached`],
  ];
  if (app.stopTimes.length) {
    const times = app.stopTimes.map((s) => s.ms).sort((a, b) => a - b);
    const killed = app.stopTimes.filter((s) => s.killed).length;
    rows.push([
      "stop: SIGTERM to exit, p50 / max",
      `${times[(times.length - 1) >> 1]} / ${times.at(-1)} ms over ${times.length} stops${killed ? `, ${killed} SIGKILLed after the grace period` : ""}`,
    ]);
  }
  if (app.crashes.length) rows.push(["instances that exited on their own", app.crashes.length]);
  if (result.counts.kills > 0) rows.push(["kills", result.counts.kills]);
  const takeover = result.checkers["takeover-time"]?.figures;
  if (takeover && takeover.exits > 0)
    rows.push([
      by("takeover-time", "held at an exit: taken over, p50 / max"),
      `${takeover.takenOver}/${takeover.held}, ${ms(takeover.p50Ms)} / ${ms(takeover.maxMs)} after the exit`,
    ]);
  const lease = result.checkers["lock-lease"]?.figures;
  if (lease?.claims)
    rows.push([
      by("lock-lease", "lock lease p50 (stale at once)"),
      `${lease.p50Ms === null ? "none live" : ms(lease.p50Ms)} (${lease.stale}${lease.staleLockUntil !== null ? `, expiring at ${new Date(lease.staleLockUntil).toISOString()}` : ""})`,
    ]);
  for (const [name, l] of Object.entries(result.checkers["observed-concurrency"]?.figures?.names ?? {}))
    rows.push([
      by("observed-concurrency", `${name}: peak / limit`),
      `${l.peak} / ${l.limit}, ${l.msOverLimit} ms over`,
    ]);
  return rows;
}

/**
 * The jobs a kill struck and how many were run again (the recovery-time checker's count), not the
 * re-executions classed as recovery: on a server whose claim races, a recovery may be counted as a
 * double execution instead, and the two numbers part.
 */
export function recoveredText(result: RunResult): string {
  const f = result.checkers["recovery-time"]?.figures;
  return f ? `${f.recovered} of ${f.victims}` : String(result.counts.recovered);
}

/** The figures of the operations' checkers (stop-handover, scaling, db-reconnect, growth). */
function operationRows(
  result: RunResult,
  by: (checker: CheckerName, label: string) => string,
): [string, string | number][] {
  const rows: [string, string | number][] = [];
  const stops = result.checkers["stop-handover"]?.figures;
  if (stops) {
    rows.push([
      by("stop-handover", "graceful stops: jobs held → finished / handed back / held after exit"),
      `${stops.stops} stops: ${stops.held} → ${stops.finished} / ${stops.handedBack} / ${stops.heldAfterExit}${stops.longestWaitAfterExitMs !== null ? ` (longest wait ${stops.longestWaitAfterExitMs} ms)` : ""}`,
    ]);
    for (const o of stops.operations)
      rows.push([
        `${o.op}: throughput before → during`,
        `${o.throughputBefore ?? "n/a"} → ${o.throughputDuring ?? "n/a"} jobs/s${o.dipPct !== null ? ` (dip ${o.dipPct}%)` : ""}, longest due wait ${ms(o.longestDueWaitMs)}`,
      ]);
  }
  const scaling = result.checkers.scaling?.figures;
  if (scaling) {
    rows.push([
      by("scaling", "scaling curve (processes: jobs/s while jobs waited)"),
      scaling.steps.map((s) => `${s.processes}: ${s.saturatedPerSec ?? "n/a"}`).join(", "),
    ]);
    const firsts = scaling.added.flatMap((a) => (a.readyToFirstJobMs === null ? [] : [a.readyToFirstJobMs]));
    if (scaling.added.length)
      rows.push([
        by("scaling", "new processes: start → ready, ready → first job (max)"),
        `${Math.max(...scaling.added.map((a) => a.startToReadyMs))} ms, ${firsts.length ? `${Math.max(...firsts)} ms` : "none took a job"}`,
      ]);
  }
  for (const r of result.checkers["db-reconnect"]?.figures?.restarts ?? [])
    rows.push([
      by("db-reconnect", `${r.window} (${r.part}, ${r.mode}): after the return`),
      `${r.reconnected}/${r.workers} workers (${r.loopsReconnected}/${r.loops} scheduler loops) claimed again; first claim ${ms(r.firstClaimMs)}, first accept ${ms(r.firstAcceptMs)}, normal throughput ${ms(r.normalThroughputMs)}; ${r.refused} refused, ${r.accepted} accepted while down`,
    ]);
  const growth = result.checkers.growth?.figures;
  if (growth) {
    for (const metric of ["rssMb", "heapUsedMb", "connections"] as const) {
      const of = growth.series.filter((s) => s.metric === metric);
      if (of.length === 0) continue;
      const top = of.reduce((a, s) => (s.slopePerHour > a.slopePerHour ? s : a));
      rows.push([
        by("growth", `steepest ${metric} growth per hour (95% interval)`),
        `${top.slopePerHour} [${top.ci[0]}, ${top.ci[1]}] on ${top.proc}, bound ${top.bound}`,
      ]);
    }
  }
  return rows;
}
