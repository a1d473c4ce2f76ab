import Table from "cli-table3";
import type { ProbeResult } from "../probe/probeTypes.ts";
import type { RunResult } from "./result.ts";

/** The probe as a terminal table: each primitive, its verdict and its figures. */
export function renderProbe(probe: ProbeResult, options: { colour?: boolean } = {}): string {
  const style = options.colour ? {} : { head: [], border: [] };
  const table = new Table({
    head: ["primitive", "verdict", "what was seen"],
    style,
    colWidths: [18, 13, 90],
    wordWrap: true,
  });
  for (const p of probe.primitives) table.push([p.name, p.verdict.toUpperCase(), p.detail]);
  return table.toString();
}

/** One line for a run's progress and summary: the broken primitives, or that every one held. */
export function probeLine(probe: ProbeResult): string {
  const broken = probe.primitives.filter((p) => p.verdict === "broken").map((p) => p.name);
  const unavailable = probe.primitives.filter((p) => p.verdict === "unavailable").map((p) => p.name);
  const unknown = probe.primitives.filter((p) => p.verdict === "unknown").map((p) => p.name);
  const parts = [
    broken.length ? `BROKEN ${broken.join(", ")}` : "every primitive measured held",
    ...(unknown.length ? [`could not tell ${unknown.join(", ")}`] : []),
    ...(unavailable.length ? [`not offered: ${unavailable.join(", ")}`] : []),
  ];
  return `probe (${probe.size}, ${(probe.durationMs / 1000).toFixed(1)} s): ${parts.join("; ")}`;
}

/**
 * Whose promise broke, for a failed run: the summary, and the blame of the first violations with
 * the evidence (the same-version claims, the probe's verdicts). Nothing for a run that kept them.
 */
export function attributionLines(result: RunResult, max: number): string[] {
  const a = result.attribution;
  if (!a || a.counts.server + a.counts.scheduler + (a.counts.service ?? 0) + a.counts.unknown === 0)
    return [];
  const lines = [`whose promise broke: ${a.summary}`];
  for (const blame of ["server", "scheduler", "service", "unknown"] as const) {
    const first = a.examples.filter((e) => e.blame === blame).slice(0, Math.min(max, 3));
    for (const e of first)
      lines.push(
        `  - ${blame === "unknown" ? "cannot tell" : `the ${blame}'s`}: ${e.checker}${e.jobId ? ` job ${e.jobId}` : ""}: ${e.why}`,
      );
  }
  return lines;
}
