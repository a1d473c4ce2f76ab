import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { faultWindow, historyOf, missingFaultTools } from "../support/faultRuns.ts";
import { projectRoot, runHarness, tempReports } from "../support/harnessCli.ts";
import { killAll, marked } from "../support/markedProcesses.ts";

const missing = missingFaultTools();
if (missing) process.stderr.write(`fault end-to-end tests skipped: ${missing}\n`);
const history = historyOf;
const window = faultWindow;

let leftovers: number[] = [];
afterEach(() => {
  killAll(leftovers);
  leftovers = [];
});

describe.skipIf(missing !== null)("faults take effect (Toxiproxy and libfaketime, the stand-in)", () => {
  it("a partitioned worker's MongoDB commands fail in its window; a skewed worker's clock is off while the ledger's is not", async () => {
    const reports = tempReports();
    const run = await runHarness([
      "scenario",
      "crash-recovery",
      "--no-scenario-faults",
      "--jobs",
      "60",
      "--workers",
      "3",
      "--seed",
      "11",
      "--fault",
      // Longer than the worker driver's 10 s server selection: a command that was not in flight when
      // the proxy closed waits for a server and would succeed after a shorter cut, so only a cut this
      // long makes a failure certain, not a matter of timing.
      "partition:target=busy,at=0.2,for=12000",
      "--fault",
      "clock-offset:target=w3,at=0,for=15000,offset=-5000",
      "--reports-dir",
      reports,
    ]);
    expect(run.all).toMatch(/partitioned w\d from MongoDB for 12000 ms/);
    const dir = join(reports, "latest");
    const records = history(dir);

    // The partition: the worker's own ledger shows its commands failing inside the window, and it
    // claimed no job while cut off.
    const begin = window(records, "partition", "begin");
    const end = window(records, "partition", "end");
    expect(end.error).toBeUndefined();
    const cut = begin.instances[0];
    const failures = records.filter(
      (r) => r.type === "worker-error" && r.instance === cut && r.t >= begin.t && r.t <= end.t + 1000,
    );
    expect(failures.length).toBeGreaterThan(0);
    const claimsWhileCut = records.filter(
      (r) => r.type === "start" && r.instance === cut && r.t > begin.t + 500 && r.t < end.t,
    );
    expect(claimsWhileCut).toEqual([]);

    // The clock: w3 reported a Date.now() 5 s behind, yet its ledger times are the harness's:
    // none of its executions starts before the trigger server accepted the job.
    const clockEnd = window(records, "clock-offset", "end");
    const offsets = clockEnd.detail?.observedOffsetMs as Record<string, number> | undefined;
    expect(typeof offsets?.w3).toBe("number");
    expect(Math.abs((offsets?.w3 as number) - -5000)).toBeLessThan(500);
    const accepted = new Map<string, number>();
    for (const r of records) if (r.type === "accept") accepted.set(r.jobId, r.t);
    const w3Starts = records.filter((r) => r.type === "start" && r.proc === "w3");
    expect(w3Starts.length).toBeGreaterThan(0);
    for (const s of w3Starts) {
      if (s.type !== "start") continue;
      expect(s.t).toBeGreaterThanOrEqual((accepted.get(s.jobId) as number) - 50);
    }
    const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8"));
    expect(result.faults.failed).toEqual([]);
    expect(result.faults.windows.map((w: { fault: string }) => w.fault).sort()).toEqual([
      "clock-offset",
      "partition",
    ]);
  });

  it("Ctrl-C in the middle of a partition and a clock fault leaves no process and no fault behind", async () => {
    const mark = randomUUID();
    const reports = tempReports();
    const harness = execa(
      process.execPath,
      [
        join(projectRoot, "bin", "harness.js"),
        "scenario",
        "crash-recovery",
        "--no-scenario-faults",
        "--jobs",
        "400",
        "--workers",
        "2",
        "--fault",
        "partition:target=w1,at=0,for=60000",
        "--fault",
        "clock-offset:target=w2,at=0,for=60000,offset=7000",
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
    while (!(output.includes("partitioned w1") && output.includes("set the clock of w2"))) {
      if (Date.now() > deadline || harness.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toContain("partitioned w1");
    // The harness, the trigger server, 2 workers, the JVM, and the proxy server (with its shell).
    expect(marked(mark).length).toBeGreaterThanOrEqual(7);
    process.kill(harness.pid as number, "SIGINT");
    const result = await harness;
    expect(result.exitCode).toBe(2);
    expect(output).not.toMatch(/unexpected error|\n\s+at /);
    await new Promise((r) => setTimeout(r, 500));
    leftovers = marked(mark);
    expect(leftovers).toEqual([]);
    // Healed before teardown: both windows closed without error, the clock file back at 0.
    const dir = join(reports, "latest");
    const records = history(dir);
    expect(window(records, "partition", "end").error).toBeUndefined();
    expect(window(records, "clock-offset", "end").error).toBeUndefined();
    expect(readFileSync(join(dir, "clocks", "w2.faketime"), "utf8").trim()).toBe("+0.000");
  });
});

describe("bad fault input and missing fault tools", () => {
  it("an unknown fault type and a window longer than the run: both in one line, exit 3, nothing started", async () => {
    const run = await runHarness([
      "scenario",
      "crash-recovery",
      "--drain-timeout",
      "5000",
      "--fault",
      "earthquake:at=0.2",
      "--fault",
      "partition:for=9000",
      "--reports-dir",
      tempReports(),
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^harness: invalid settings: .*--fault earthquake:at=0\.2: type/);
    expect(run.stderr).toContain(
      "--fault partition:for=9000: a window of 9000 ms is not shorter than the drain timeout (5000 ms)",
    );
    expect(run.all).not.toContain("MongoDB target");
  });

  it("a network scenario without Go and without a Toxiproxy binary says what to install, exit 3", async () => {
    const run = await runHarness(["scenario", "partition", "--reports-dir", tempReports()], {
      PATH: "/usr/bin:/bin",
      HARNESS_CACHE_DIR: tempReports(),
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^harness: invalid settings: network faults need Toxiproxy 2\.5\.0: install Go .* or put toxiproxy-server on the PATH/,
    );
    expect(run.all).not.toContain("MongoDB target:");
  });
});
