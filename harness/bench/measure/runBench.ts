import { mkdirSync } from "node:fs";
import { MongoClient } from "mongodb";
import { reexecutionsChecker } from "../../checkers/reexecutions.ts";
import { readLedgerDir } from "../../ledger/history.ts";
import { describeEnvironment } from "../../report/environment.ts";
import { provisionMongo } from "../../servers/provision.ts";
import type { ProviderChoice } from "../../servers/target.ts";
import type { Reporter } from "../../util/reporter.ts";
import { currentFingerprint } from "../model/fingerprint.ts";
import { forkedOrder, interleavedOrder } from "../model/interleave.ts";
import type { BenchPlan } from "../model/matrix.ts";
import type { BenchVariant } from "../model/variants.ts";
import type { BenchResult, Headroom, ScalingResult, SweepResult } from "../result.ts";
import { BENCH_SCHEMA_VERSION } from "../result.ts";
import { noiseFloor } from "../stats/gate.ts";
import {
  benchRatios,
  benchVerdict,
  figureSeries,
  gateVersus,
  sustainableRate,
  sweepCriterion,
  sweepRates,
} from "../stats/summarize.ts";
import { runForks } from "./forks.ts";
import { measureHeadroom } from "./headroom.ts";
import { claimCost, scalingCurve } from "./scaling.ts";
import { type DrainTrial, type OpenStep, openStep } from "./trials.ts";
import type { VariantGroup } from "./variantGroup.ts";

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
  const { matrix, seed } = plan;
  const started = Date.now();
  mkdirSync(options.dir, { recursive: true });
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
  const problems: string[] = [];
  const warmup: BenchResult["warmup"] = [];
  const groups = new Map<string, VariantGroup>();
  const idle: BenchResult["idle"] = [];
  const trials = new Map<string, (DrainTrial | null)[]>();
  const open: BenchResult["open"] = [];
  const order = forkedOrder(
    options.variants.map((v) => v.id),
    matrix.forks,
    matrix.repeats,
    seed,
  );
  let headroom: Headroom | null = null;
  let sweep: SweepResult | null = null;
  let scaling: ScalingResult | null = null;
  const settings = {
    uri: target.uri,
    processes: matrix.processes,
    workersPerProcess: matrix.workersPerProcess,
    pollIntervalMs: matrix.pollIntervalMs,
    lockTimeoutMs: matrix.lockTimeoutMs,
    dir: options.dir,
    nodeArgs: matrix.workerNodeArgs,
  };
  /** Every group started, forks included: all are stopped, and every ledger checked, at the end. */
  const everyGroup: VariantGroup[] = [];
  const perEmptyPoll = (id: string) => idle.find((i) => i.variant === id)?.commandsPerEmptyPoll ?? 0;
  const medianRate = (id: string) => {
    const runs = (trials.get(id) ?? []).filter((r): r is DrainTrial => r !== null).map((r) => r.jobsPerSec);
    return runs.length ? (runs.sort((a, b) => a - b)[runs.length >> 1] ?? null) : null;
  };
  try {
    await client.connect();
    for (const v of options.variants) trials.set(v.id, []);
    await runForks({
      variants: options.variants,
      matrix,
      order,
      settings,
      client,
      groups,
      everyGroup,
      trials,
      warmup,
      idle,
      problems,
      perEmptyPoll,
      reporter,
      signal,
    });
    const withTrigger = options.variants.filter((v) => (groups.get(v.id)?.port ?? 0) > 0).map((v) => v.id);
    for (const { variant, repetition } of interleavedOrder(withTrigger, matrix.openLoop.repeats, seed + 1)) {
      if (signal.aborted) break;
      const step = await openStep(
        groups.get(variant) as VariantGroup,
        {
          ...matrix.openLoop,
          arrivals: plan.arrivals,
          seed: seed + repetition,
          jobDurationMs: matrix.jobDurationMs,
          pollIntervalMs: matrix.pollIntervalMs,
        },
        signal,
      );
      open.push({ variant, step });
      reporter.progress(openLine(variant, step));
    }
    const first = options.variants[0] as BenchVariant;
    const firstGroup = groups.get(first.id);
    if (firstGroup && !signal.aborted) {
      headroom = await measureHeadroom(
        firstGroup,
        medianRate(first.id),
        matrix.name === "quick" ? 3 : 10,
        signal,
      );
      reporter.progress(
        `headroom: generator ${headroom.generatorNoopPerSec} req/s, enqueue ${headroom.enqueuePerSec} req/s, drain ${headroom.drainPerSec} jobs/s`,
      );
    }
    if (plan.sweep && !signal.aborted) {
      // The ledger-on scheduler when there is one, so its start times can be checked against the DB's.
      const v = options.variants.find((x) => x.role === "diagnostic") ?? first;
      const g = groups.get(v.id);
      const drain = medianRate(v.id);
      const enqueue = headroom?.enqueuePerSec ?? null;
      // The open loop goes through the trigger server and the workers: the lower capacity binds.
      const capacity = drain && enqueue ? Math.min(drain, enqueue) : drain;
      if (g?.port && capacity) {
        if (enqueue !== null && drain && enqueue < drain)
          reporter.progress(
            `sweep: the trigger server enqueues ${enqueue} req/s, below the drain rate ${drain} jobs/s: the sweep's rates are fractions of the enqueue capacity`,
          );
        const steps: OpenStep[] = [];
        for (const rate of sweepRates(capacity, matrix.sweep.factors)) {
          if (signal.aborted) break;
          const step = await openStep(
            g,
            {
              ratePerSec: rate,
              durationMs: matrix.sweep.durationMs,
              graceMs: matrix.sweep.graceMs,
              arrivals: plan.arrivals,
              seed: seed + rate,
              jobDurationMs: matrix.jobDurationMs,
              pollIntervalMs: matrix.pollIntervalMs,
            },
            signal,
          );
          steps.push(step);
          reporter.progress(`sweep ${openLine(v.id, step)}`);
        }
        sweep = {
          variant: v.id,
          capacityPerSec: capacity,
          drainPerSec: drain,
          enqueuePerSec: enqueue,
          steps,
          sustainablePerSec: sustainableRate(steps, matrix.startBoundMs),
          criterion: sweepCriterion(matrix.startBoundMs),
        };
      } else problems.push("sweep: no drain rate or trigger server to sweep against");
    }
    if (plan.scaling && !signal.aborted && firstGroup) {
      const cost = await claimCost(firstGroup, matrix, perEmptyPoll(first.id), reporter, signal);
      // The scaling curve needs the CPU: stop every other group first.
      await Promise.all([...groups.values()].map((g) => g.stop()));
      const points = await scalingCurve(first, matrix, settings, client, seed, reporter, signal);
      scaling = { variant: first.id, workersPerProcess: matrix.workersPerProcess, points, ...cost };
    }
  } finally {
    await Promise.all(everyGroup.map((g) => g.stop().catch(() => {})));
    for (const g of everyGroup) {
      if (!g.variant.ledger) continue;
      const check = reexecutionsChecker.check({
        settings: {
          lockTimeoutMs: 0,
          pollIntervalMs: 0,
          recoveryToleranceMs: 0,
          timingToleranceMs: 0,
          runEndedAt: Date.now(),
          complete: true,
        },
        history: readLedgerDir(g.ledgerDir),
        finalState: [],
      });
      if (check.verdict === "fail") problems.push(`${g.variant.id}: ${check.summary}`);
    }
    await client.close().catch(() => {});
    await target.stop().catch(() => {});
  }
  // The fork of every repetition, as the order ran it.
  const forkOfRepetition: number[] = [];
  for (const o of order) forkOfRepetition[o.repetition] = o.fork;
  const figures = figureSeries(trials, seed, forkOfRepetition);
  const gates =
    options.versus && options.variants[1]
      ? gateVersus(
          figures,
          first(options.variants).id,
          options.variants[1].id,
          options.maxRegression,
          seed,
          true,
        )
      : [];
  const result: BenchResult = {
    schemaVersion: BENCH_SCHEMA_VERSION,
    kind: "bench",
    matrix: matrix.name,
    seed,
    verdict: "pass",
    problems: signal.aborted ? [...problems, "interrupted"] : problems,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    settings: { ...matrix, arrivals: plan.arrivals },
    environment,
    server: { provider: target.provider, version: target.version, isMongoDB: target.isMongoDB },
    fingerprint: currentFingerprint(
      { provider: target.provider, version: target.version },
      environment.driver,
    ),
    variants: options.variants,
    order,
    figures,
    ratios: benchRatios(figures, options.variants, seed),
    idle,
    warmup,
    open,
    headroom,
    sweep,
    scaling,
    gate: {
      mode: options.versus ? "versus" : "none",
      against: options.versus?.label ?? null,
      aa: options.versus?.aa ?? false,
      maxRegression: options.maxRegression,
      results: gates,
      noiseFloor: options.versus ? noiseFloor(gates) : [],
      warnings: [],
    },
  };
  result.verdict = benchVerdict(result, signal.aborted);
  return result;
}

function first(variants: readonly BenchVariant[]): BenchVariant {
  return variants[0] as BenchVariant;
}

/** One progress line for an open-loop step. */
export function openLine(variant: string, s: OpenStep): string {
  return `${variant} open ${s.offeredPerSec}/s: ${s.accepted}/${s.planned} accepted, ${s.notDonePct}% not done in window, start p99 ${s.enqueueToStart?.p99 ?? "n/a"} ms, lateness p99 ${s.lateness?.p99 ?? "n/a"} ms${s.valid ? "" : " (INVALID: generator fell behind)"}`;
}
