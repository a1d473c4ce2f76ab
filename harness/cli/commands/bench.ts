import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { schedulerEntry } from "../../adapters/schedulerModule.ts";
import { selectScheduler } from "../../adapters/selectScheduler.ts";
import { runBench } from "../../bench/measure/runBench.ts";
import { type BenchPlan, fullMatrix, quickMatrix } from "../../bench/model/matrix.ts";
import { chooseVariants, knownSuts, unknownSuts } from "../../bench/model/variants.ts";
import { readBench } from "../../bench/readBench.ts";
import { compareWithBaseline } from "../../bench/stats/compare.ts";
import { MIN_GATED } from "../../bench/stats/gate.ts";
import { benchVerdict } from "../../bench/stats/summarize.ts";
import { benchJunit, benchSummaryMarkdown } from "../../bench/views/benchCi.ts";
import { renderBench } from "../../bench/views/benchViews.ts";
import { benchDirFor, writeBench } from "../../bench/views/writeBench.ts";
import { shownPath, writeCiOutputs } from "../../report/ciOutputs.ts";
import { defaultCacheDir } from "../../util/cacheDir.ts";
import { type ExitCode, exitFor, HarnessError } from "../../util/exitCodes.ts";
import { randomSeed } from "../../util/rng.ts";
import { ensureWritableDir } from "../../util/writableDir.ts";
import { flagOrEnv } from "../flags.ts";
import type { CommandIo } from "../io.ts";
import { mongoOptions, mongoProblem } from "../mongoOptions.ts";
import { ciOutputsOf, rejectProblems } from "../output.ts";

const require = createRequire(import.meta.url);

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
    matrix: { ...base, forks, repeats, backlog, sizeByTime: argv.backlog === undefined },
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
export async function benchCommand(argv: Record<string, unknown>, io: CommandIo): Promise<ExitCode> {
  rejectProblems([mongoProblem(argv)]);
  const ci = ciOutputsOf(argv, io);
  const { plan, maxRegression, suts } = validate(argv);
  ensureWritableDir(String(argv["reports-dir"]), "--reports-dir");
  const baseline = typeof argv.baseline === "string" ? readBench(resolve(argv.baseline)) : null;
  let currentPath: string | null = null;
  const current = flagOrEnv(argv, "bench", "scheduler", io.env);
  if (typeof current === "string" && current !== "")
    currentPath = await selectScheduler(current, defaultCacheDir(), io.reporter.progress);
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
      mongo: mongoOptions(argv, "bench", io.env),
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
    writeCiOutputs(
      ci,
      {
        junit: () => benchJunit(result),
        markdown: () => benchSummaryMarkdown(result, shownPath(join(dirname(resultPath), "report.html"))),
      },
      io.print,
    );
    if (refused) throw new HarnessError(`--baseline refused: ${refused}`);
    return exitFor(result.verdict);
  });
}
