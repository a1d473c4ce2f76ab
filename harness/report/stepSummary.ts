import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { figureRows } from "./figureRows.ts";
import { checkerList, type RunResult } from "./result.ts";
import { describeServer } from "./serverText.ts";
import { informationalNote } from "./verdictNote.ts";

/** Text made safe for one cell of a markdown table: no pipes, no raw HTML, one line. */
export function mdCell(value: string | number): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|")
    .replace(/\r?\n/g, "<br>");
}

/** A markdown table from a head and rows, every cell escaped. */
export function mdTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.map(mdCell).join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The server line every summary carries (see serverText.ts). */
export const serverText = describeServer;

/**
 * A short markdown summary of a scenario run, for a CI job's page (GitHub's step summary) or any
 * file: the verdict, the figures table, the checkers (informational ones with their reason), the
 * first violations of each checker, and where report.html is. A pure function of result.json.
 */
export function runSummaryMarkdown(
  result: RunResult,
  reportHtmlPath: string,
  options: { maxViolations?: number } = {},
): string {
  const max = options.maxViolations ?? 10;
  const out: string[] = [];
  out.push(`### harness scenario ${result.scenario}: ${result.verdict.toUpperCase()}`, "");
  const note = informationalNote(result);
  if (note) out.push(`**${result.verdict.toUpperCase()}** with ${note}; see the checkers below.`, "");
  out.push(
    `seed ${result.seed} · server ${serverText(result.server)} · mongo-job-scheduler ${result.environment.scheduler}${result.environment.schedulerSource ? ` from ${result.environment.schedulerSource}` : ""} · node ${result.environment.node}`,
    "",
  );
  if (result.incomplete) out.push(`**Run incomplete:** ${mdCell(result.incomplete)}`, "");
  out.push(mdTable(["figure", "value"], figureRows(result)), "");
  out.push(
    mdTable(
      ["checker", "verdict", "summary"],
      checkerList(result).map((c) => [
        c.informational ? `${c.name} (informational)` : c.name,
        c.verdict.toUpperCase(),
        c.informational ? `${c.summary}\ninformational, not in the verdict: ${c.note ?? ""}` : c.summary,
      ]),
    ),
    "",
  );
  for (const c of checkerList(result)) {
    if (c.violations.length === 0) continue;
    const shown = c.violations.slice(0, max);
    out.push(
      `<details><summary>${mdCell(c.name)}: ${c.violations.length} violation(s)${c.violations.length > max ? `, first ${max} (all in result.json)` : ""}</summary>`,
      "",
      ...shown.map(
        (v) =>
          `- ${mdCell(v.message)}${v.jobId && !v.message.includes(v.jobId) ? ` (job ${mdCell(v.jobId)})` : ""}`,
      ),
      "",
      "</details>",
      "",
    );
  }
  out.push(`Report: \`${reportHtmlPath}\``, "");
  return out.join("\n");
}

/**
 * Writes a markdown summary where it was asked for: appended to the file GitHub Actions names in
 * GITHUB_STEP_SUMMARY (when set and not empty), and written to `--summary-md`'s file.
 */
export function writeSummaryMarkdown(
  markdown: string,
  targets: { stepSummary?: string | undefined; file?: string | undefined },
): void {
  const text = markdown.endsWith("\n") ? markdown : `${markdown}\n`;
  if (targets.stepSummary) appendFileSync(targets.stepSummary, text);
  if (targets.file) {
    mkdirSync(dirname(targets.file), { recursive: true });
    writeFileSync(targets.file, text);
  }
}
