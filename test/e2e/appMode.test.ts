import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { exampleApi } from "../../harness/app/exampleApi.ts";
import type { RunResult } from "../../harness/report/result.ts";
import { runHarness, tempReports } from "../support/harnessCli.ts";
import { killAll } from "../support/markedProcesses.ts";
import { startTerminalRun } from "../support/terminalRun.ts";

/**
 * `harness app` as a user runs it: against the example service of examples/jobs-service (its own
 * dependency tree) and the fake services of test/fixtures/apps, each of which has one flaw that
 * one check must find, while the correct twin passes. Short timings through the services' own
 * environment keep each run to seconds.
 */

const fast = ["LOCK_TIMEOUT_MS=2000", "POLL_INTERVAL_MS=200", "EMAIL_SEND_MS=100", "REPORT_MS=300"].flatMap(
  (e) => ["--env", e],
);

/** The command line of a short run; a flag in `flags` replaces the default of the same name. */
function app(cmd: string, ...flags: string[]) {
  const defaults: Record<string, string> = { "--jobs": "16", "--rate": "40", "--settle-ms": "500" };
  for (const flag of flags) delete defaults[flag];
  return [
    "app",
    "--cmd",
    cmd,
    "--ready",
    "/health",
    ...fast,
    ...Object.entries(defaults).flat(),
    "--reports-dir",
    tempReports(),
    ...flags,
  ];
}

function resultOf(stdout: string): RunResult {
  const path = /^result: (\S+)$/m.exec(stdout)?.[1];
  if (!path) throw new Error(`no result line in:\n${stdout}`);
  return JSON.parse(readFileSync(path, "utf8")) as RunResult;
}

const fixture = (name: string) => `node test/fixtures/apps/${name}.mjs`;

/** Writes an API description to a file of its own, for --api; returns its path. */
function apiFile(description: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), "harness-api-")), "api.json");
  writeFileSync(path, JSON.stringify(description));
  return path;
}

/**
 * The example API without its concurrency-limited kind. mongo-job-scheduler 1.2.4 counts every
 * `running` document of a name against its limit, stale ones included: when a killed instance held
 * every slot of a limited name, that name's jobs are never claimed again (docs/findings/app-mode.md).
 * With a kill in the run, whether it holds both report slots is chance, so this test leaves them
 * out; the deadlock is shown by its own test below.
 */
function exampleWithoutLimits(): string {
  return apiFile({ ...exampleApi, kinds: exampleApi.kinds.filter((k) => !("concurrency" in k)) });
}

describe("harness app: the example service, unmodified, with a kill", () => {
  it("starts two instances from its own command, kills one mid-run, and passes every check; the stops are measured", async () => {
    const run = await runHarness(
      app(
        "node src/server.js",
        "--cwd",
        "examples/jobs-service",
        "--kills",
        "1",
        "--restart-delay",
        "500",
        "--api",
        exampleWithoutLimits(),
      ),
    );
    expect(run.code, run.all).toBe(0);
    const result = resultOf(run.stdout);
    expect(result.verdict).toBe("pass");
    expect(result.counts.kills).toBe(1);
    expect(result.counts.accepted).toBe(16);
    expect(result.counts.completed).toBe(16);
    expect(result.checkers.effects?.figures?.judged).toBeGreaterThan(0);
    expect(result.checkers["lock-lease"]?.figures?.p50Ms).toBe(2000);
    // Two instances at the end, stopped by SIGTERM and exiting by themselves.
    expect(result.app?.stopTimes.filter((s) => !s.killed).length).toBeGreaterThanOrEqual(2);
    expect(result.app?.dependencies?.warnings).toEqual([]);
    expect(run.stdout).toContain("2 × node src/server.js");
    // The stand-in's launcher passes the change-stream check, so the documents were watched through one.
    expect(result.app?.watchedBy).toBe("stream");
    expect(run.stderr).toContain("watching scheduler_jobs through a change stream");
  });

  it("rolls a restart through both instances (SIGTERM, exit, start, ready, in turn) under load: nothing lost, every request answered", async () => {
    const run = await runHarness(
      app(
        "node src/server.js",
        "--cwd",
        "examples/jobs-service",
        "--jobs",
        "40",
        "--rate",
        "10",
        "--fault",
        "rolling-restart:at=0.2,rounds=1",
        "--api",
        exampleWithoutLimits(),
      ),
    );
    const result = resultOf(run.stdout);
    expect(result.counts.accepted).toBe(40);
    expect(result.counts.completed).toBe(40);
    // Two stops by the restart and two at the end, each by SIGTERM, each exiting by itself.
    expect(result.app?.stopTimes.filter((s) => !s.killed)).toHaveLength(4);
    // mongo-job-scheduler 1.2.4 drops a claim that lands while it stops (docs/findings/operations.md):
    // a stopped instance may exit still holding a job it never ran, taken by another once its lock
    // expires. A fresh-clone run showed it once. That finding, and nothing else, may fail the run;
    // effects still passes (every job's work done once).
    const held = result.checkers["takeover-time"]?.violations ?? [];
    expect(held.filter((v) => v.kind !== "held-after-stop").map((v) => v.message)).toEqual([]);
    for (const c of Object.values(result.checkers))
      if (c && c.name !== "takeover-time") expect([c.name, c.verdict]).toEqual([c.name, "pass"]);
    expect(run.code, run.all).toBe(held.length > 0 ? 1 : 0);
    expect(run.stderr).toMatch(/rolling-restart-1: w2 started again \(pid \d+\), ready in \d+ ms/);
  });

  it("finds the limited name deadlocked when the killed instance held its every slot (mongo-job-scheduler 1.2.4)", async () => {
    // One instance with 8 workers claims everything at once: exactly two reports (the limit; each
    // report kind is requested once, and their weight leaves every other request an email) that
    // run 20 s, and ten emails of 1 s. The kill strikes once the emails are done, while the one
    // instance holds both report slots. The locks last 10 s, renewed every 5 s (half the lock
    // timeout), so each report's lock has at least 5 s left at the kill: its replacement, started
    // 0.3 s later, comes up well inside them (a lock of 2 s left a slow machine's start-up racing
    // the expiry, and CI once lost that race for one report), and its start-up recovery (which
    // resets expired locks, once) finds them live; once they expire, the two stale reports count
    // against their own limit and nothing may claim them.
    const [email, report] = ["email", "report"].map((kind) => exampleApi.kinds.find((k) => k.kind === kind));
    const api = apiFile({
      ...exampleApi,
      kinds: [
        { ...email, weight: 1_000_000 },
        { ...report, kind: "report-a", weight: 1e-9 },
        { ...report, kind: "report-b", weight: 1e-9 },
      ],
    });
    const run = await runHarness([
      "app",
      "--cmd",
      "node src/server.js",
      "--cwd",
      "examples/jobs-service",
      "--ready",
      "/health",
      ...[
        "LOCK_TIMEOUT_MS=10000",
        "POLL_INTERVAL_MS=200",
        "WORKERS=8",
        "EMAIL_SEND_MS=1000",
        "REPORT_MS=20000",
      ].flatMap((e) => ["--env", e]),
      "--instances",
      "1",
      "--api",
      api,
      "--jobs",
      "12",
      "--rate",
      "40",
      "--fault",
      "kill:at=0.8",
      "--restart-delay",
      "300",
      "--drain-timeout",
      "22000",
      "--settle-ms",
      "500",
      // By reads of the whole collection: the same finding without a change stream.
      "--watch",
      "poll",
      "--reports-dir",
      tempReports(),
    ]);
    expect(run.code, run.all).toBe(1);
    const result = resultOf(run.stdout);
    expect(result.app?.watchedBy).toBe("poll");
    const lost = result.checkers["lost-jobs"];
    expect(lost?.violations.map((v) => v.message)).toEqual([
      expect.stringMatching(/\(generate-report, priority 5\).* is stuck running with an expired lock/),
      expect.stringMatching(/\(generate-report, priority 5\).* is stuck running with an expired lock/),
    ]);
    // Seen from outside, no claim at all followed the kill (the emails were done): whether the
    // holders lived on cannot be told from the documents, so takeover-time says unknown, not fail.
    const takeover = result.checkers["takeover-time"];
    expect(takeover?.unknowns.map((v) => v.kind)).toEqual(["holder-unknown", "holder-unknown"]);
    expect(result.counts.completed).toBe(10);
  });
});

describe("harness app: each fake service's flaw fails its check, the correct one passes", () => {
  it.concurrent.each([
    { name: "correct", checker: null, kind: null, extra: [] },
    { name: "runsTwice", checker: "effects", kind: "duplicated-effect", extra: [] },
    // Dropped jobs wait in the database for ever: the drain gives up after 8 s instead of 60.
    { name: "dropsJobs", checker: "lost-jobs", kind: "lost", extra: ["--drain-timeout", "8000"] },
    { name: "marksFailed", checker: "effects", kind: "failed-with-effect", extra: [] },
    { name: "slowExit", checker: "instance-stop", kind: "killed-after-grace", extra: [] },
    { name: "dropsPriority", checker: "observed-priority", kind: "priority-not-stored", extra: [] },
  ])("$name", async ({ name, checker, kind, extra }) => {
    const run = await runHarness(
      app(
        fixture(name),
        "--instances",
        "1",
        "--kills",
        "0",
        "--grace",
        "1500",
        "--env",
        "SLOW_EXIT_MS=5000",
        ...extra,
      ),
    );
    const result = resultOf(run.stdout);
    if (checker === null) {
      expect(run.code, run.all).toBe(0);
      expect(result.verdict).toBe("pass");
      return;
    }
    expect(run.code, run.all).toBe(1);
    const found = result.checkers[checker as keyof RunResult["checkers"]];
    expect(found?.verdict).toBe("fail");
    expect(found?.violations.some((v) => v.kind === kind)).toBe(true);
    // No other check fails: the flaw is found by the one check it breaks (another may be unknown,
    // e.g. the concurrency limit when every report job was among the dropped ones).
    const others = Object.values(result.checkers).filter(
      (c) => c && c.name !== checker && c.name !== "lost-jobs",
    );
    for (const c of others) expect([c?.name, c?.verdict]).not.toEqual([c?.name, "fail"]);
  });
});

describe("harness app: a service that does not do what it is given, in one line, exit 3", () => {
  it.concurrent.each([
    {
      what: "a command that exits while starting",
      args: () => app("node -e process.exit(7)"),
      line: /^harness: instance w\d \(node -e process\.exit\(7\)\) exited with code 7 while starting; its last lines: \(no output\)$/m,
    },
    {
      what: "a service that ignores the port it is given",
      args: () => app(fixture("ignoresPort"), "--start-timeout", "3000"),
      line: /^harness: instance w\d did not become ready within 3 s: nothing answered GET \/health on port \d+, the port it was given in PORT \(does the service read PORT\?\); its last lines: fake service ignoresPort listening on port \d+$/m,
    },
    {
      what: "a service that ignores the database it is given",
      args: () => app(fixture("ignoresDatabase"), "--kills", "0"),
      line: /^harness: 16 requests were accepted, but no job appeared in harness_app_\w+\.scheduler_jobs within 10 s: they are in database harness_app_\w+_elsewhere \(collection scheduler_jobs\): the service does not use the database named in the URL it was given$/m,
    },
    {
      what: "an answer without the job id field",
      args: () => {
        const api = apiFile({
          name: "wrong-field",
          kinds: [
            {
              kind: "email",
              path: "/trigger/email",
              body: { to: "a@b.c", subject: "s" },
              jobIdField: "id",
              jobName: "send-email",
            },
          ],
        });
        return app(fixture("correct"), "--api", api, "--kills", "0");
      },
      line: /^harness: POST \/trigger\/email answered 201 without the job id field "id": \{.*"jobId":.*; set jobIdField in the API description \(--api\)$/m,
    },
  ])("$what", async ({ args, line }) => {
    const run = await runHarness(args());
    expect(run.code, run.all).toBe(3);
    expect(run.stderr).toMatch(line);
    expect(run.all).not.toMatch(/\n\s+at /);
  });
});

describe("harness app: faults it cannot strike, in one line, exit 3, before anything starts", () => {
  it.concurrent.each([
    {
      fault: "partition:target=w1",
      line: /^harness: --fault partition: app mode strikes the service's own processes only \(.*\); network and clock faults need the harness's own workers \(harness scenario\)$/,
    },
    {
      fault: "kill:target=running:limited",
      line: /^harness: --fault kill:target=running:limited: app mode sees the service from outside, not which job each instance runs; give target=busy, any, all or an instance such as w2$/,
    },
  ])("$fault", async ({ fault, line }) => {
    const run = await runHarness(app(fixture("correct"), "--fault", fault));
    expect(run.code, run.all).toBe(3);
    expect(run.stderr.trim()).toMatch(line);
    expect(run.all).not.toMatch(/instance w\d|starting/);
  });
});

describe("harness app: Ctrl-C in a terminal", () => {
  let leftovers: number[] = [];
  afterEach(() => {
    killAll(leftovers);
    leftovers = [];
  });
  it("stops every instance and the server, exit 2, the partial result saved", async () => {
    const run = startTerminalRun(app(fixture("correct"), "--jobs", "200", "--rate", "10", "--kills", "0"));
    await run.waitFor(/· load: \d+\/200 answered|· drain:/);
    run.interrupt();
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(2);
    expect(exit.ms).toBeLessThan(15_000);
    expect(exit.output).toMatch(/partial result \(verdict unknown\) saved in \S+/);
    await new Promise((r) => setTimeout(r, 500));
    leftovers = run.leftovers();
    expect(leftovers).toEqual([]);
  });
  it("--keep: the verdict, then the Scheduler UI on the run's jobs until Ctrl-C; then nothing left", async () => {
    const run = startTerminalRun(
      app(fixture("correct"), "--jobs", "8", "--rate", "20", "--kills", "0", "--keep", "--port", "0"),
    );
    const seen = await run.waitFor(/Scheduler UI: (http:\/\/\S+)/);
    const url = /Scheduler UI: (http:\/\/\S+)/.exec(seen)?.[1] as string;
    expect(seen).toMatch(/verdict: PASS/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    run.interrupt();
    const exit = await run.exited;
    expect(exit.code, exit.output).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    leftovers = run.leftovers();
    expect(leftovers).toEqual([]);
  });
});
