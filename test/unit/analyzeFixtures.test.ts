import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ANALYSIS_FILE, analyzeRun, writeAnalysis } from "../../harness/analyze/analyzeRun.ts";
import type { RunResult } from "../../harness/report/result.ts";
import { scenarios } from "../../scenarios/index.ts";
import { projectRoot } from "../support/harnessCli.ts";

// Saved runs of the harness (small ones, kept as they were written): analyze must reach the
// verdict the live run reached, checker by checker.
const fixtures = join(projectRoot, "test", "fixtures", "runs");

describe("analyze of the saved runs in test/fixtures", () => {
  it.each(readdirSync(fixtures))("%s: the live run's verdict", (name) => {
    const dir = mkdtempSync(join(tmpdir(), "analyze-fixture-"));
    cpSync(join(fixtures, name), dir, { recursive: true });
    const saved = JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as RunResult;
    const before = readFileSync(join(dir, "result.json"), "utf8");
    const analysis = analyzeRun(dir, scenarios);
    expect(analysis.result.verdict).toBe(saved.verdict);
    for (const [checker, r] of Object.entries(saved.checkers))
      expect(analysis.result.checkers[checker as keyof RunResult["checkers"]]?.verdict, checker).toBe(
        r?.verdict,
      );
    expect(analysis.differences).toEqual([]);
    writeAnalysis(dir, analysis);
    expect(existsSync(join(dir, ANALYSIS_FILE))).toBe(true);
    expect(readFileSync(join(dir, "result.json"), "utf8")).toBe(before);
  });
});
