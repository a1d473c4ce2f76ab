import Table from "cli-table3";
import type { RunResult } from "./result.ts";

const colours = { pass: "\x1b[32m", fail: "\x1b[31m", unknown: "\x1b[33m", reset: "\x1b[0m" } as const;

function verdictText(verdict: keyof typeof colours, colour: boolean): string {
  const word = verdict.toUpperCase();
  return colour ? `${colours[verdict]}${word}${colours.reset}` : word;
}

function ms(value: number | null): string {
  return value === null ? "n/a" : `${value} ms`;
}

/** The terminal summary of a run: a pure function of result.json. No colour unless asked. */
export function renderSummary(
  result: RunResult,
  options: { colour?: boolean; maxViolations?: number } = {},
): string {
  const colour = options.colour ?? false;
  const style = colour ? {} : { head: [], border: [] };
  // No rule between rows: a summary should fit on one screen.
  const chars = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };
  const lines: string[] = [];
  const server = `${result.server.provider} ${result.server.version}${result.server.isMongoDB ? "" : " (stand-in, not MongoDB: figures are not MongoDB figures)"}`;
  lines.push(`scenario ${result.scenario}  seed ${result.seed}  server ${server}`);
  lines.push(
    `scheduler ${result.environment.scheduler}${result.environment.schedulerSource ? ` from ${result.environment.schedulerSource}` : ""}  driver ${result.environment.driver}  node ${result.environment.node}`,
  );

  const figures = new Table({ head: ["figure", "value"], style, chars });
  const c = result.counts;
  figures.push(
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
    figures.push([
      "HTTP enqueue",
      `${result.load.accepted}/${result.load.sent} accepted, ${Math.round(result.load.requestsPerSec)} req/s, p99 ${result.load.latencyMs.p99} ms`,
    ]);
  }
  if (result.ordering) {
    figures.push(
      [
        "priority inversions",
        `${result.ordering.inversions} (worst wait ${result.ordering.maxInversionWaitMs} ms)`,
      ],
      ["unlimited started ahead of waiting limited", result.ordering.limitedBehindUnlimited],
    );
  }
  for (const [name, c] of Object.entries(result.concurrency ?? {})) {
    figures.push([
      `${name}: peak / limit`,
      `${c.peak} / ${c.limit}, ${c.msOverLimit} ms over, longest starvation ${c.longestStarvationMs} ms`,
    ]);
  }
  if (result.retries) {
    const r = result.retries;
    figures.push(["retry gaps (fixed delay)", `${r.checked} checked, ${r.early} early, ${r.late} late`]);
    if (r.computed)
      figures.push([
        "retry gaps (computed delay)",
        `${r.computed.checked} checked, ${r.computed.early} early, ${r.computed.late} late`,
      ]);
  }
  if (result.repeats) {
    const r = result.repeats;
    figures.push([
      "repeat ticks",
      `${r.ticks} run, ${r.doubleTicks} twice, ${r.missed} missed; drift p50 ${ms(r.driftP50Ms)}, p99 ${ms(r.driftP99Ms)}`,
    ]);
  }
  if (result.dedupe) {
    figures.push([
      "dedupe",
      `${result.dedupe.requests} accepted requests → ${result.dedupe.jobs} jobs, ${result.dedupe.executions} executions`,
    ]);
  }
  if (c.kills > 0) {
    figures.push(
      ["kills", c.kills],
      ["recovered after a kill", c.recovered],
      ["recovery p50 / max", `${ms(result.recovery.p50Ms)} / ${ms(result.recovery.maxMs)}`],
      [
        "recovery bound (lock timeout + poll)",
        `${result.recovery.boundMs} ms (+${result.recovery.toleranceMs} ms tolerance)`,
      ],
    );
  }
  lines.push(figures.toString());

  const checks = new Table({
    head: ["checker", "verdict", "summary"],
    style,
    chars,
    colWidths: [24, 9, 78],
    wordWrap: true,
  });
  for (const r of result.checkers) {
    const summary = r.note ? `${r.summary}\ninformational, not in the verdict: ${r.note}` : r.summary;
    checks.push([r.name + (r.informational ? " (info)" : ""), verdictText(r.verdict, colour), summary]);
  }
  lines.push(checks.toString());

  const max = options.maxViolations ?? 10;
  for (const r of result.checkers) {
    if (r.violations.length === 0) continue;
    lines.push(
      `${r.name}: ${r.violations.length} violation(s)${r.violations.length > max ? `, first ${max}` : ""}`,
    );
    for (const v of r.violations.slice(0, max)) lines.push(`  - ${v.message}`);
  }
  if (result.incomplete) lines.push(`run incomplete: ${result.incomplete}`);
  lines.push(`verdict: ${verdictText(result.verdict, colour)}`);
  return lines.join("\n");
}
