import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { scenarios } from "../../../scenarios/index.ts";
import type { CheckerName } from "../../checkers/types.ts";
import { JOB_KINDS, type JobKind } from "../../ledger/jobKinds.ts";
import { addTables, type CoverageTable } from "../../report/faultCoverage.ts";
import type { RunResult } from "../../report/result.ts";
import { fixedJobCount } from "../../scenario/settings.ts";
import { formatDuration, parseDuration } from "../../util/duration.ts";
import { ExitCode, exitFor, HarnessError } from "../../util/exitCodes.ts";
import { randomSeed } from "../../util/rng.ts";
import { ensureWritableDir } from "../../util/writableDir.ts";
import { flagOrEnv } from "../flags.ts";
import type { CommandIo } from "../io.ts";
import {
  type Candidate,
  exploreOnlyFlags,
  fewestJobs,
  type RunShape,
  reproduction,
  shapeArgv,
  shapeOf,
  smallerShapes,
} from "../shrink.ts";
import { resolveScenarioSettings, scenarioCommand, unknownScenario, worstExit } from "./scenario.ts";

/** One run of an exploration, as explore.json keeps it. */
export interface ExploreRun {
  seed: number;
  verdict: RunResult["verdict"];
  /** The checkers that failed and count in the verdict (informational ones do not). */
  failing: string[];
  durationMs: number;
  resultPath: string;
  /** Why it did not finish, when it did not (interrupted). */
  incomplete?: string;
  /** What its faults struck: fault type × job kind, strikes (result.json's faults.coverage). */
  coverage?: CoverageTable;
}

/** A shrink's outcome: the smallest run that still failed the same checker, and how it got there. */
export interface ShrinkOutcome {
  checker: string;
  seed: number;
  from: RunShape;
  smallest: RunShape;
  command: string;
  /** The jobs the checker names in the smallest run. */
  jobIds: string[];
  resultPath: string;
  /** Every run tried, with what it changed and whether the checker still failed. */
  tries: { what: string; failed: boolean | null; durationMs: number; resultPath?: string }[];
  /** Why it stopped: nothing smaller failed, the budget, or an interrupt. */
  ended: "smallest" | "budget" | "interrupted";
}

/** What explore.json holds. */
export interface ExploreSummary {
  scenario: string;
  firstSeed: number;
  runsAsked: number;
  runs: ExploreRun[];
  firstFailingSeed: number | null;
  /** Set when the exploration did not run every seed it was asked for, and why. */
  stopped?: string;
  shrink?: ShrinkOutcome;
  /** The runs' coverage tables added up: how often each fault type struck each job kind. */
  coverage?: CoverageTable;
}

/** The checkers of a result that failed and count in its verdict. */
export function failingCheckers(result: RunResult): string[] {
  return Object.values(result.checkers)
    .filter((c) => c && c.verdict === "fail" && !c.informational)
    .map((c) => c.name);
}

/** The job ids a checker names in a result (its violations'), first `max` of them. */
export function jobsNamedBy(result: RunResult, checker: string, max = 20): string[] {
  const found = result.checkers[checker as CheckerName];
  const ids = new Set<string>();
  for (const v of found?.violations ?? []) {
    if (ids.size >= max) break;
    if (typeof v.jobId === "string") ids.add(v.jobId);
  }
  return [...ids];
}

function runLine(run: ExploreRun, colour: boolean): string {
  const verdict = run.verdict.toUpperCase();
  const painted = !colour
    ? verdict
    : `\u001b[${run.verdict === "pass" ? 32 : run.verdict === "fail" ? 31 : 33}m${verdict}\u001b[0m`;
  const failing = run.failing.length ? `  failing: ${run.failing.join(", ")}` : "";
  const incomplete = run.incomplete ? `  (${run.incomplete})` : "";
  return `seed ${run.seed}  ${painted}  ${formatDuration(run.durationMs)}${failing}${incomplete}`;
}

/** The coverage table as text: a row per fault type, a column per job kind struck (strikes). */
export function coverageLines(table: CoverageTable): string[] {
  const faults = Object.keys(table).sort();
  if (faults.length === 0) return [];
  const kinds = [...JOB_KINDS, "idle"].filter((k) => faults.some((f) => table[f]?.[k as JobKind | "idle"]));
  const width = Math.max(5, ...faults.map((f) => f.length));
  const col = (k: string, text: string) => text.padStart(Math.max(5, k.length));
  return [
    "faults struck (fault type × kind of the jobs in flight, strikes over the runs):",
    `  ${"".padEnd(width)}  ${kinds.map((k) => col(k, k)).join("  ")}`,
    ...faults.map(
      (f) =>
        `  ${f.padEnd(width)}  ${kinds.map((k) => col(k, String(table[f]?.[k as JobKind | "idle"] ?? 0))).join("  ")}`,
    ),
  ];
}

/**
 * `explore [scenario] --runs N`: the scenario command over seeds --seed, --seed + 1, …, one line per
 * run, stopping at the first FAIL unless --keep-going; with --shrink, that failure is then re-run
 * smaller while the same checker fails. explore.json (runs, verdicts, the first failing seed, the
 * shrink) is rewritten after every run, so an interrupt keeps what finished. Exit code: the worst
 * verdict of the runs.
 */
export async function exploreCommand(argv: Record<string, unknown>, io: CommandIo): Promise<ExitCode> {
  const name = String(argv.scenario ?? "mixed");
  const problems: string[] = [];
  const runs = Number(argv.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100_000)
    problems.push(`--runs ${String(argv.runs)}: give a whole number of runs from 1`);
  const budgetText = String(argv["shrink-budget"]);
  const budgetMs = parseDuration(budgetText) ?? Number.NaN;
  if (!Number.isFinite(budgetMs) || budgetMs < 1000)
    problems.push(`--shrink-budget ${budgetText}: give a duration of a second or more, e.g. 90s or 10m`);
  const timeText = argv["time-budget"] === undefined ? undefined : String(argv["time-budget"]);
  const timeBudgetMs = timeText === undefined ? undefined : (parseDuration(timeText) ?? Number.NaN);
  if (timeBudgetMs !== undefined && !(timeBudgetMs >= 1000))
    problems.push(`--time-budget ${timeText}: give a duration of a second or more, e.g. 30m or 2h`);
  const scenario = scenarios[name];
  if (!scenario) {
    if (problems.length === 0) throw unknownScenario(name);
    problems.push(unknownScenario(name).message);
  }
  if (problems.length) throw new HarnessError(problems.join("; "));
  const reportsDir = resolve(String(argv["reports-dir"]));
  ensureWritableDir(reportsDir, "--reports-dir");
  const seedGiven = flagOrEnv(argv, "explore", "seed", io.env);
  const firstSeed = seedGiven === undefined ? randomSeed() : Number(seedGiven);
  if (!Number.isInteger(firstSeed) || firstSeed < 0)
    throw new HarnessError(`--seed ${String(seedGiven)}: give a whole number from 0`);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const dir = join(reportsDir, "explore", `${stamp}-${name}`);
  const summaryPath = join(dir, "explore.json");
  const summary: ExploreSummary = {
    scenario: name,
    firstSeed,
    runsAsked: runs,
    runs: [],
    firstFailingSeed: null,
  };
  const save = () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  };
  // --keep and --port are not explore's (one run's UI): the scenario command reads them unset.
  const passOn: Record<string, unknown> = { ...argv, name, keep: false, port: 0 };
  for (const flag of exploreOnlyFlags()) delete passOn[flag];
  // Every flag checked as the first run will check it, before anything is said or started.
  const { settings } = resolveScenarioSettings(
    { ...passOn, seed: firstSeed },
    { env: io.env, reporter: { progress: () => {}, warn: () => {} } },
  );
  // A run lasts at least its fixed observation time, or its open loop's sending time.
  const floorMs = settings.load.runForMs ?? (settings.load.mode === "open" ? settings.load.forMs : undefined);
  if (timeBudgetMs !== undefined && floorMs !== undefined && timeBudgetMs < floorMs)
    throw new HarnessError(
      `--time-budget ${timeText}: one run of ${name} lasts ${formatDuration(floorMs)} at least; give a longer budget`,
    );
  io.reporter.progress(
    `explore ${name}: ${runs} run(s) from seed ${firstSeed}${timeBudgetMs !== undefined ? ` within ${formatDuration(timeBudgetMs)}` : ""}${argv["keep-going"] ? "" : ", stopping at the first FAIL"}${argv.shrink ? `, then shrinking it (budget ${formatDuration(budgetMs)})` : ""}`,
  );

  return io.withInterrupt("the exploration", async (signal) => {
    let code: ExitCode = ExitCode.Pass;
    let firstFail: { result: RunResult; path: string } | undefined;
    /** One run of the scenario command with these flags; the setup lines of the first run only. */
    const runOnce = async (flags: Record<string, unknown>, verbose: boolean) => {
      let result: RunResult | undefined;
      let resultPath = "";
      const started = Date.now();
      // Interrupted before the run began (nothing ran, nothing saved): no run to keep.
      const exit = await scenarioCommand(
        flags,
        {
          ...io,
          print: verbose ? io.print : () => {},
          reporter: { progress: verbose ? io.reporter.progress : () => {}, warn: io.reporter.warn },
          withInterrupt: (_what, work) => work(signal),
        },
        {
          quiet: true,
          onResult: (r, path) => {
            // Several servers (--mongo a,b): the worst of them stands for the seed.
            if (!result || exitFor(r.verdict) === worstExit(exitFor(result.verdict), exitFor(r.verdict))) {
              result = r;
              resultPath = path;
            }
          },
        },
      ).catch((error: unknown) => {
        if (signal.aborted && error instanceof HarnessError) return undefined;
        throw error;
      });
      return { exit, result, resultPath, durationMs: Date.now() - started };
    };
    const budget = timeBudgetMs === undefined ? undefined : new RunBudget(timeBudgetMs);
    let outOfTime: string | undefined;
    for (let i = 0; i < runs; i++) {
      if (signal.aborted) break;
      if (budget && i > 0 && !budget.allowsAnother()) {
        outOfTime = `the time budget (${formatDuration(budget.ms)}) would not see another run end (the longest took ${formatDuration(budget.longest)})`;
        break;
      }
      const seed = firstSeed + i;
      const one = await runOnce({ ...passOn, seed }, i === 0);
      budget?.ran(one.durationMs);
      if (!one.result || one.exit === undefined) break;
      const run: ExploreRun = {
        seed,
        verdict: one.result.verdict,
        failing: failingCheckers(one.result),
        durationMs: one.durationMs,
        resultPath: one.resultPath,
        ...(one.result.incomplete ? { incomplete: one.result.incomplete } : {}),
        ...(one.result.faults?.coverage ? { coverage: one.result.faults.coverage.table } : {}),
      };
      summary.runs.push(run);
      code = worstExit(code, one.exit);
      if (run.verdict === "fail" && summary.firstFailingSeed === null) {
        summary.firstFailingSeed = seed;
        firstFail = { result: one.result, path: one.resultPath };
      }
      save();
      io.print(runLine(run, io.colour));
      if (run.verdict === "fail" && !argv["keep-going"]) break;
    }
    const finished = summary.runs.filter((r) => !r.incomplete).length;
    if (finished < runs) {
      summary.stopped = signal.aborted
        ? `interrupted after ${finished} of ${runs} run(s)`
        : outOfTime
          ? `stopped after ${finished} of ${runs} run(s): ${outOfTime}`
          : `stopped at the first FAIL, seed ${summary.firstFailingSeed}, after ${finished} of ${runs} run(s) (--keep-going runs them all)`;
      io.reporter.warn(`explore: ${summary.stopped}`);
    }
    if (argv.shrink && firstFail && !signal.aborted) {
      const shrink = await shrinkFailure(firstFail.result, firstFail.path, {
        budgetMs,
        fixedJobs: fixedJobCount(scenario as NonNullable<typeof scenario>) !== undefined,
        signal,
        passOn,
        save: (s) => {
          summary.shrink = s;
          save();
        },
        tryRun: async (flags) => {
          const one = await runOnce(flags, false);
          return one.result
            ? { result: one.result, resultPath: one.resultPath, durationMs: one.durationMs }
            : null;
        },
        io,
        name,
      });
      if (shrink) summary.shrink = shrink;
    }
    summary.coverage = addTables(summary.runs.map((r) => r.coverage));
    save();
    for (const line of coverageLines(summary.coverage)) io.print(line);
    const fails = summary.runs.filter((r) => r.verdict === "fail").length;
    io.print(
      `explore ${name}: ${summary.runs.length} run(s), ${fails} FAIL${summary.firstFailingSeed !== null ? `, first at seed ${summary.firstFailingSeed}` : ""}; ${summaryPath}`,
    );
    return signal.aborted && code === ExitCode.Pass ? ExitCode.Unknown : code;
  });
}

/** A time budget no run starts past that it would not see end, judged by the longest run so far. */
class RunBudget {
  longest = 0;
  private readonly started = Date.now();
  constructor(readonly ms: number) {}
  allowsAnother(): boolean {
    return Date.now() - this.started + this.longest <= this.ms;
  }
  ran(durationMs: number): void {
    this.longest = Math.max(this.longest, durationMs);
  }
}

interface ShrinkContext {
  budgetMs: number;
  fixedJobs: boolean;
  signal: AbortSignal;
  passOn: Record<string, unknown>;
  save(outcome: ShrinkOutcome): void;
  /** One run with these flags; null when it could not be made (its settings refused: not smaller). */
  tryRun(
    flags: Record<string, unknown>,
  ): Promise<{ result: RunResult; resultPath: string; durationMs: number } | null>;
  io: CommandIo;
  name: string;
}

/**
 * Re-runs the failing seed smaller (see smallerShapes), keeping each step whose run still fails the
 * first failing checker, until no step does, the budget would be passed, or an interrupt.
 */
async function shrinkFailure(
  first: RunResult,
  firstPath: string,
  ctx: ShrinkContext,
): Promise<ShrinkOutcome | undefined> {
  const { io } = ctx;
  const checker = failingCheckers(first)[0];
  if (!checker) {
    io.reporter.warn("shrink: the failing run names no failing checker to keep failing; nothing to shrink");
    return undefined;
  }
  const budget = new RunBudget(ctx.budgetMs);
  const from = shapeOf(first, ctx.fixedJobs);
  const minJobs = fewestJobs(first);
  const outcome: ShrinkOutcome = {
    checker,
    seed: first.seed,
    from,
    smallest: from,
    command: reproduction(ctx.name, first.seed, from, ctx.passOn, io.env),
    jobIds: jobsNamedBy(first, checker),
    resultPath: firstPath,
    tries: [],
    ended: "smallest",
  };
  io.reporter.progress(
    `shrink: seed ${first.seed}, keeping ${checker} failing; from ${describeShape(from)} (budget ${formatDuration(ctx.budgetMs)})`,
  );
  let improved = true;
  while (improved) {
    improved = false;
    for (const candidate of smallerShapes(outcome.smallest, minJobs)) {
      if (ctx.signal.aborted) {
        outcome.ended = "interrupted";
        break;
      }
      if (!budget.allowsAnother()) {
        outcome.ended = "budget";
        break;
      }
      const tried = await tryCandidate(candidate, outcome, ctx);
      budget.ran(tried.durationMs);
      ctx.save(outcome);
      if (tried.failed) {
        improved = true;
        break;
      }
    }
    if (outcome.ended !== "smallest") break;
  }
  const smaller = outcome.smallest !== from;
  io.print(
    smaller
      ? `shrink: ${checker} still fails with ${describeShape(outcome.smallest)} (from ${describeShape(from)}), ${outcome.tries.length} run(s) tried${outcome.ended === "smallest" ? "" : `, stopped by the ${outcome.ended === "budget" ? "budget" : "interrupt"}`}`
      : `shrink: no smaller run failed ${checker} (${outcome.tries.length} tried${outcome.ended === "smallest" ? "" : `, stopped by the ${outcome.ended}`}); the reproduction is the failing run itself`,
  );
  io.print(`reproduce: ${outcome.command}`);
  if (outcome.jobIds.length) io.print(`jobs ${checker} names: ${outcome.jobIds.join(", ")}`);
  return outcome;
}

async function tryCandidate(
  candidate: Candidate,
  outcome: ShrinkOutcome,
  ctx: ShrinkContext,
): Promise<{ failed: boolean; durationMs: number }> {
  const flags = { ...ctx.passOn, seed: outcome.seed, ...shapeArgv(candidate.shape) };
  const started = Date.now();
  let run: Awaited<ReturnType<ShrinkContext["tryRun"]>>;
  try {
    run = await ctx.tryRun(flags);
  } catch (error) {
    // A step the settings refuse (a fault aimed at a worker the smaller run does not have) is no step.
    if (!(error instanceof HarnessError)) throw error;
    outcome.tries.push({ what: candidate.what, failed: null, durationMs: Date.now() - started });
    ctx.io.reporter.progress(`shrink: ${candidate.what}: not a run (${error.message})`);
    return { failed: false, durationMs: 0 };
  }
  const failed =
    run !== null && !run.result.incomplete && failingCheckers(run.result).includes(outcome.checker);
  const durationMs = run?.durationMs ?? Date.now() - started;
  outcome.tries.push({
    what: candidate.what,
    failed: run === null || run.result.incomplete ? null : failed,
    durationMs,
    ...(run ? { resultPath: run.resultPath } : {}),
  });
  ctx.io.print(
    `shrink: ${candidate.what}: ${failed ? `${outcome.checker} still fails (kept)` : run?.result.incomplete ? "did not finish" : `${outcome.checker} passes (dropped)`}  ${formatDuration(durationMs)}`,
  );
  if (failed && run) {
    outcome.smallest = candidate.shape;
    outcome.command = reproduction(ctx.name, outcome.seed, candidate.shape, ctx.passOn, ctx.io.env);
    outcome.jobIds = jobsNamedBy(run.result, outcome.checker);
    outcome.resultPath = run.resultPath;
  }
  return { failed, durationMs };
}

function describeShape(shape: RunShape): string {
  return [
    shape.jobs !== undefined ? `${shape.jobs} jobs` : null,
    `${shape.workers} × ${shape.concurrency} workers`,
    shape.faults ? `${shape.faults.length} fault(s)` : "the scenario's faults",
  ]
    .filter(Boolean)
    .join(", ");
}
