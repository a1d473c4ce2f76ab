import Table from "cli-table3";
import { figureRows } from "./figureRows.ts";
import { attributionLines, probeLine } from "./probeViews.ts";
import { checkerList, type RunResult } from "./result.ts";
import { describeServer } from "./serverText.ts";
import { effectiveLines } from "./sutSettings.ts";
import { informationalNote } from "./verdictNote.ts";

const colours = { pass: "\x1b[32m", fail: "\x1b[31m", unknown: "\x1b[33m", reset: "\x1b[0m" } as const;

function verdictText(verdict: keyof typeof colours, colour: boolean): string {
  const word = verdict.toUpperCase();
  return colour ? `${colours[verdict]}${word}${colours.reset}` : word;
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
  const server = describeServer(result.server);
  lines.push(
    result.app
      ? `app ${result.app.api}  seed ${result.seed}  server ${server}`
      : `scenario ${result.scenario}  seed ${result.seed}  server ${server}`,
  );
  for (const w of result.app?.dependencies?.warnings ?? []) lines.push(`! ${w}`);
  lines.push(
    result.app
      ? appSchedulerLine(result.app, result.sut?.version)
      : `scheduler ${result.sut ? `${result.sut.adapter} ` : ""}${result.sut?.version ?? result.environment.scheduler}${result.environment.schedulerSource ? ` from ${result.environment.schedulerSource}` : ""}  driver ${result.environment.driver}  node ${result.environment.node}`,
  );
  if (result.sut?.effective) lines.push(...effectiveLines(result.sut.wiring, result.sut.effective));

  const figures = new Table({ head: ["figure", "value"], style, chars });
  figures.push(...figureRows(result));
  lines.push(figures.toString());

  const checks = new Table({
    head: ["checker", "verdict", "summary"],
    style,
    chars,
    colWidths: [24, 15, 72],
    wordWrap: true,
  });
  for (const r of checkerList(result)) {
    const summary = r.note ? `${r.summary}\ninformational, not in the verdict: ${r.note}` : r.summary;
    // An informational row's verdict says that it is not counted, right where FAIL is read.
    const verdict = verdictText(r.verdict, colour) + (r.informational ? " (info)" : "");
    checks.push([r.name + (r.informational ? "\n(informational)" : ""), verdict, summary]);
  }
  lines.push(checks.toString());

  const max = options.maxViolations ?? 10;
  for (const r of checkerList(result)) {
    for (const [what, list] of [
      ["violation(s)", r.violations],
      ["not judged", r.unknowns],
    ] as const) {
      if (list.length === 0) continue;
      lines.push(
        `${r.name}${r.informational ? " (informational)" : ""}: ${list.length} ${what}${list.length > max ? `, first ${max}` : ""}`,
      );
      for (const v of list.slice(0, max)) lines.push(`  - ${v.message}`);
    }
  }
  if (result.history.problems > 0) {
    lines.push(
      `history: ${result.history.problems} problem(s), so no checker can pass${result.history.problems > max ? `; first ${max}` : ""}`,
    );
    for (const p of result.history.examples.slice(0, max)) lines.push(`  - ${p.message}`);
  }
  for (const f of result.faults?.failed ?? []) lines.push(`fault failed, verdict unknown at best: ${f}`);
  const table = result.faults?.coverage?.table ?? {};
  if (Object.keys(table).length)
    lines.push(
      `faults struck: ${Object.entries(table)
        .map(
          ([fault, row]) =>
            `${fault} → ${Object.entries(row)
              .map(([kind, n]) => (n === 1 ? kind : `${kind} ×${n}`))
              .join(", ")}`,
        )
        .join("; ")}`,
    );
  if (result.probe) lines.push(probeLine(result.probe));
  if (result.clocks)
    lines.push(
      `clocks: ${result.clocks.writers.length} writer(s) on the ledger server's clock, within ±${result.clocks.maxUncertaintyMs} ms${result.clocks.unmeasured.length ? `; never measured: ${result.clocks.unmeasured.join(", ")}` : ""}`,
    );
  lines.push(...attributionLines(result, max));
  if (result.incomplete) lines.push(`run incomplete: ${result.incomplete}`);
  const note = informationalNote(result);
  lines.push(
    `verdict: ${verdictText(result.verdict, colour)}${note ? ` (${note}; see the checkers above)` : ""}`,
  );
  return lines.join("\n");
}

/** App mode: the scheduler and the driver the service's own tree loads (not the harness's). */
function appSchedulerLine(app: NonNullable<RunResult["app"]>, version: string | undefined): string {
  const deps = app.dependencies;
  const driverPath = deps?.resolves["mongo-job-scheduler"];
  const driver = deps?.packages.find((p) => p.path === driverPath)?.version;
  return `the service's mongo-job-scheduler ${version ?? "unknown"}${driver ? `  its driver ${driver}` : ""}${app.command ? `  ${app.instances} × ${app.command}${app.cwd ? ` in ${app.cwd}` : ""}` : `  attached to ${app.urls?.join(", ")}`}`;
}
