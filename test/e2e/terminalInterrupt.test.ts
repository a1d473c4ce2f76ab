import { readFileSync } from "node:fs";
import { constants } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/report/result.ts";
import { missingFaultTools } from "../support/faultRuns.ts";
import { tempReports } from "../support/harnessCli.ts";
import { killAll } from "../support/markedProcesses.ts";
import { startTerminalRun, type TerminalExit } from "../support/terminalRun.ts";

let leftovers: number[] = [];
afterEach(() => {
  killAll(leftovers);
  leftovers = [];
});

type Run = ReturnType<typeof startTerminalRun>;

/** A run's processes a moment after it ended: none may be left. */
async function noneLeft(run: Run): Promise<void> {
  await new Promise((r) => setTimeout(r, 500));
  leftovers = run.leftovers();
  expect(leftovers).toEqual([]);
}

/** The line every stopped run ends with, and the partial result it names. */
function partialResult(exit: TerminalExit, line: RegExp): RunResult {
  expect(exit.output).toMatch(line);
  const path = /partial result \(verdict unknown\) saved in (\S+)/.exec(exit.output)?.[1] as string;
  const result = JSON.parse(readFileSync(path, "utf8")) as RunResult;
  expect(result.verdict).toBe("unknown");
  return result;
}

/** No stack trace, no driver error dump: a stopped run says what happened in lines of its own. */
function noTrace(exit: TerminalExit): void {
  expect(exit.output).not.toMatch(/\n\s+at |Error: .*\n\s+at |PoolClearedError|MongoServerSelectionError/);
}

const crashRecovery = (...flags: string[]) => [
  "scenario",
  "crash-recovery",
  "--reports-dir",
  tempReports(),
  ...flags,
];

describe("Ctrl-C in a terminal: SIGINT to the whole process group, children included", () => {
  // Each point of a run where a user may press it: what must come out is the same.
  it.each([
    {
      at: "during the load",
      flags: ["--jobs", "3000", "--connections", "2"],
      wait: /· load: \d+\/3000 responses/,
      where: /interrupted during the load \(\d+ of 3000 jobs accepted\)/,
    },
    {
      at: "between a kill and its restart",
      flags: ["--jobs", "200", "--restart-delay", "5000"],
      wait: /killed w\d/,
      where: /interrupted at \d+ % of the drain/,
    },
    {
      at: "during the drain",
      flags: ["--jobs", "300"],
      wait: /· drain: \d+\/300 jobs finished/,
      where: /interrupted at \d+ % of the drain/,
    },
    {
      at: "during teardown",
      flags: ["--jobs", "20", "--kills", "0"],
      wait: /· teardown: stopping workers/,
      where: /interrupted during teardown/,
    },
  ])(
    "$at: exit 2 within 10 s, one line with where it stopped and the partial result, no process left",
    async ({ flags, wait, where }) => {
      const run = startTerminalRun(crashRecovery(...flags));
      await run.waitFor(wait);
      run.interrupt();
      const exit = await run.exited;
      expect(exit.code, exit.output).toBe(2);
      expect(exit.ms).toBeLessThan(10_000);
      expect(exit.output).toContain("Ctrl-C (SIGINT): stopping the run");
      noTrace(exit);
      const result = partialResult(exit, new RegExp(`! ${where.source}; partial result`));
      expect(result.incomplete).toBe("interrupted");
      // The server outlived the workers: the final state was read, nothing was called lost.
      expect(result.counts.lost).toBe(0);
      expect(exit.output).not.toContain("final state cannot be read");
      await noneLeft(run);
    },
  );

  it("a second Ctrl-C aborts at once: every process killed, exit 2, and it says nothing more was saved", async () => {
    const run = startTerminalRun(crashRecovery("--jobs", "300"));
    await run.waitFor(/· drain: \d+\/300 jobs finished/);
    run.interrupt();
    await new Promise((r) => setTimeout(r, 150));
    run.interrupt();
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(2);
    expect(exit.ms).toBeLessThan(3000);
    expect(exit.output).toMatch(
      /! Ctrl-C \(SIGINT\) again: aborted at once, \d+ process(es)? killed; nothing more was saved/,
    );
    expect(exit.output).not.toContain("partial result");
    noTrace(exit);
    await noneLeft(run);
  });

  it("through npm run: npm exits 130 (it waits for the harness), and the run is saved as interrupted", async () => {
    const run = startTerminalRun(crashRecovery("--jobs", "300"), { viaNpm: true });
    await run.waitFor(/· drain: \d+\/300 jobs finished/);
    run.interrupt();
    const exit = await run.exited;
    // npm waits for the harness, then dies of the same SIGINT: a shell reports that as 130.
    expect(exit.code ?? 128 + (constants.signals[exit.signal as NodeJS.Signals] ?? 0), exit.output).toBe(130);
    expect(exit.ms).toBeLessThan(10_000);
    noTrace(exit);
    expect(partialResult(exit, /! interrupted at \d+ % of the drain; partial result/).incomplete).toBe(
      "interrupted",
    );
    await noneLeft(run);
  });
});

describe("a process the run depends on dies mid-run (SIGKILL from someone else)", () => {
  it("the stand-in server mid-drain: one line naming it, exit 2 within 15 s, the partial result saved", async () => {
    const run = startTerminalRun(crashRecovery("--jobs", "300"));
    await run.waitFor(/· drain: \d+\/300 jobs finished/);
    const pid = run.killDependency(/^java .*StandinServer/);
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(2);
    expect(exit.ms).toBeLessThan(15_000);
    noTrace(exit);
    const line = `mongo server \\(standin, pid ${pid}\\) exited with signal SIGKILL at \\d+ % of the drain`;
    const result = partialResult(exit, new RegExp(`! run stopped: ${line}; partial result`));
    expect(result.incomplete).toMatch(new RegExp(`^${line}$`));
    expect(exit.output).toContain("the database server is gone: the jobs' final state cannot be read");
    await noneLeft(run);
  });

  it("the trigger server during the load: one line naming it, exit 2 within 15 s, the partial result saved", async () => {
    const run = startTerminalRun(crashRecovery("--jobs", "3000", "--connections", "2"));
    await run.waitFor(/· load: \d+\/3000 responses/);
    const pid = run.killDependency(/triggerMain\.ts/);
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(2);
    expect(exit.ms).toBeLessThan(15_000);
    noTrace(exit);
    const line = `trigger server \\(pid ${pid}\\) exited with signal SIGKILL during the load`;
    expect(partialResult(exit, new RegExp(`! run stopped: ${line}`)).incomplete).toMatch(
      new RegExp(`^${line}`),
    );
    await noneLeft(run);
  });

  const missing = missingFaultTools();
  it.skipIf(missing !== null)(
    `the network proxy mid-drain: one line naming it, exit 2 within 15 s${missing ? ` (skipped: ${missing})` : ""}`,
    async () => {
      const run = startTerminalRun(
        crashRecovery("--jobs", "300", "--fault", "latency:target=w1,at=0,for=3000,latency=20"),
      );
      await run.waitFor(/· drain: \d+\/300 jobs finished/);
      const pid = run.killDependency(/^\S*(toxiproxy-server|\/bin\/server) -host /);
      const exit = await run.exited;
      expect(exit.code, exit.output).toBe(2);
      expect(exit.ms).toBeLessThan(15_000);
      noTrace(exit);
      const line = `proxy server \\(toxiproxy, pid ${pid}\\) exited with signal SIGKILL at \\d+ % of the drain`;
      expect(partialResult(exit, new RegExp(`! run stopped: ${line}`)).incomplete).toMatch(
        new RegExp(`^${line}$`),
      );
      await noneLeft(run);
    },
  );
});
