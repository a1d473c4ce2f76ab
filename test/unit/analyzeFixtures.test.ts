import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ANALYSIS_FILE, analyzeRun, writeAnalysis } from "../../harness/analyze/analyzeRun.ts";
import { writeHistory } from "../../harness/ledger/history.ts";
import type { RunResult } from "../../harness/report/result.ts";
import { scenarios } from "../../scenarios/index.ts";
import { projectRoot } from "../support/harnessCli.ts";
import { HistoryBuilder, job } from "../support/histories.ts";

// Saved runs of the harness (small ones, kept as they were written): analyze must reach the
// verdict the live run reached, checker by checker.
const fixtures = join(projectRoot, "test", "fixtures", "runs");

// Every run folder these tests copy into the temp directory, removed when the file is done.
const made: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe("analyze of the saved runs in test/fixtures", () => {
  it.each(readdirSync(fixtures))("%s: the live run's verdict", (name) => {
    const dir = tempDir("analyze-fixture-");
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

describe("analyze judges a saved run by the claim order its result.json records", () => {
  // A late recovery behind a priority-9 job of another name: explained when the scheduler claims
  // name by name (Agenda), a violation under mongo-job-scheduler's global priority order.
  function savedRun(sut: Record<string, unknown>): string {
    const dir = tempDir("analyze-claim-order-");
    cpSync(join(fixtures, "crash-recovery-pass"), dir, { recursive: true });
    const history = new HistoryBuilder()
      .ready("w1", 1, 0)
      .ready("w2", 2, 0)
      .run("warm-up", "w2", 2, 50, 60, { ack: "success" })
      .run("v", "w1", 1, 900, null)
      .kill("w1", 1, 1000)
      .run("busy", "w2", 2, 500, 2400, { priority: 1, ack: "success" })
      .run("report-9", "w2", 2, 2450, 3250, { priority: 9, name: "report", ack: "success" })
      .run("v", "w2", 2, 3300, 3400, { ack: "success" })
      .history();
    writeHistory(join(dir, "history.jsonl"), history);
    const states = ["warm-up", "v", "busy", "report-9"].map((id) => job(id, "completed"));
    writeFileSync(join(dir, "final-state.json"), JSON.stringify(states));
    const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as RunResult;
    writeFileSync(join(dir, "result.json"), JSON.stringify({ ...result, runEndedAt: 10_000, sut }));
    return dir;
  }
  // Bound 1100 ms, plus the saved run's tolerance of 1000 ms: the recovery (2300 ms) is late.
  const timing = { lockTimeoutMs: 1000, pollIntervalMs: 100, heartbeatIntervalMs: null };
  const effective = { timing, scheduler: {}, store: {}, collection: "agendaJobs" };
  const sut = { adapter: "agenda", version: "6.2.6", wiring: "matched", effective };
  const recovery = (dir: string) => analyzeRun(dir, scenarios).result.checkers["recovery-time"];

  it("per-name: explained; global-priority, or none recorded: a violation", () => {
    expect(recovery(savedRun({ ...sut, claimOrder: "per-name" }))?.verdict).toBe("pass");
    expect(recovery(savedRun({ ...sut, claimOrder: "global-priority" }))?.verdict).toBe("fail");
    expect(recovery(savedRun(sut))?.verdict).toBe("fail");
  });

  it("keeps the claim order in the re-checked result", () => {
    const analysis = analyzeRun(savedRun({ ...sut, claimOrder: "per-name" }), scenarios);
    expect(analysis.result.sut?.claimOrder).toBe("per-name");
  });

  it("refuses a claim order it does not know, instead of judging by the default", () => {
    expect(() => analyzeRun(savedRun({ ...sut, claimOrder: "fifo" }), scenarios)).toThrow(/claimOrder/);
  });
});

describe("analyze takes the tolerances from the scenario's definition", () => {
  it("says so and uses the definition's when an edited result.json widens them", () => {
    const dir = tempDir("analyze-tolerance-");
    cpSync(join(fixtures, "crash-recovery-pass"), dir, { recursive: true });
    const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as RunResult;
    const check = { ...result.config.check, recoveryToleranceMs: 3_600_000, timingToleranceMs: 3_600_000 };
    writeFileSync(
      join(dir, "result.json"),
      JSON.stringify({ ...result, config: { ...result.config, check } }),
    );
    const analysis = analyzeRun(dir, scenarios);
    expect(analysis.result.config.check.recoveryToleranceMs).toBe(result.config.check.recoveryToleranceMs);
    expect(analysis.result.config.check.timingToleranceMs).toBe(result.config.check.timingToleranceMs);
    expect(analysis.differences).toContainEqual(
      expect.stringMatching(/^recoveryToleranceMs: 3600000 in the saved run/),
    );
    expect(analysis.differences).toContainEqual(
      expect.stringMatching(/^timingToleranceMs: 3600000 in the saved run/),
    );
  });
});
