import { describe, expect, it } from "vitest";
import { runHarness, tempReports } from "../support/harnessCli.ts";

/** A user mistake gets exactly one line on stderr, no stack trace, and exit code 3. */
function expectOneLineError(run: { code?: number; stderr: string }, pattern: RegExp) {
  expect(run.code).toBe(3);
  const lines = run.stderr.trim().split("\n");
  expect(lines.filter((l) => l.startsWith("harness:"))).toHaveLength(1);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe("harness CLI", () => {
  it("lists the scenarios", async () => {
    const run = await runHarness(["list"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("crash-recovery");
  });

  it("rejects an unknown scenario with one line and exit 3", async () => {
    const run = await runHarness(["scenario", "no-such-thing"]);
    expectOneLineError(run, /no scenario named "no-such-thing".*harness list/);
  });

  it("rejects flags out of range, naming each, before starting anything", async () => {
    const run = await runHarness(["scenario", "crash-recovery", "--workers", "0", "--lock-timeout", "5"]);
    expectOneLineError(run, /--workers.*--lock-timeout|--lock-timeout.*--workers/);
  });

  it("rejects a flag that is not a number and a flag that does not exist", async () => {
    expectOneLineError(await runHarness(["scenario", "crash-recovery", "--jobs", "many"]), /--jobs/);
    expectOneLineError(await runHarness(["scenario", "crash-recovery", "--wrokers", "3"]), /wrokers/);
  });

  it("gives up on an unreachable --mongo-uri within 15 seconds, with one line and exit 3", async () => {
    const run = await runHarness([
      "scenario",
      "crash-recovery",
      "--mongo-uri",
      "mongodb://127.0.0.1:1",
      "--reports-dir",
      tempReports(),
    ]);
    expectOneLineError(run, /cannot reach MongoDB at mongodb:\/\/127\.0\.0\.1:1/);
    expect(run.ms).toBeLessThan(15_000);
  });

  it("asks for a command when given none", async () => {
    expectOneLineError(await runHarness([]), /give a command/);
  });

  it("refuses a --junit it cannot write before starting anything, in one line", async () => {
    const folder = tempReports();
    const run = await runHarness(["scenario", "crash-recovery", "--junit", folder, "--reports-dir", folder]);
    expectOneLineError(run, /--junit .*cannot write there/);
    expect(run.ms).toBeLessThan(15_000);
  });

  it("says what is missing when analyze is pointed at a folder without a run", async () => {
    expectOneLineError(await runHarness(["analyze", tempReports()]), /result\.json not found/);
  });
});

describe("harness CLI choices", () => {
  it("rejects an unknown --mongo provider in one line", async () => {
    const run = await runHarness(["scenario", "crash-recovery", "--mongo", "nope"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/mongo.*nope.*standin/);
  });
});
