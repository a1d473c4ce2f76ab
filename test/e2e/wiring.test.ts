import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectRoot, runHarness, tempReports } from "../support/harnessCli.ts";
import { killAll, marked } from "../support/markedProcesses.ts";
import { latestResult } from "../support/runResults.ts";

const wiring = (file: string) => join(projectRoot, "test", "support", "wiring", file);
/** A process's command line, or "" once it is gone. */
const commandLine = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").replaceAll("\0", " ");
  } catch {
    return "";
  }
};
let leftovers: number[] = [];
afterEach(() => {
  killAll(leftovers);
  leftovers = [];
});

describe("--wiring and --sut", () => {
  it.each([
    [["--wiring", "production"], "no such preset for mongo-job-scheduler"],
    [["--wiring", wiring("no-builder.mjs")], "exports no builder"],
    [["--sut", "bull"], "no such scheduler; known: mongo-job-scheduler, agenda"],
    [["--sut", "agenda", "--wiring", wiring("throws.mjs")], "no wiring modules"],
  ])("refuses %j in one line, exit 3, before anything starts", async (flags, message) => {
    const run = await runHarness(["scenario", "crash-recovery", ...flags]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect(run.all).not.toContain("MongoDB target");
  });

  it.each([
    [
      "throws.mjs",
      "the builder threw (SCHEDULER_DB is not set); expected it to return a Scheduler built from (db, handler)",
    ],
    [
      "returns-nothing.mjs",
      "the builder returned undefined, not a Scheduler; expected it to return a Scheduler built from (db, handler)",
    ],
  ])("refuses %s in one line naming the file, exit 3, before any process starts", async (file, what) => {
    const mark = randomUUID();
    const running = runHarness(["scenario", "crash-recovery", "--wiring", wiring(file)], {
      HARNESS_TEST_MARK: mark,
    });
    // Every process carrying the mark while the harness runs: a JVM or a worker lives for seconds
    // at least, far longer than the sampling interval.
    const seen = new Map<number, string>();
    let done = false;
    void running.finally(() => {
      done = true;
    });
    while (!done) {
      for (const pid of marked(mark)) if (!seen.has(pid)) seen.set(pid, commandLine(pid));
      await new Promise((r) => setTimeout(r, 20));
    }
    const run = await running;
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split("\n")).toEqual([`harness: --wiring ${wiring(file)}: ${what}`]);
    expect(run.all).not.toContain("MongoDB target");
    expect(seen.size).toBeGreaterThan(0);
    // The harness itself and the esbuild service its TypeScript loader (tsx) runs; no JVM, no
    // MongoDB server, no worker, no trigger server.
    for (const cmd of seen.values()) expect(cmd).toMatch(/bin\/harness\.js|bin\/esbuild --service|^$/);
    leftovers = marked(mark);
    expect(leftovers).toEqual([]);
  });

  it("reports a scenario that needs a capability the scheduler lacks as not applicable, exit 3", async () => {
    const run = await runHarness(["scenario", "concurrency-limit", "--sut", "agenda"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe(
      "harness: concurrency-limit is not applicable to agenda: it needs per-name concurrency limits enforced across all worker processes, which agenda does not offer",
    );
  });

  it("long-jobs passes with the matched wiring: heartbeats keep every long job with its worker", async () => {
    const reports = tempReports();
    const run = await runHarness(["scenario", "long-jobs", "--seed", "5", "--reports-dir", reports]);
    expect(run.code, run.all).toBe(0);
    const result = latestResult(reports);
    expect(result.counts.doubleExecutions).toBe(0);
    expect(result.sut?.effective?.timing.lockTimeoutMs).toBe(2000);
  });

  it("long-jobs fails when the store renews locks for less than the heartbeat interval (a user's wiring)", async () => {
    const reports = tempReports();
    const run = await runHarness([
      "scenario",
      "long-jobs",
      "--seed",
      "5",
      "--wiring",
      wiring("short-store-lock.mjs"),
      "--reports-dir",
      reports,
    ]);
    expect(run.code, run.all).toBe(1);
    const result = latestResult(reports);
    // The timing came from the built Scheduler (4 s), not from the scenario (2 s).
    expect(result.sut?.effective?.timing.lockTimeoutMs).toBe(4000);
    expect(result.sut?.effective?.store.lockTimeoutMs).toBe(1000);
    expect(result.counts.doubleExecutions).toBeGreaterThan(0);
    expect(run.stdout).toContain("ran while an earlier execution of the same job was still alive");
  });

  it("retry-backoff under Agenda: jobs that fail then succeed, and exhausted ones, end with the counts the ledger shows", async () => {
    const reports = tempReports();
    const run = await runHarness([
      "scenario",
      "retry-backoff",
      "--sut",
      "agenda",
      "--jobs",
      "12",
      "--seed",
      "3",
      "--reports-dir",
      reports,
    ]);
    expect(run.code, run.all).toBe(0);
    const result = latestResult(reports);
    expect(result.sut?.claimOrder).toBe("per-name");
    expect(result.checkers["final-state"]?.figures).toMatchObject({ judged: 12, contradicted: 0 });
    // Agenda resets its failCount when a job succeeds; the final state still counts the failures.
    const states = JSON.parse(readFileSync(join(reports, "latest", "final-state.json"), "utf8")) as {
      status: string;
      attempts: number;
    }[];
    const completed = states.filter((s) => s.status === "completed");
    const failed = states.filter((s) => s.status === "failed");
    expect(completed.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    expect(completed.length + failed.length).toBe(12);
    for (const s of completed) expect(s.attempts).toBe(2);
    for (const s of failed) expect(s.attempts).toBe(3);
  });
});
