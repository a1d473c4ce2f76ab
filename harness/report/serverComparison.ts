import Table from "cli-table3";
import type { AnyCheckerResult } from "../checkers/types.ts";
import { recoveredText } from "./figureRows.ts";
import type { RunResult } from "./result.ts";
import { describeServer } from "./serverText.ts";

/** One run of a scenario on one server, as `--mongo a,b,c` compares them. */
export interface ServerRun {
  target: string;
  result: RunResult;
}

/**
 * The same scenario, one seed, several servers, side by side: per server the verdict of each
 * checker, the key figures, the probe's broken primitives and whose promise broke.
 */
export function renderServerComparison(
  runs: readonly ServerRun[],
  options: { colour?: boolean } = {},
): string {
  const style = options.colour ? {} : { head: [], border: [] };
  const checkerNames = [...new Set(runs.flatMap((r) => Object.keys(r.result.checkers)))];
  const table = new Table({
    head: ["", ...runs.map((r) => r.target)],
    style,
    wordWrap: true,
    colWidths: [26, ...runs.map(() => Math.max(22, Math.floor(96 / runs.length)))],
  });
  const row = (label: string, cell: (r: RunResult) => string) =>
    table.push([label, ...runs.map((r) => cell(r.result))]);
  row("server", (r) => describeServer(r.server));
  row("verdict", (r) => r.verdict.toUpperCase() + (r.incomplete ? ` (${r.incomplete})` : ""));
  for (const name of checkerNames)
    row(name, (r) => {
      const c = (r.checkers as Record<string, AnyCheckerResult | undefined>)[name];
      return c ? `${c.verdict.toUpperCase()}${c.informational ? " (info)" : ""}` : "—";
    });
  row("jobs completed / accepted", (r) => `${r.counts.completed} / ${r.counts.accepted}`);
  row("lost", (r) => String(r.counts.lost));
  row("double executions", (r) => String(r.counts.doubleExecutions));
  row("killed jobs recovered", recoveredText);
  row("throughput", (r) => (r.throughput.jobsPerSec === null ? "n/a" : `${r.throughput.jobsPerSec} jobs/s`));
  row("probe: broken here", (r) =>
    r.probe
      ? r.probe.primitives
          .filter((p) => p.verdict === "broken")
          .map((p) => p.name)
          .join(", ") || "none"
      : "not run",
  );
  row("whose promise broke", (r) =>
    !r.attribution || (r.attribution.verdict === "unknown" && r.attribution.counts.unknown === 0)
      ? "—"
      : `${r.attribution.verdict} (server ${r.attribution.counts.server}, scheduler ${r.attribution.counts.scheduler}, cannot tell ${r.attribution.counts.unknown})`,
  );
  return table.toString();
}
