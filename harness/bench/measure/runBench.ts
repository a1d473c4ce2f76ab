import { mkdirSync } from "node:fs";
import { MongoClient } from "mongodb";
import { describeEnvironment } from "../../report/environment.ts";
import { provisionMongo } from "../../servers/provision.ts";
import type { ProviderChoice } from "../../servers/target.ts";
import type { Reporter } from "../../util/reporter.ts";
import { forkedOrder } from "../model/interleave.ts";
import type { BenchPlan } from "../model/matrix.ts";
import type { BenchVariant } from "../model/variants.ts";
import type { BenchResult, Headroom, ScalingResult, SweepResult } from "../result.ts";
import { assembleResult } from "./assembleResult.ts";
import { type ForkContext, runForks } from "./forks.ts";
import { headroomLine, measureHeadroom } from "./headroom.ts";
import { measureOpenLoop } from "./openLoop.ts";
import { reexecutionProblems } from "./reexecutionProblems.ts";
import { measureScaling } from "./scaling.ts";
import { measureSweep } from "./sweep.ts";
import { type DrainTrial, medianRate } from "./trials.ts";

/** What runBench is given: the plan, the variants, the gate, the server, the run's folder, output and Ctrl-C. */
export interface BenchOptions {
  plan: BenchPlan;
  variants: BenchVariant[];
  /** --versus: gate the first variant against the second; aa when both are one build. */
  versus: { label: string; aa: boolean } | null;
  maxRegression: number;
  mongo: { choice: ProviderChoice; uri?: string };
  /** The run's folder (reports/bench/<timestamp>). */
  dir: string;
  reporter: Reporter;
  signal: AbortSignal;
}

/**
 * Runs a bench on one server. Every variant gets its own processes and database, warmed up, then
 * paused; the drain trials of all variants run interleaved in a seeded order, each on a resumed
 * group while the others stay frozen. Then the open loop, the headroom split, and (when asked) the
 * sweep and the scaling curves. The result carries every repetition, so each figure can be
 * re-derived from it.
 */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { plan, reporter, signal } = options;
  const { matrix } = plan;
  const started = Date.now();
  mkdirSync(options.dir, { recursive: true });
  const { target, environment, client } = await provisionBench(options);
  const order = forkedOrder(
    options.variants.map((v) => v.id),
    matrix.forks,
    matrix.repeats,
    plan.seed,
  );
  const ctx = forkContext(options, order, target.uri, client);
  const first = options.variants[0] as BenchVariant;
  let open: BenchResult["open"] = [];
  let headroom: Headroom | null = null;
  let sweep: SweepResult | null = null;
  let scaling: ScalingResult | null = null;
  try {
    await client.connect();
    await runForks(ctx);
    open = await measureOpenLoop(ctx, plan);
    const firstGroup = ctx.groups.get(first.id);
    if (firstGroup && !signal.aborted) {
      const drain = medianRate(ctx.trials, first.id);
      headroom = await measureHeadroom(firstGroup, drain, matrix.name === "quick" ? 3 : 10, signal);
      reporter.progress(headroomLine(headroom));
    }
    if (plan.sweep && !signal.aborted) sweep = await measureSweep(ctx, plan, headroom);
    if (plan.scaling && !signal.aborted && firstGroup)
      scaling = await measureScaling(ctx, first, firstGroup, plan.seed);
  } finally {
    // Whatever happened: every group started, forks included, is stopped and its ledger checked,
    // then the client is closed and the server stopped (an error reading a ledger skips those two).
    await Promise.all(ctx.everyGroup.map((g) => g.stop().catch(() => {})));
    ctx.problems.push(...reexecutionProblems(ctx.everyGroup));
    await client.close().catch(() => {});
    await target.stop().catch(() => {});
  }
  return assembleResult(options, {
    started,
    target,
    environment,
    order,
    drains: ctx,
    open,
    headroom,
    sweep,
    scaling,
  });
}

/**
 * The server, named in a progress line, and the bench's client to it: made here, connected inside
 * runBench's try so that its cleanup closes it.
 */
async function provisionBench(options: BenchOptions) {
  const { matrix } = options.plan;
  const { reporter } = options;
  const target = await provisionMongo({
    choice: options.mongo.choice,
    mongoUri: options.mongo.uri,
    progress: reporter.progress,
  });
  reporter.progress(
    `bench ${matrix.name}: ${target.provider} ${target.version}${target.isMongoDB ? "" : " (the Java stand-in: not MongoDB figures)"}`,
  );
  if (!target.isMongoDB && matrix.name !== "quick")
    reporter.warn(
      "the full matrix on the stand-in server takes hours and measures the stand-in: use --quick",
    );
  const environment = describeEnvironment();
  const client = new MongoClient(target.uri, { serverSelectionTimeoutMS: 10_000 });
  return { target, environment, client };
}

/** The drains' state, empty: the forks fill it, the later stages read it, the result is made of it. */
function forkContext(
  options: BenchOptions,
  order: ForkContext["order"],
  uri: string,
  client: MongoClient,
): ForkContext {
  const { matrix } = options.plan;
  const idle: BenchResult["idle"] = [];
  return {
    variants: options.variants,
    matrix,
    order,
    settings: {
      uri,
      processes: matrix.processes,
      workersPerProcess: matrix.workersPerProcess,
      pollIntervalMs: matrix.pollIntervalMs,
      lockTimeoutMs: matrix.lockTimeoutMs,
      dir: options.dir,
      nodeArgs: matrix.workerNodeArgs,
    },
    client,
    groups: new Map(),
    everyGroup: [],
    trials: new Map(options.variants.map((v) => [v.id, [] as (DrainTrial | null)[]])),
    warmup: [],
    idle,
    problems: [],
    perEmptyPoll: (id) => idle.find((i) => i.variant === id)?.commandsPerEmptyPoll ?? 0,
    reporter: options.reporter,
    signal: options.signal,
  };
}
