import Table from "cli-table3";
import { checkerList, type RunResult } from "./result.ts";

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
    ["jobs lost", c.lost],
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
  const ordering = result.checkers["priority-order"]?.figures;
  if (ordering) {
    figures.push(
      ["priority inversions", `${ordering.inversions} (worst wait ${ordering.maxInversionWaitMs} ms)`],
      ["unlimited started ahead of waiting limited", ordering.limitedBehindUnlimited],
    );
  }
  for (const [name, n] of Object.entries(result.checkers["concurrency-limit"]?.figures?.names ?? {})) {
    figures.push([
      `${name}: peak / limit`,
      `${n.peak} / ${n.limit}, ${n.msOverLimit} ms over, longest starvation ${n.longestStarvationMs} ms`,
    ]);
  }
  const fixed = result.checkers["retry-timing"]?.figures;
  if (fixed)
    figures.push([
      "retry gaps (fixed delay)",
      `${fixed.checked} checked, ${fixed.early} early, ${fixed.late} late`,
    ]);
  const computed = result.checkers["retry-computed-delay"]?.figures;
  if (computed)
    figures.push([
      "retry gaps (computed delay)",
      `${computed.checked} checked, ${computed.early} early, ${computed.late} late`,
    ]);
  const repeats = result.checkers["repeat-ticks"]?.figures;
  if (repeats) {
    figures.push([
      "repeat ticks",
      `${repeats.ticks} run, ${repeats.doubleTicks} twice, ${repeats.missed} missed; drift p50 ${ms(repeats.driftP50Ms)}, p99 ${ms(repeats.driftP99Ms)}`,
    ]);
  }
  const dedupe = result.checkers.dedupe?.figures;
  if (dedupe) {
    figures.push([
      "dedupe",
      `${dedupe.requests} accepted requests → ${dedupe.jobs} jobs, ${dedupe.executions} executions`,
    ]);
  }
  if (c.unexpected > 0) figures.push(["unexpected jobs / executions", c.unexpected]);
  if (result.history.problems > 0) {
    figures.push([
      "history problems",
      `${result.history.problems} (${Object.entries(result.history.byKind)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ")})`,
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
  for (const r of checkerList(result)) {
    const summary = r.note ? `${r.summary}\ninformational, not in the verdict: ${r.note}` : r.summary;
    checks.push([r.name + (r.informational ? " (info)" : ""), verdictText(r.verdict, colour), summary]);
  }
  lines.push(checks.toString());

  const max = options.maxViolations ?? 10;
  for (const r of checkerList(result)) {
    for (const [what, list] of [
      ["violation(s)", r.violations],
      ["not judged", r.unknowns],
    ] as const) {
      if (list.length === 0) continue;
      lines.push(`${r.name}: ${list.length} ${what}${list.length > max ? `, first ${max}` : ""}`);
      for (const v of list.slice(0, max)) lines.push(`  - ${v.message}`);
    }
  }
  if (result.history.problems > 0) {
    lines.push(
      `history: ${result.history.problems} problem(s), so no checker can pass${result.history.problems > max ? `; first ${max}` : ""}`,
    );
    for (const p of result.history.examples.slice(0, max)) lines.push(`  - ${p.message}`);
  }
  if (result.incomplete) lines.push(`run incomplete: ${result.incomplete}`);
  lines.push(`verdict: ${verdictText(result.verdict, colour)}`);
  return lines.join("\n");
}
