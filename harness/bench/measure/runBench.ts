import { mkdirSync } from "node:fs";
import { MongoClient } from "mongodb";
import { claimBrokenIn, type ProbeResult } from "../../probe/probeTypes.ts";
import { describeEnvironment } from "../../report/environment.ts";
import { describeServer, serverInfoOf } from "../../report/serverText.ts";
import { probeServer } from "../../run/provision.ts";
import { type MongoTarget, provisionMongo } from "../../servers/provision.ts";
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
import { WARMUP } from "./warmup.ts";

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
  reporter.progress(benchEstimate(plan, options.variants.length));
  const target = await provisionMongo({
    choice: options.mongo.choice,
    mongoUri: options.mongo.uri,
    progress: reporter.progress,
    signal,
    workDir: options.dir,
  });
  const order = forkedOrder(
    options.variants.map((v) => v.id),
    matrix.forks,
    matrix.repeats,
    plan.seed,
  );
  const first = options.variants[0] as BenchVariant;
  let open: BenchResult["open"] = [];
  let headroom: Headroom | null = null;
  let sweep: SweepResult | null = null;
  let scaling: ScalingResult | null = null;
  let probe: ProbeResult | undefined;
  let ctx: ForkContext | undefined;
  const client = new MongoClient(target.uri, { serverSelectionTimeoutMS: 10_000 });
  const environment = describeEnvironment();
  try {
    probe = await describeBenchServer(target, options);
    ctx = forkContext(options, order, target.uri, client, claimBrokenIn(probe));
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
    // then the client is closed and the server stopped, each whatever the one before did.
    if (ctx) {
      const groups = ctx.everyGroup;
      await Promise.all(groups.map((g) => g.stop().catch(() => {})));
      try {
        ctx.problems.push(...reexecutionProblems(groups));
      } catch (error) {
        ctx.problems.push(`the ledgers could not be checked: ${(error as Error).message}`);
      }
    }
    await client.close().catch(() => {});
    await target.stop().catch(() => {});
  }
  return assembleResult(options, {
    probe,
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
 * The server named in a line, and its quick probe: a server whose claim is broken has its figures
 * marked so and never gated (they count distinct jobs completed, executions per job beside them).
 */
async function describeBenchServer(
  target: MongoTarget,
  options: BenchOptions,
): Promise<ProbeResult | undefined> {
  const { matrix } = options.plan;
  const { reporter } = options;
  reporter.progress(`bench ${matrix.name}: ${target.provider}: ${describeServer(serverInfoOf(target))}`);
  if (target.identity.product === "mongo-java-server" && matrix.name !== "quick")
    reporter.warn(
      "the full matrix on the stand-in server takes hours and measures the stand-in: use --quick",
    );
  const probe = await probeServer(target.uri, reporter);
  if (claimBrokenIn(probe))
    reporter.warn(
      "the probe found this server's claim not atomic: its drain figures count distinct jobs completed, with executions per job beside them, and are never gated",
    );
  return probe;
}

/**
 * An upper bound on what the whole bench takes, said before it starts: drains are sized by time, so
 * this holds for any scheduler's speed (at most WARMUP.max warm-up drains, each measured drain about
 * drainTargetMs, plus the seeding, waking and reading around each).
 */
export function benchEstimate(plan: BenchPlan, variants: number): string {
  const m = plan.matrix;
  const drainSec = (m.sizeByTime ? m.drainTargetMs / 1000 : 1) + 0.3;
  const drains = m.forks * variants * (WARMUP.max + m.repeats) * drainSec;
  const fixed =
    (variants * m.idleMs) / 1000 +
    2 * ((m.openLoop.durationMs + m.openLoop.graceMs) / 1000) * m.openLoop.repeats +
    (m.name === "quick" ? 12 : 40) +
    m.forks * variants * 3 +
    (plan.sweep ? (m.sweep.factors.length * (m.sweep.durationMs + m.sweep.graceMs)) / 1000 : 0) +
    (plan.scaling ? m.scaling.processes.length * m.scaling.repeats * drainSec + 60 : 0);
  const minutes = Math.max(1, Math.round((drains + fixed) / 60));
  return `this bench: ${m.forks} forks × ${variants} variants × (${WARMUP.min}–${WARMUP.max} warm-up + ${m.repeats} measured drains${m.sizeByTime ? ` of about ${m.drainTargetMs / 1000} s` : ` of ${m.backlog} jobs`}); at most about ${minutes} min${m.sizeByTime ? "" : " on a fast scheduler (--backlog fixes the drains by size, not time)"}`;
}

/** The drains' state, empty: the forks fill it, the later stages read it, the result is made of it. */
function forkContext(
  options: BenchOptions,
  order: ForkContext["order"],
  uri: string,
  client: MongoClient,
  claimBroken: boolean,
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
    drains: new Map(),
    claimBroken,
    reporter: options.reporter,
    signal: options.signal,
  };
}
