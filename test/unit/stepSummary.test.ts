import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AnyCheckerResult } from "../../harness/checkers/types.ts";
import { keyByName } from "../../harness/checkers/verdicts.ts";
import { ciOutputsFrom, writeCiOutputs } from "../../harness/report/ciOutputs.ts";
import { figureRows } from "../../harness/report/figureRows.ts";
import { checkerList } from "../../harness/report/result.ts";
import { mdCell, runSummaryMarkdown } from "../../harness/report/stepSummary.ts";
import { HarnessError } from "../../harness/util/exitCodes.ts";
import { brokenRun, checkerOf } from "../support/runResults.ts";

describe("markdown summary of a run", () => {
  it("gives the verdict, every figure, every checker with its verdict, the violations and the report path", () => {
    const result = brokenRun({ "recovery-time": "no kill in this run" });
    const md = runSummaryMarkdown(result, "reports/crash-recovery/x/report.html");
    expect(md).toContain("### harness scenario crash-recovery: FAIL");
    expect(md).toContain("seed 7");
    expect(md).toContain("not MongoDB figures");
    for (const [label, value] of figureRows(result))
      expect(md).toContain(`| ${mdCell(label)} | ${mdCell(value)} |`);
    expect(md).toContain(`| lost-jobs | FAIL | ${mdCell(checkerOf(result, "lost-jobs").summary)} |`);
    expect(md).toContain("| recovery-time (informational) | UNKNOWN |");
    expect(md).toContain("informational, not in the verdict: no kill in this run");
    expect(md).toMatch(/<summary>re-executions: \d+ violation\(s\)<\/summary>/);
    expect(md).toContain("twice-1");
    expect(md).toContain("Report: `reports/crash-recovery/x/report.html`");
  });

  it("keeps a table row on one line whatever a summary holds", () => {
    expect(mdCell("a | b\nc <d>")).toBe("a \\| b<br>c &lt;d&gt;");
  });

  it("lists the first violations and says how many there are", () => {
    const result = brokenRun();
    const many = Array.from({ length: 25 }, (_, i) => ({
      kind: "lost",
      message: `job j${i} lost`,
      jobId: `j${i}`,
    }));
    const md = runSummaryMarkdown(
      {
        ...result,
        checkers: keyByName(
          checkerList(result).map(
            (c) => (c.name === "lost-jobs" ? { ...c, violations: many } : c) as AnyCheckerResult,
          ),
        ),
      },
      "report.html",
    );
    expect(md).toContain("lost-jobs: 25 violation(s), first 10 (all in result.json)");
    expect(md).toContain("job j9 lost");
    expect(md).not.toContain("job j10 lost");
  });
});

describe("CI outputs", () => {
  const dir = () => mkdtempSync(join(tmpdir(), "harness-ci-"));

  it("appends to GITHUB_STEP_SUMMARY and writes --junit and --summary-md, creating folders", () => {
    const d = dir();
    const step = join(d, "step-summary.md");
    writeFileSync(step, "earlier step\n");
    const outputs = ciOutputsFrom(
      { junit: join(d, "out", "junit.xml"), summaryMd: join(d, "out", "summary.md") },
      { GITHUB_STEP_SUMMARY: step },
    );
    writeCiOutputs(outputs, { junit: () => "<testsuites/>", markdown: () => "# run" });
    expect(readFileSync(step, "utf8")).toBe("earlier step\n# run\n");
    expect(readFileSync(join(d, "out", "summary.md"), "utf8")).toBe("# run\n");
    expect(readFileSync(join(d, "out", "junit.xml"), "utf8")).toBe("<testsuites/>\n");
  });

  it("writes nothing it was not asked for; an empty GITHUB_STEP_SUMMARY counts as unset", () => {
    expect(ciOutputsFrom({}, { GITHUB_STEP_SUMMARY: "" })).toEqual({});
    let rendered = 0;
    writeCiOutputs({}, { junit: () => String(++rendered), markdown: () => String(++rendered) });
    expect(rendered).toBe(0);
  });

  it("refuses, before anything starts, a --junit path that cannot be written", () => {
    const d = dir();
    expect(() => ciOutputsFrom({ junit: d }, {})).toThrow(HarnessError);
    expect(() => ciOutputsFrom({ junit: d }, {})).toThrow(/--junit .*cannot write there/);
    const file = join(d, "a-file");
    writeFileSync(file, "");
    expect(() => ciOutputsFrom({ summaryMd: join(file, "summary.md") }, {})).toThrow(/--summary-md/);
  });
});
