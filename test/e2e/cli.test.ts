import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BENCH_SCHEMA_VERSION } from "../../harness/bench/result.ts";
import { projectRoot, runHarness, tempReports } from "../support/harnessCli.ts";

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

  it("ends quietly when its reader closes the pipe early (harness list | head -1)", async () => {
    const { execFileSync } = await import("node:child_process");
    const out = execFileSync(
      "bash",
      ["-c", 'node bin/harness.js list | head -1; echo "rc=$' + '{PIPESTATUS[0]}"'],
      {
        cwd: projectRoot,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    expect(out).toMatch(/^crash-recovery\nrc=0\n$/);
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

  it("gives up on an unreachable --mongo-uri within 15 seconds, with one line and exit 3, and no teardown of what never started", async () => {
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
    // Nothing was started, so nothing is said to be stopped.
    expect(run.stderr).not.toContain("teardown");
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

  it("gives one line and exit 3, never a stack, for a damaged run folder", async () => {
    const damaged = (change: (dir: string) => void) => {
      const dir = tempReports();
      cpSync(join(projectRoot, "test", "fixtures", "runs", "crash-recovery-pass"), dir, { recursive: true });
      change(dir);
      return dir;
    };
    const nullResult = damaged((d) => writeFileSync(join(d, "result.json"), "null\n"));
    expectOneLineError(await runHarness(["analyze", nullResult]), /result\.json is not a run result/);
    const bench = damaged((d) =>
      writeFileSync(join(d, "result.json"), '{"kind":"bench","schemaVersion":2}\n'),
    );
    expectOneLineError(await runHarness(["analyze", bench]), /is a bench result: .*harness compare/);
    const badState = damaged((d) => writeFileSync(join(d, "final-state.json"), "{"));
    expectOneLineError(await runHarness(["analyze", badState]), /final-state\.json is not valid JSON/);
    const folder = damaged((d) => {
      rmSync(join(d, "final-state.json"));
      mkdirSync(join(d, "final-state.json"));
    });
    expectOneLineError(await runHarness(["analyze", folder]), /final-state\.json is not a file/);
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

describe("harness CLI flags, as a new user gives them", () => {
  it("requires a value for every flag that takes one", async () => {
    expectOneLineError(await runHarness(["scenario", "crash-recovery", "--jobs"]), /--jobs needs a value/);
    expectOneLineError(
      await runHarness(["scenario", "crash-recovery", "--seed", "--jobs", "10"]),
      /--seed needs a value/,
    );
    expectOneLineError(await runHarness(["scenario", "crash-recovery", "--seed="]), /--seed needs a value/);
  });

  it("says --jobs does not apply to a scenario with a fixed set of jobs", async () => {
    expectOneLineError(
      await runHarness(["scenario", "repeat", "--jobs", "10"]),
      /--jobs: repeat schedules a fixed set of 4 jobs; the flag does not apply to it/,
    );
  });

  it("names a bad --mongo and --port together with the other invalid values", async () => {
    const run = await runHarness([
      "scenario",
      "crash-recovery",
      "--mongo",
      "foo",
      "--workers",
      "0",
      "--keep",
      "--port",
      "70000",
    ]);
    expectOneLineError(run, /--workers.*--mongo foo: choose one of auto.*--port 70000: give a whole number/);
  });

  it("refuses a busy port before anything starts, for scenario --keep and for ui", async () => {
    const held: Server = await new Promise((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => resolve(s));
    });
    const port = String((held.address() as { port: number }).port);
    try {
      const inUse = new RegExp(`port ${port} is in use; pass --port 0 for any free port`);
      const keep = await runHarness(["scenario", "crash-recovery", "--keep", "--port", port]);
      expectOneLineError(keep, inUse);
      expect(keep.stderr).not.toContain("MongoDB target");
      const ui = await runHarness(["ui", tempReports(), "--port", port]);
      expectOneLineError(ui, inUse);
    } finally {
      await new Promise((r) => held.close(r));
    }
  });
});

describe("harness CLI setup messages", () => {
  it("compare takes a bench run's folder, says when nothing was gated, and what it expects of any other folder", async () => {
    const run = join(tempReports(), "bench-run");
    mkdirSync(run);
    // The least a bench result holds for compare: an environment, a verdict, no variants, no figures.
    const fingerprint = {
      provider: "standin",
      serverVersion: "5.0.0",
      cpuModel: "x",
      cpuCount: 2,
      node: "v20",
      driver: "6",
    };
    const bench = {
      schemaVersion: BENCH_SCHEMA_VERSION,
      kind: "bench",
      seed: 1,
      verdict: "pass",
      problems: [],
      fingerprint,
      variants: [],
      figures: [],
    };
    writeFileSync(join(run, "result.json"), JSON.stringify(bench));
    // Read from the folder; with no compared variant nothing is gated, which is not a pass.
    const none = await runHarness(["compare", run, join(run, "result.json")]);
    expect(none.stderr).toBe("");
    expect(none.code).toBe(2);
    expect(none.stdout).toContain("nothing was gated");
    const { figures: _figures, ...malformed } = bench;
    const malformedPath = join(run, "malformed.json");
    writeFileSync(malformedPath, JSON.stringify(malformed));
    expectOneLineError(
      await runHarness(["compare", malformedPath, join(run, "result.json")]),
      /is not a well-formed bench result \(figures: .*\): give the result\.json a bench run wrote, unedited/,
    );
    const empty = tempReports();
    expectOneLineError(
      await runHarness(["compare", empty, run]),
      /is a folder without a result\.json: give a bench run's folder or its result\.json/,
    );
  });

  it("--scheduler: a build that cannot load names the missing module and what to run", async () => {
    // A copy of the scheduler's build outside the project: its dependencies do not resolve there.
    const build = join(tempReports(), "mongo-job-scheduler");
    cpSync(join(projectRoot, "node_modules", "mongo-job-scheduler"), build, { recursive: true });
    expectOneLineError(
      await runHarness(["scenario", "crash-recovery", "--scheduler", build]),
      /--scheduler .*: the build cannot load the module "(cron-parser|mongodb)": run "npm install[^"]*" in /,
    );
  });

  it("--scheduler with a version npm refuses says why npm refused, in one line", async () => {
    const run = await runHarness(["scenario", "crash-recovery", "--scheduler", "9.9.9"], {
      HARNESS_CACHE_DIR: tempReports(),
    });
    expectOneLineError(run, /--scheduler 9\.9\.9: npm refused to install it: \S/);
    expect(run.stderr).not.toContain("Command failed");
  });
});
