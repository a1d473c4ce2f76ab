import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { BenchResult } from "../../harness/bench/benchResult.ts";
import { runHarness, tempReports } from "../support/harnessCli.ts";

describe("npm run bench (stand-in MongoDB)", () => {
  it("runs the quick matrix, writes both files, and gates: itself passes, a doubled baseline fails naming the cells", async () => {
    const reports = tempReports();
    const run = await runHarness(
      ["bench", "--quick", "--repeats", "1", "--reports-dir", reports],
      {},
      300_000,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("efficiency");
    expect(run.stdout).toContain("ledger on/off");
    const resultPath = /result: (\S+)/.exec(run.stdout)?.[1] as string;
    const result = JSON.parse(readFileSync(resultPath, "utf8")) as BenchResult;
    expect(result.kind).toBe("bench");
    expect(result.cells.filter((c) => c.jobsPerSec).length).toBeGreaterThanOrEqual(6);
    for (const s of result.setups) {
      expect(s.efficiency).toBeGreaterThan(0);
      expect(s.ledgerOverhead).toBeGreaterThan(0);
    }
    const bigger = JSON.parse(
      readFileSync(join(resultPath, "..", "benchmark-bigger.json"), "utf8"),
    ) as unknown[];
    expect(bigger.length).toBeGreaterThan(0);

    const self = await runHarness(["compare", resultPath, resultPath]);
    expect(self.code).toBe(0);

    const doubled = structuredClone(result);
    for (const c of doubled.cells) if (c.jobsPerSec) c.jobsPerSec.median *= 2;
    const doubledPath = join(reports, "doubled.json");
    writeFileSync(doubledPath, JSON.stringify(doubled));
    const gate = await runHarness(["compare", doubledPath, resultPath]);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toContain("REGRESSED drain/plain/500/1x2 jobs/s");
  });
});
