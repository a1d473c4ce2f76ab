import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { schedulerEntry } from "../adapters/schedulerModule.ts";
import { selectScheduler } from "../adapters/selectScheduler.ts";
import { runBench } from "../bench/measure/runBench.ts";
import { type BenchPlan, fullMatrix, quickMatrix } from "../bench/model/matrix.ts";
import { chooseVariants, knownSuts, unknownSuts } from "../bench/model/variants.ts";
import { BENCH_SCHEMA_VERSION, type BenchResult } from "../bench/result.ts";
import { benchShapeProblems } from "../bench/resultShape.ts";
import { compareWithBaseline, renderGate } from "../bench/stats/compare.ts";
import { MIN_GATED } from "../bench/stats/gate.ts";
import { benchVerdict } from "../bench/stats/summarize.ts";
import { benchJunit, benchSummaryMarkdown } from "../bench/views/benchCi.ts";
import { renderBench } from "../bench/views/benchViews.ts";
import { benchDirFor, writeBench } from "../bench/views/writeBench.ts";
import { type CiOutputs, shownPath, writeCiOutputs } from "../report/ciOutputs.ts";
import { defaultCacheDir } from "../servers/provision.ts";
import type { ProviderChoice } from "../servers/target.ts";
import { ExitCode, HarnessError } from "../util/exitCodes.ts";
import type { Reporter } from "../util/reporter.ts";
import { randomSeed } from "../util/rng.ts";

const require = createRequire(import.meta.url);

/** The bench's flags, for yargs: one schema, one default each. */
export const benchFlags = {
  quick: { type: "boolean", describe: "the small matrix (a minute or two on the stand-in)" },
  forks: {
    type: "number",
    describe: "fresh worker processes per variant, each warmed up and measured in turn (default 3)",
  },
  repeats: {
    type: "number",
    describe:
      "interleaved repetitions of each gated figure per fork (default 5, 8 with --quick; a gate needs forks × repeats ≥ 5)",
  },
  backlog: { type: "number", describe: "jobs per drain (default 400 with --quick)" },
  seed: {
    type: "number",
    describe: "seed of the interleaved order and the bootstrap (default: drawn and printed)",
  },
  arrivals: {
    choices: ["constant", "poisson"] as const,
    default: "constant" as const,
    describe: "open-loop arrivals",
  },
  sweep: {
    type: "boolean",
    describe: "offer rates from well below to beyond the drain capacity; report the sustainable throughput",
  },
  scaling: {
    type: "boolean",
    describe: "jobs/s against worker processes, and claim cost against backlog size",
  },
  sut: {
    type: "string",
    default: "mongo-job-scheduler",
    describe: "systems to compare, comma-separated (the first is the reference)",
  },
  versus: {
    type: "string",
    describe:
      "another build (folder or version) run interleaved with the current one; exit 1 on a regression",
  },
  baseline: { type: "string", describe: "a bench result.json to gate on (same environment, or --force)" },
  force: { type: "boolean", describe: "gate on a baseline from another environment anyway" },
  "max-regression": {
    type: "number",
    default: 0.05,
    describe:
      "allowed slowdown of a gated figure (fraction); fails only when the whole 95% interval is beyond it",
  },
  scheduler: {
    type: "string",
    describe: "the current build, if not the installed one: a folder or a version",
  },
  "reports-dir": { type: "string", default: "reports", describe: "where reports go" },
} as const;

/** What the bench command needs from the CLI around it. */
export interface BenchIo {
  print(line: string): void;
  reporter: Reporter;
  mongo: { choice: ProviderChoice; uri?: string };
  withInterrupt<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** --junit, --summary-md and GITHUB_STEP_SUMMARY, already checked. */
  ci?: CiOutputs;
}

/**
 * Reads a saved bench result (a bench run's folder or its result.json), or says in one line why
 * it cannot be used.
 */
export function readBench(given: string): BenchResult {
  const expected = "give a bench run's folder or its result.json (e.g. reports/bench/latest)";
  if (!existsSync(given)) throw new HarnessError(`${given} not found: ${expected}`);
  const path = statSync(given).isDirectory() ? join(given, "result.json") : given;
  if (!existsSync(path)) throw new HarnessError(`${given} is a folder without a result.json: ${expected}`);
  let result: BenchResult;
  try {
    result = JSON.parse(readFileSync(path, "utf8")) as BenchResult;
  } catch {
    throw new HarnessError(`${path} is not JSON: give the result.json of a bench run`);
  }
  if (result?.kind !== "bench") {
    const scenarioRun = typeof (result as { scenario?: unknown })?.scenario === "string";
    throw new HarnessError(
      `${path} is ${scenarioRun ? "a scenario run's result, not a bench result" : "not a bench result"}: ${expected}`,
    );
  }
  if (result.schemaVersion !== BENCH_SCHEMA_VERSION)
    throw new HarnessError(
      `${path} has bench schema ${result.schemaVersion}, this harness reads ${BENCH_SCHEMA_VERSION}: rerun the baseline`,
    );
  const problems = benchShapeProblems(result);
  if (problems.length)
    throw new HarnessError(
      `${path} is not a well-formed bench result (${problems.join("; ")}): give the result.json a bench run wrote, unedited`,
    );
  return result;
}

function realEntry(spec: string | null): string {
  const entry = spec ? require.resolve(spec) : schedulerEntry();
  return realpathSync(entry);
}

/** Checks every flag and collects every mistake before anything starts. */
function validate(argv: Record<string, unknown>) {
  const errors: string[] = [];
  const base = argv.quick ? quickMatrix : fullMatrix;
  const repeats = argv.repeats === undefined ? base.repeats : Number(argv.repeats);
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 50)
    errors.push(`--repeats ${argv.repeats}: give a whole number from 1 to 50`);
  const forks = argv.forks === undefined ? base.forks : Number(argv.forks);
  if (!Number.isInteger(forks) || forks < 1 || forks > 20)
    errors.push(`--forks ${argv.forks}: give a whole number from 1 to 20`);
  const backlog = argv.backlog === undefined ? base.backlog : Number(argv.backlog);
  if (!Number.isInteger(backlog) || backlog < 20 || backlog > 1_000_000)
    errors.push(`--backlog ${argv.backlog}: give a whole number from 20 to 1000000`);
  const maxRegression = Number(argv["max-regression"]);
  if (!(maxRegression > 0 && maxRegression < 1))
    errors.push(`--max-regression ${argv["max-regression"]}: give a fraction between 0 and 1, e.g. 0.05`);
  const suts = String(argv.sut ?? "mongo-job-scheduler")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = unknownSuts(suts);
  if (unknown.length || suts.length === 0)
    errors.push(
      `--sut ${argv.sut}: unknown system(s) ${unknown.join(", ") || "(none given)"}; known: ${knownSuts().join(", ")}`,
    );
  const gating = typeof argv.versus === "string" || typeof argv.baseline === "string";
  if (typeof argv.versus === "string" && typeof argv.baseline === "string")
    errors.push("give --versus or --baseline, not both");
  if (typeof argv.versus === "string" && suts.length > 1)
    errors.push("--versus compares builds of one system: give one --sut");
  if (gating && Number.isInteger(repeats) && Number.isInteger(forks) && forks * repeats < MIN_GATED)
    errors.push(
      `--forks ${forks} --repeats ${repeats}: a gate needs ${MIN_GATED} or more repetitions (forks × repeats) for its intervals`,
    );
  const seed = argv.seed === undefined ? randomSeed() : Number(argv.seed);
  if (!Number.isInteger(seed) || seed < 0) errors.push(`--seed ${argv.seed}: give a whole number ≥ 0`);
  if (errors.length) throw new HarnessError(errors.join("; "));
  const plan: BenchPlan = {
    matrix: { ...base, forks, repeats, backlog },
    seed,
    arrivals: argv.arrivals === "poisson" ? "poisson" : "constant",
    sweep: Boolean(argv.sweep),
    scaling: Boolean(argv.scaling),
  };
  return { plan, maxRegression, suts };
}

/**
 * `bench`: runs the matrix for every variant (systems, builds), interleaved; gates the current
 * build against --versus (same run) or --baseline (a saved result); writes the result and its
 * views; returns the exit code.
 */
export async function benchCommand(argv: Record<string, unknown>, io: BenchIo): Promise<ExitCode> {
  const { plan, maxRegression, suts } = validate(argv);
  const baseline = typeof argv.baseline === "string" ? readBench(resolve(argv.baseline)) : null;
  let currentPath: string | null = null;
  if (typeof argv.scheduler === "string" && argv.scheduler !== "") {
    currentPath = await selectScheduler(argv.scheduler, defaultCacheDir(), io.reporter.progress);
    process.env.HARNESS_SCHEDULER = currentPath;
  }
  let versus: { label: string; aa: boolean } | null = null;
  let versusPath: string | null = null;
  if (typeof argv.versus === "string") {
    versusPath = await selectScheduler(argv.versus, defaultCacheDir(), io.reporter.progress);
    let aa: boolean;
    try {
      aa = realEntry(versusPath) === realEntry(currentPath);
    } catch {
      throw new HarnessError(`--versus ${argv.versus}: no loadable mongo-job-scheduler build there`);
    }
    versus = { label: `${argv.versus}${aa ? " (the same build: A/A)" : ""}`, aa };
  }
  const variants = chooseVariants({ suts, versusPath, currentPath });
  const dir = benchDirFor(resolve(String(argv["reports-dir"])), new Date());
  io.reporter.progress(`seed ${plan.seed}: rerun with --seed ${plan.seed} for the same order`);
  return io.withInterrupt("the bench", async (signal) => {
    const result = await runBench({
      plan,
      variants,
      versus,
      maxRegression,
      mongo: io.mongo,
      dir,
      reporter: io.reporter,
      signal,
    });
    let refused: string | null = null;
    if (baseline) {
      const c = compareWithBaseline(baseline, result, maxRegression, Boolean(argv.force));
      refused = c.refused;
      result.gate = {
        mode: "baseline",
        against: resolve(String(argv.baseline)),
        aa: false,
        maxRegression,
        results: refused ? [] : c.results,
        noiseFloor: [],
        warnings: c.warnings,
      };
      result.verdict = benchVerdict(result, signal.aborted);
    }
    const { resultPath, files } = writeBench(dir, result);
    io.print(renderBench(result));
    io.print(`result: ${resultPath}`);
    io.print(`github-action-benchmark: ${files.join(", ")}`);
    io.print(`report: ${join(dirname(resultPath), "report.html")}`);
    const ci = io.ci ?? {};
    writeCiOutputs(ci, {
      junit: () => benchJunit(result),
      markdown: () => benchSummaryMarkdown(result, shownPath(join(dirname(resultPath), "report.html"))),
    });
    if (ci.junit) io.print(`junit: ${ci.junit}`);
    if (ci.summaryMd) io.print(`summary: ${ci.summaryMd}`);
    if (refused) throw new HarnessError(`--baseline refused: ${refused}`);
    return ({ pass: ExitCode.Pass, fail: ExitCode.Fail, unknown: ExitCode.Unknown } as const)[result.verdict];
  });
}

/** `compare <baseline> <current>`: gates a saved run on a saved baseline without running anything. */
export function compareCommand(argv: Record<string, unknown>, print: (line: string) => void): ExitCode {
  const maxRegression = Number(argv["max-regression"]);
  if (!(maxRegression > 0 && maxRegression < 1))
    throw new HarnessError(
      `--max-regression ${argv["max-regression"]}: give a fraction between 0 and 1, e.g. 0.05`,
    );
  const c = compareWithBaseline(
    readBench(resolve(String(argv.baseline))),
    readBench(resolve(String(argv.current))),
    maxRegression,
    Boolean(argv.force),
  );
  if (c.refused) throw new HarnessError(c.refused);
  print(renderGate(c.results, c.warnings, maxRegression));
  if (c.results.some((g) => !g.pass)) return ExitCode.Fail;
  // Nothing judged is not a pass: the baseline and the run share no compared variant.
  return c.results.length === 0 ? ExitCode.Unknown : ExitCode.Pass;
}
