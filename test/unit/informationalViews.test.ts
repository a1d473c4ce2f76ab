import { describe, expect, it } from "vitest";
import { buildResult, type RunMeta } from "../../harness/report/buildResult.ts";
import { figureRows } from "../../harness/report/figureRows.ts";
import { renderHtml } from "../../harness/report/html.ts";
import { runSummaryMarkdown } from "../../harness/report/stepSummary.ts";
import { renderSummary } from "../../harness/report/terminal.ts";
import { runSettingsSchema } from "../../harness/scenario/schema.ts";
import { HistoryBuilder, job } from "../support/histories.ts";

function meta(informational: Record<string, string>): RunMeta {
  return {
    scenario: "stall",
    description: "test",
    seed: 1,
    startedAt: 0,
    runEndedAt: 1000,
    durationMs: 1000,
    config: runSettingsSchema.parse({
      sut: {},
      load: {},
      faults: {},
      check: { checkers: ["lost-jobs", "re-executions"], informational },
    }),
    environment: {
      node: "v20",
      driver: "6",
      scheduler: "1",
      schedulerSource: null,
      platform: "linux",
      cpus: 2,
    },
    server: { provider: "standin", version: "5.0.0", isMongoDB: false },
    load: null,
    incomplete: null,
  };
}

// One job completed, one left failed: lost-jobs fails, re-executions passes.
const history = new HistoryBuilder()
  .ready("w1", 1, 0)
  .accept("a")
  .accept("b")
  .run("a", "w1", 1, 10, 20, { ack: "success" })
  .history();
const finalState = [job("a", "completed"), job("b", "failed")];
const weakness = { "lost-jobs": "the failure path marks a job failed without checking ownership" };

describe("informational failures beside a PASS", () => {
  const result = buildResult(meta(weakness), history, finalState);

  it("say so in the verdict line, the figure table and the checker table", () => {
    expect(result.verdict).toBe("pass");
    const text = renderSummary(result);
    expect(text).toMatch(
      /verdict: PASS \(1 informational failure: known weaknesses of the scheduler, not counted in the verdict; see the checkers above\)$/,
    );
    expect(text).toMatch(/jobs lost \(informational\)\s*│\s*1/);
    expect(text).toMatch(/lost-jobs\s*│\s*FAIL \(info\)/);
    expect(text).toMatch(/double executions\s*│\s*0/);
    expect(figureRows(result).map(([label]) => label)).toContain("jobs lost (informational)");
  });

  it("say so in the CI step summary", () => {
    const md = runSummaryMarkdown(result, "report.html");
    expect(md).toContain(
      "**PASS** with 1 informational failure: known weaknesses of the scheduler, not counted in the verdict; see the checkers below.",
    );
    expect(md).toContain("jobs lost (informational)");
  });

  it("say so in report.html", () => {
    const html = renderHtml(result, { chartJs: "", annotation: "" });
    expect(html).toContain(
      "PASS (1 informational failure: known weaknesses of the scheduler, not counted in the verdict; see the checkers below)",
    );
    expect(html).toContain("jobs accepted / completed / lost (informational)");
    expect(html).toContain("FAIL <em>(informational, not in the verdict)</em>");
  });

  it("are plain failures, with no note, when the checker is not informational", () => {
    const counted = buildResult(meta({}), history, finalState);
    expect(counted.verdict).toBe("fail");
    const text = renderSummary(counted);
    expect(text).toMatch(/verdict: FAIL$/);
    expect(text).not.toContain("informational");
    const html = renderHtml(counted, { chartJs: "", annotation: "" });
    expect(html).not.toContain("(informational");
    expect(html).not.toContain("informational failure");
  });
});
