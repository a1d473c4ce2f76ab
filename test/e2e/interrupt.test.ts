import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/report/result.ts";
import { projectRoot, runHarness, tempReports } from "../support/harnessCli.ts";
import { killAll, marked } from "../support/markedProcesses.ts";

let leftovers: number[] = [];
afterEach(() => {
  killAll(leftovers);
});

describe("interrupting a run", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "on %s stops every worker, the trigger server and the JVM, and exits 2",
    async (signal) => {
      const mark = randomUUID();
      const harness = execa(
        process.execPath,
        [
          join(projectRoot, "bin", "harness.js"),
          "scenario",
          "crash-recovery",
          "--jobs",
          "3000",
          "--reports-dir",
          tempReports(),
        ],
        { cwd: projectRoot, env: { HARNESS_TEST_MARK: mark }, reject: false, all: true },
      );
      let output = "";
      harness.all?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      const deadline = Date.now() + 90_000;
      while (!output.includes("load:") && Date.now() < deadline && harness.exitCode === null)
        await new Promise((r) => setTimeout(r, 100));
      expect(output).toContain("load:");
      const during = marked(mark);
      // The harness, the trigger server, 4 workers and the JVM.
      expect(during.length).toBeGreaterThanOrEqual(7);

      // Only the harness gets the signal, not its process group: it must clean up by itself.
      process.kill(harness.pid as number, signal);
      const result = await harness;
      expect(result.exitCode, output).toBe(2);
      expect(output).toContain("verdict: UNKNOWN");
      await new Promise((r) => setTimeout(r, 500));
      leftovers = marked(mark);
      expect(leftovers).toEqual([]);
    },
  );
});

describe("an interrupted run is saved like a finished one", () => {
  it("Ctrl-C while a killed worker restarts: exit 2, unfinished jobs not lost, analyze and ui open it", async () => {
    const mark = randomUUID();
    const reports = tempReports();
    // A restart delay of 0 puts the restart in flight (the new worker booting) when the signal lands.
    const harness = execa(
      process.execPath,
      [
        join(projectRoot, "bin", "harness.js"),
        "scenario",
        "crash-recovery",
        "--seed",
        "61",
        "--jobs",
        "200",
        "--restart-delay",
        "0",
        "--reports-dir",
        reports,
      ],
      { cwd: projectRoot, env: { HARNESS_TEST_MARK: mark }, reject: false, all: true },
    );
    let output = "";
    harness.all?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 120_000;
    while (!/killed w\d/.test(output) && Date.now() < deadline && harness.exitCode === null)
      await new Promise((r) => setTimeout(r, 50));
    expect(output).toMatch(/killed w\d/);
    process.kill(harness.pid as number, "SIGINT");
    const run = await harness;
    expect(run.exitCode, output).toBe(2);
    expect(output).not.toMatch(/unexpected error|\n\s+at /);
    expect(output).toContain("verdict: UNKNOWN");
    await new Promise((r) => setTimeout(r, 500));
    leftovers = marked(mark);
    expect(leftovers).toEqual([]);

    const dir = join(reports, "latest");
    const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as RunResult;
    expect(result.incomplete).toBe("interrupted");
    // The load may still be running when the first kill comes: count what was accepted.
    const accepted = result.counts.accepted;
    expect(accepted).toBeGreaterThan(0);
    expect(result.counts.lost).toBe(0);
    expect(result.counts.completed).toBeGreaterThan(0);
    expect(result.counts.unfinished).toBeGreaterThan(0);
    expect(result.counts.completed + (result.counts.unfinished ?? 0)).toBe(accepted);
    const finalState = JSON.parse(readFileSync(join(dir, "final-state.json"), "utf8")) as unknown[];
    expect(finalState.length).toBeGreaterThanOrEqual(accepted);
    // Requests still in flight at the interrupt may have made jobs too (not counted as accepted).
    expect(result.finalStatuses.completed).toBeGreaterThanOrEqual(result.counts.completed);

    const analyzed = await runHarness(["analyze", dir]);
    expect(analyzed.code).toBe(2);
    expect(analyzed.stdout).toMatch(/jobs unfinished \(run cut short, not judged\)\s*│\s*\d+/);
    expect(analyzed.stdout).not.toMatch(/jobs lost/);

    // `npm run ui` loads the run's jobs.json into a database of its own and serves it.
    const ui = execa(process.execPath, [join(projectRoot, "bin", "harness.js"), "ui", dir, "--port", "0"], {
      cwd: projectRoot,
      reject: false,
      all: true,
    });
    let uiOut = "";
    ui.all?.on("data", (chunk: Buffer) => {
      uiOut += chunk.toString();
    });
    const uiDeadline = Date.now() + 90_000;
    while (!/Scheduler UI: \S+/.test(uiOut) && Date.now() < uiDeadline && ui.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    expect(uiOut).toContain(`loaded ${finalState.length} jobs`);
    const url = /Scheduler UI: (\S+)/.exec(uiOut)?.[1] as string;
    expect((await fetch(url)).status).toBe(200);
    ui.kill("SIGINT");
    expect((await ui).exitCode).toBe(0);
  });
});
