/**
 * The harness's command line. It parses arguments, runs a command and maps the verdict to an exit
 * code (see exitCodes.ts); everything else lives in the library.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { scenarios } from "../../scenarios/index.ts";
import { checkSut, whyNotApplicable } from "../adapters/registry.ts";
import { selectScheduler } from "../adapters/selectScheduler.ts";
import { analyzeRun, writeAnalysis } from "../analyze/analyzeRun.ts";
import { describeFaults } from "../faults/describeFaults.ts";
import { faultSupportProblems } from "../faults/faultRig.ts";
import { faultRegistry } from "../faults/index.ts";
import { type CiOutputs, ciOutputsFrom, shownPath, writeCiOutputs } from "../report/ciOutputs.ts";
import { runJunit } from "../report/junit.ts";
import type { RunResult } from "../report/result.ts";
import { runSummaryMarkdown } from "../report/stepSummary.ts";
import { renderSummary } from "../report/terminal.ts";
import { runScenario } from "../run/runScenario.ts";
import { resolveSettings, type SettingFlag, settingFlags } from "../scenario/settings.ts";
import { sutSpecOf } from "../scenario/sutSpec.ts";
import { defaultCacheDir, provisionMongo } from "../servers/provision.ts";
import { providerChoices } from "../servers/target.ts";
import { ensureUiBuilt } from "../trigger/buildUi.ts";
import { serveUi, viewRun } from "../trigger/serveUi.ts";
import { ExitCode, HarnessError } from "../util/exitCodes.ts";
import { killEveryOwnedChild } from "../util/ownedChild.ts";
import { ensurePortFree, portProblem } from "../util/port.ts";
import type { Reporter } from "../util/reporter.ts";
import { benchCommand, benchFlags, compareCommand } from "./benchCommand.ts";

const verdictExit = { pass: ExitCode.Pass, fail: ExitCode.Fail, unknown: ExitCode.Unknown } as const;

const stderrReporter: Reporter = {
  progress: (m) => process.stderr.write(`· ${m}\n`),
  warn: (m) => process.stderr.write(`! ${m}\n`),
};

/** Prints a run's summary and writes the CI outputs asked for. */
function showResult(result: RunResult, resultPath: string, ci: CiOutputs): void {
  const report = join(dirname(resultPath), "report.html");
  process.stdout.write(`${renderSummary(result, { colour: Boolean(process.stdout.isTTY) })}\n`);
  process.stdout.write(`result: ${resultPath}\n`);
  process.stdout.write(`report: ${report}\n`);
  writeCiOutputs(ci, {
    junit: () => runJunit(result),
    markdown: () => runSummaryMarkdown(result, shownPath(report)),
  });
  if (ci.junit) process.stdout.write(`junit: ${ci.junit}\n`);
  if (ci.summaryMd) process.stdout.write(`summary: ${ci.summaryMd}\n`);
}

/** --junit and --summary-md (and GITHUB_STEP_SUMMARY), checked before anything starts. */
function ciOutputsOf(argv: Record<string, unknown>): CiOutputs {
  return ciOutputsFrom({ junit: argv.junit, summaryMd: argv["summary-md"] }, process.env);
}

function unknownScenario(name: string): HarnessError {
  return new HarnessError(
    `no scenario named "${name}": run "harness list" to see them (${Object.keys(scenarios).join(", ")})`,
  );
}

/** How people know a signal: Ctrl-C is what they pressed. */
function signalName(sig: NodeJS.Signals): string {
  return sig === "SIGINT" ? "Ctrl-C (SIGINT)" : sig;
}

/**
 * Runs `work` with an AbortSignal that the first SIGINT, SIGTERM or SIGHUP aborts: every command
 * stops what it started, saves what it can and exits. A second one aborts at once: every process
 * the harness started is SIGKILLed (their process groups, synchronously) and nothing more is saved.
 */
async function withInterrupt<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      const killed = killEveryOwnedChild();
      process.stderr.write(
        `! ${signalName(sig)} again: aborted at once, ${killed} process${killed === 1 ? "" : "es"} killed; nothing more was saved\n`,
      );
      process.exit(ExitCode.Unknown);
    }
    stderrReporter.warn(
      `${signalName(sig)}: stopping ${what} and saving what ran so far (${sig === "SIGINT" ? "Ctrl-C" : sig} again to abort at once)…`,
    );
    controller.abort();
  };
  for (const sig of signals) process.on(sig, onSignal);
  try {
    return await work(controller.signal);
  } finally {
    for (const sig of signals) process.off(sig, onSignal);
  }
}

const print = (line: string) => process.stdout.write(`${line}\n`);

function mongoOptions(argv: Record<string, unknown>) {
  return {
    choice: argv.mongo as (typeof providerChoices)[number],
    uri: (argv["mongo-uri"] as string | undefined) || process.env.MONGO_URL || undefined,
  };
}

/** What is wrong with --mongo, or null: checked with the other values so that all are named at once. */
function mongoProblem(argv: Record<string, unknown>): string | null {
  return (providerChoices as readonly unknown[]).includes(argv.mongo)
    ? null
    : `--mongo ${String(argv.mongo)}: choose one of ${providerChoices.join(", ")}`;
}

/** Throws one line naming every problem, when there is any. */
function rejectProblems(problems: readonly (string | null)[]): void {
  const found = problems.filter((p): p is string => p !== null);
  if (found.length) throw new HarnessError(`invalid settings: ${found.join("; ")}`);
}

async function scenarioCommand(argv: Record<string, unknown>): Promise<ExitCode> {
  const name = String(argv.name);
  const scenario = scenarios[name];
  if (!scenario) throw unknownScenario(name);
  const flags: Partial<Record<SettingFlag, unknown>> = {};
  for (const flag of Object.keys(settingFlags) as SettingFlag[])
    if (argv[flag] !== undefined) flags[flag] = argv[flag];
  const settings = resolveSettings(
    scenario,
    flags,
    [mongoProblem(argv), portProblem(argv.port)].filter((p): p is string => p !== null),
    {
      add: ((argv.fault as unknown[] | undefined) ?? []).map(String),
      replace: argv["scenario-faults"] === false,
      support: (needs) =>
        faultSupportProblems(needs, { cacheDir: defaultCacheDir(), mongoUri: mongoOptions(argv).uri }),
    },
  );
  // Checked before anything starts: the scheduler, its wiring, and whether the scenario applies.
  const sut = await checkSut(sutSpecOf(settings), settings.sut.workersPerProcess);
  settings.sut.wiring = sut.wiring;
  if (sut.deferred)
    stderrReporter.progress(
      `--wiring ${sut.wiring}: the builder waits on the database, so it is checked once MongoDB is up, before any worker starts`,
    );
  const notApplicable = whyNotApplicable(scenario, settings.sut.adapter);
  if (notApplicable) throw new HarnessError(notApplicable);
  const ci = ciOutputsOf(argv);
  const port = Number(argv.port);
  // Found before the run rather than after it, when the UI would start.
  if (argv.keep) await ensurePortFree(port);
  await applySchedulerFlag(argv);
  let printed = false;
  const show = (result: RunResult, path: string) => {
    if (!printed) showResult(result, path, ci);
    printed = true;
  };
  return withInterrupt("the run and every process it started", async (signal) => {
    const outcome = await runScenario({
      scenario,
      settings,
      mongo: mongoOptions(argv),
      reportsDir: resolve(String(argv["reports-dir"])),
      reporter: stderrReporter,
      signal,
      keep: argv.keep
        ? async (kept) => {
            show(JSON.parse(readFileSync(kept.resultPath, "utf8")) as RunResult, kept.resultPath);
            await serveUi({
              uri: kept.uri,
              dbName: kept.dbName,
              port,
              reporter: stderrReporter,
              print,
              signal,
            });
          }
        : undefined,
    });
    show(outcome.result, outcome.resultPath);
    if (outcome.stopped) {
      const what =
        outcome.stopped.reason === "interrupted"
          ? `interrupted ${outcome.stopped.where}`
          : `run stopped: ${outcome.stopped.reason}`;
      stderrReporter.warn(`${what}; partial result (verdict unknown) saved in ${outcome.resultPath}`);
    }
    return verdictExit[outcome.result.verdict];
  });
}

async function uiCommand(argv: Record<string, unknown>): Promise<ExitCode> {
  rejectProblems([mongoProblem(argv), portProblem(argv.port)]);
  const port = Number(argv.port);
  // Before a MongoDB server is started for nothing.
  await ensurePortFree(port);
  const mongo = mongoOptions(argv);
  await withInterrupt("the Scheduler UI", async (signal) => {
    if (argv.db) {
      if (!mongo.uri)
        throw new HarnessError("--db names a database on an existing server: pass --mongo-uri too");
      const target = await provisionMongo({
        choice: "uri",
        mongoUri: mongo.uri,
        progress: stderrReporter.progress,
      });
      await serveUi({
        uri: target.uri,
        dbName: String(argv.db),
        port,
        reporter: stderrReporter,
        print,
        signal,
      });
      return;
    }
    await viewRun({
      runDir: resolve(String(argv.dir)),
      mongo,
      port,
      reporter: stderrReporter,
      print,
      signal,
    });
  });
  return ExitCode.Pass;
}

/** Applies --scheduler for this process and every process it starts. */
async function applySchedulerFlag(argv: Record<string, unknown>): Promise<void> {
  if (typeof argv.scheduler !== "string" || argv.scheduler === "") return;
  process.env.HARNESS_SCHEDULER = await selectScheduler(
    argv.scheduler,
    defaultCacheDir(),
    stderrReporter.progress,
  );
}

function analyzeCommand(argv: Record<string, unknown>): ExitCode {
  const dir = resolve(String(argv.dir));
  const ci = ciOutputsOf(argv);
  const analysis = analyzeRun(dir, scenarios);
  const path = writeAnalysis(dir, analysis);
  process.stdout.write(`${renderSummary(analysis.result, { colour: Boolean(process.stdout.isTTY) })}\n`);
  if (analysis.differences.length) {
    process.stdout.write(`differences from the saved run (${join(dir, "result.json")}):\n`);
    for (const d of analysis.differences) process.stdout.write(`  - ${d}\n`);
  }
  process.stdout.write(`analysis: ${path}\n`);
  writeCiOutputs(ci, {
    junit: () => runJunit(analysis.result),
    markdown: () => runSummaryMarkdown(analysis.result, shownPath(path)),
  });
  if (ci.junit) process.stdout.write(`junit: ${ci.junit}\n`);
  if (ci.summaryMd) process.stdout.write(`summary: ${ci.summaryMd}\n`);
  return verdictExit[analysis.result.verdict];
}

function listCommand(): ExitCode {
  for (const s of Object.values(scenarios)) {
    const d = resolveSettings(s, {});
    const faults = describeFaults(d.faults);
    process.stdout.write(`${s.name}\n  ${s.description}\n`);
    process.stdout.write(
      `  defaults: ${d.sut.processes} processes × ${d.sut.workersPerProcess} workers, ${d.load.jobs} jobs (${d.load.mode}${d.load.runForMs ? `, for ${d.load.runForMs / 1000} s` : ""}), lock ${d.sut.lockTimeoutMs} ms, poll ${d.sut.pollIntervalMs} ms${faults ? `, ${faults}` : ""}; checks ${d.check.checkers.join(", ")}\n`,
    );
    if (s.requires?.length) process.stdout.write(`  needs: ${s.requires.join(", ")}\n`);
  }
  process.stdout.write("\nfault types (scenario faults.list, or --fault TYPE:key=value,…)\n");
  for (const type of Object.values(faultRegistry)) {
    process.stdout.write(
      `  ${type.kind.padEnd(14)} ${type.summary}${type.needs.length ? ` [needs ${type.needs.join(", ")}]` : ""}\n`,
    );
  }
  return ExitCode.Pass;
}

/** The flags of every command that gives a verdict, for CI. */
const ciFlags = {
  junit: { type: "string", describe: "also write the verdicts as JUnit XML to this file" },
  "summary-md": {
    type: "string",
    describe: "also write the markdown summary to this file (GITHUB_STEP_SUMMARY, when set, always gets it)",
  },
} as const;

/** The flags every command that needs a MongoDB server takes. */
const mongoFlags = {
  mongo: {
    type: "string",
    default: "auto",
    requiresArg: true,
    describe: `where MongoDB comes from: ${providerChoices.join(", ")}`,
  },
  "mongo-uri": { type: "string", requiresArg: true, describe: "an existing server (also MONGO_URL)" },
} as const;

/**
 * Every flag that takes a value requires one: a bare `--jobs` is an error, not a silent default.
 * Applied to each command's options (positionals included, which yargs fills anyway).
 */
function requireValues<T>(y: Argv<T>): Argv<T> {
  // getOptions is public in yargs 18 but missing from its type declarations.
  const options = (y as unknown as { getOptions(): { string: string[]; number: string[] } }).getOptions();
  return y.requiresArg([...options.string, ...options.number]);
}

export async function main(args: string[]): Promise<ExitCode> {
  let code: ExitCode = ExitCode.Pass;
  // `--seed=` hands yargs an empty string, which it reads as 0 for a number: refuse it like a bare flag.
  const empty = args.find((a) => /^--[\w-]+=$/.test(a));
  if (empty) throw new HarnessError(`${empty.slice(0, -1)} needs a value: see "harness --help"`);
  const parser = yargs(args)
    .scriptName("harness")
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      if (error instanceof HarnessError) throw error;
      const bare = /^Not enough arguments following: (\S+)/.exec(message ?? "");
      if (bare) throw new HarnessError(`--${bare[1]} needs a value: see "harness --help"`);
      const text = (message ?? error?.message ?? "invalid command").replace(/\s*\n\s*/g, " ");
      throw new HarnessError(text.includes("--help") ? text : `${text}: see "harness --help"`);
    })
    .command(
      "scenario <name>",
      "run a named scenario",
      (y) =>
        requireValues(
          y
            .positional("name", { type: "string", describe: "scenario name (see list)" })
            .option("sut", {
              type: "string",
              describe: "the scheduler under test: mongo-job-scheduler (default) or agenda",
            })
            .option("wiring", {
              type: "string",
              describe:
                "how the scheduler is built: matched (default), readme, example, or a module exporting (db, handler) => Scheduler",
            })
            .option("workers", { type: "number", describe: "worker processes" })
            .option("concurrency", { type: "number", describe: "scheduler workers per process" })
            .option("jobs", {
              type: "number",
              describe: "jobs to schedule (sent over HTTP or seeded, as the scenario loads them)",
            })
            .option("connections", { type: "number", describe: "HTTP connections of the load" })
            .option("lock-timeout", { type: "number", describe: "lockTimeoutMs of every worker" })
            .option("poll-interval", { type: "number", describe: "pollIntervalMs of every worker" })
            .option("kills", { type: "number", describe: "worker kills during the run" })
            .option("restart-delay", { type: "number", describe: "ms from a kill to the restart" })
            .option("pauses", { type: "number", describe: "worker freezes (SIGSTOP) during the run" })
            .option("pause-ms", { type: "number", describe: "ms a frozen worker stays frozen" })
            .option("drain-timeout", { type: "number", describe: "ms to wait for the jobs to finish" })
            .option("seed", { type: "number", describe: "seed of the run (printed by every run)" })
            .option("fault", {
              type: "string",
              array: true,
              describe:
                "add a fault: TYPE[:key=value,…], e.g. partition:target=w2,at=0.3,for=6000 (see list)",
            })
            .option("scenario-faults", {
              type: "boolean",
              describe: "--no-scenario-faults: run only the faults given with --fault",
            })
            .options(mongoFlags)
            .option("reports-dir", { type: "string", default: "reports", describe: "where reports go" })
            .options(ciFlags)
            .option("scheduler", {
              type: "string",
              describe: "another mongo-job-scheduler build: a folder or a version",
            })
            .option("keep", {
              type: "boolean",
              describe: "after the run, keep its database and serve the Scheduler UI on it until Ctrl-C",
            })
            .option("port", {
              type: "number",
              default: 4000,
              describe: "port of the Scheduler UI with --keep (0: any free one)",
            }),
        ),
      async (argv) => {
        code = await scenarioCommand(argv);
      },
    )
    .command(
      "analyze <dir>",
      "re-run the checkers on a saved run",
      (y) =>
        requireValues(
          y
            .positional("dir", { type: "string", describe: "a run folder, e.g. reports/latest" })
            .options(ciFlags),
        ),
      (argv) => {
        code = analyzeCommand(argv);
      },
    )
    .command(
      "ui [dir]",
      "show a run's jobs in the Scheduler UI (its snapshot loaded into a fresh database), or a live database",
      (y) =>
        requireValues(
          y
            .positional("dir", { type: "string", default: "reports/latest", describe: "a run folder" })
            .options(mongoFlags)
            .option("db", {
              type: "string",
              describe: "with --mongo-uri: show this database live instead of a run's snapshot",
            })
            .option("port", {
              type: "number",
              default: 4000,
              describe: "port to serve on (0: any free one)",
            }),
        ),
      async (argv) => {
        code = await uiCommand(argv);
      },
    )
    .command(
      "bench",
      "run the bench (--quick: a small one); gate with --versus <build> or --baseline <result.json>",
      (y) => requireValues(y.options(benchFlags).options(mongoFlags).options(ciFlags)),
      async (argv) => {
        rejectProblems([mongoProblem(argv)]);
        code = await benchCommand(argv, {
          print,
          reporter: stderrReporter,
          mongo: mongoOptions(argv),
          withInterrupt,
          ci: ciOutputsOf(argv),
        });
      },
    )
    .command(
      "compare <baseline> <current>",
      "gate a saved bench result on a saved baseline without running anything",
      (y) =>
        requireValues(
          y
            .positional("baseline", { type: "string" })
            .positional("current", { type: "string" })
            .option("max-regression", benchFlags["max-regression"])
            .option("force", benchFlags.force),
        ),
      (argv) => {
        code = compareCommand(argv, print);
      },
    )
    .command("build-ui", "build the Scheduler UI into the cache (done on first use anyway)", {}, async () => {
      print(await ensureUiBuilt(defaultCacheDir(), stderrReporter.progress));
    })
    .command("list", "list the scenarios", {}, () => {
      code = listCommand();
    })
    .demandCommand(
      1,
      'give a command: scenario <name>, bench, compare <a> <b>, analyze <dir>, ui [dir] or list (see "harness --help")',
    )
    .help();
  await parser.parseAsync();
  return code;
}

/** Runs the CLI and exits with its code; user mistakes print one line, never a stack. */
export async function runCli(args: string[]): Promise<void> {
  // Whatever ends this process, no child of it is left running.
  process.on("exit", () => killEveryOwnedChild());
  try {
    process.exitCode = await main(args);
  } catch (error) {
    if (error instanceof HarnessError) {
      process.stderr.write(`harness: ${error.message}\n`);
      process.exitCode = error.code;
    } else {
      // Not the user's mistake: a bug in the harness. Its own exit code, and the stack for a report.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`harness: internal error (a bug in the harness, exit 4): ${message}\n`);
      if (error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
      process.exitCode = ExitCode.Crash;
    }
  }
}

if (process.argv[1]?.endsWith("cli/main.ts")) await runCli(hideBin(process.argv));
