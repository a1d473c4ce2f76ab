import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { projectRoot, tempReports } from "../support/harnessCli.ts";

/** Pids of every process whose environment carries the mark (the harness's children inherit it). */
function marked(mark: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(join("/proc", entry, "environ"), "latin1").includes(`HARNESS_TEST_MARK=${mark}`))
        pids.push(Number(entry));
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return pids;
}

let leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
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
      expect(result.exitCode).toBe(2);
      expect(output).toContain("verdict: UNKNOWN");
      await new Promise((r) => setTimeout(r, 500));
      leftovers = marked(mark);
      expect(leftovers).toEqual([]);
    },
  );
});
