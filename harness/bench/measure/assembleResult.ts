import { claimBrokenIn, type ProbeResult } from "../../probe/probeTypes.ts";
import { serverInfoOf } from "../../report/serverText.ts";
import type { MongoTarget } from "../../servers/provision.ts";
import { currentFingerprint } from "../model/fingerprint.ts";
import type { BenchPlan } from "../model/matrix.ts";
import type { BenchVariant } from "../model/variants.ts";
import type { BenchResult, Headroom, ScalingResult, SweepResult } from "../result.ts";
import { BENCH_SCHEMA_VERSION } from "../result.ts";
import { noiseFloor, notGatedOnBrokenClaim } from "../stats/gate.ts";
import { benchRatios, benchVerdict, figureSeries, gateVersus } from "../stats/summarize.ts";
import type { ForkContext } from "./forks.ts";

/** What was asked of the bench that its result records (the part of runBench's options it reads). */
export interface BenchAsked {
  plan: BenchPlan;
  variants: BenchVariant[];
  versus: { label: string; aa: boolean } | null;
  maxRegression: number;
  /** Read when the result is assembled: an aborted bench is marked interrupted. */
  signal: AbortSignal;
}

/** What the stages of a bench measured, and where. */
export interface BenchMeasured {
  /** The quick probe of the server at the start (a broken claim: no figure is gated). */
  probe: ProbeResult | undefined;
  /** Date.now() when the bench began. */
  started: number;
  target: MongoTarget;
  environment: BenchResult["environment"];
  /** The drain order, as forkedOrder gave it (ForkContext's, with the type the result keeps). */
  order: { variant: string; repetition: number; fork: number }[];
  drains: Pick<ForkContext, "trials" | "idle" | "warmup" | "problems" | "drains">;
  open: BenchResult["open"];
  headroom: Headroom | null;
  sweep: SweepResult | null;
  scaling: ScalingResult | null;
}

/**
 * The bench's result from what it measured: the drain figures with their intervals, the ratios,
 * the --versus gate of the first variant against the second, and the verdict.
 */
export function assembleResult(asked: BenchAsked, measured: BenchMeasured): BenchResult {
  const { plan, variants, signal } = asked;
  const { matrix, seed } = plan;
  const { target, environment, order, drains } = measured;
  // The fork of every repetition, as the order ran it.
  const forkOfRepetition: number[] = [];
  for (const o of order) forkOfRepetition[o.repetition] = o.fork;
  const figures = figureSeries(drains.trials, seed, forkOfRepetition);
  const claimBroken = claimBrokenIn(measured.probe);
  const gates =
    asked.versus && variants[1]
      ? gateVersus(
          figures,
          (variants[0] as BenchVariant).id,
          variants[1].id,
          asked.maxRegression,
          seed,
          true,
        ).map((g) => (claimBroken ? notGatedOnBrokenClaim(g) : g))
      : [];
  const result: BenchResult = {
    schemaVersion: BENCH_SCHEMA_VERSION,
    kind: "bench",
    matrix: matrix.name,
    seed,
    verdict: "pass",
    problems: signal.aborted ? [...drains.problems, "interrupted"] : drains.problems,
    startedAt: new Date(measured.started).toISOString(),
    durationMs: Date.now() - measured.started,
    settings: { ...matrix, arrivals: plan.arrivals },
    environment,
    server: serverInfoOf(target),
    ...(measured.probe ? { probe: measured.probe } : {}),
    backlogs: Object.fromEntries(drains.drains),
    executions: [...drains.trials].map(([variant, runs]) => ({
      variant,
      perJob: runs.map((r) => r?.executionsPerJob ?? null),
      stuck: runs.map((r) => r?.stuck ?? 0),
    })),
    fingerprint: currentFingerprint(
      { provider: target.provider, version: target.version },
      environment.driver,
    ),
    variants,
    order,
    figures,
    ratios: benchRatios(figures, variants, seed),
    idle: drains.idle,
    warmup: drains.warmup,
    open: measured.open,
    headroom: measured.headroom,
    sweep: measured.sweep,
    scaling: measured.scaling,
    gate: {
      mode: asked.versus ? "versus" : "none",
      against: asked.versus?.label ?? null,
      aa: asked.versus?.aa ?? false,
      maxRegression: asked.maxRegression,
      results: gates,
      noiseFloor: asked.versus ? noiseFloor(gates) : [],
      warnings: [],
    },
  };
  result.verdict = benchVerdict(result, signal.aborted);
  return result;
}
