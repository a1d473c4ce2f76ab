import type { MongoClient } from "mongodb";
import type { Reporter } from "../../util/reporter.ts";
import type { BenchMatrix } from "../model/matrix.ts";
import { type BenchVariant, benchSuts } from "../model/variants.ts";
import type { BenchResult } from "../result.ts";
import { DRAIN_TIMEOUT_MS, type DrainTrial, drainTrial, idleTrial, plainJobs } from "./trials.ts";
import { type GroupSettings, VariantGroup } from "./variantGroup.ts";
import { settled, WARMUP, warmedUp } from "./warmup.ts";

/**
 * What the forks of a bench read and fill in, and the stages after them read (each takes a Pick of
 * it). runBench owns it; the result is built from it.
 */
export interface ForkContext {
  variants: readonly BenchVariant[];
  matrix: BenchMatrix;
  /** The drain order (forkedOrder): each entry's fork, and its repetition across forks. */
  order: readonly { variant: string; repetition: number; fork: number }[];
  settings: Omit<GroupSettings, "withTrigger" | "tag">;
  client: MongoClient;
  /** The current fork's groups by variant; after the last fork, its groups, still running. */
  groups: Map<string, VariantGroup>;
  /** Every group started, so that all are stopped (and their ledgers checked) at the end. */
  everyGroup: VariantGroup[];
  trials: Map<string, (DrainTrial | null)[]>;
  warmup: NonNullable<BenchResult["warmup"]>;
  idle: BenchResult["idle"];
  problems: string[];
  perEmptyPoll: (variant: string) => number;
  /**
   * Each system's drain, by the adapter whose jobs it works on (variants of one system share it, so
   * an A/B pair drains the same backlog): its backlog and its time bound. Sized in the first fork.
   */
  drains: Map<string, { backlog: number; timeoutMs: number }>;
  /** The probe found this server's claim broken: drains may end with jobs stuck (counted). */
  claimBroken: boolean;
  reporter: Reporter;
  signal: AbortSignal;
}

/** The first warm-up drain's backlog, the fewest jobs a sized drain has, and the warm-up drains re-sized. */
const SIZING_JOBS = 100;
const MIN_BACKLOG = 40;
const RESIZED_WARMUPS = 3;

/** A group's drain: its system's backlog and bound (fixed by fixDrains after the first warm-up). */
function drainOf(ctx: Pick<ForkContext, "drains">, g: VariantGroup): { backlog: number; timeoutMs: number } {
  const d = ctx.drains.get(g.sut.adapter);
  if (!d) throw new Error(`no drain size for ${g.sut.adapter}`);
  return d;
}

/** The bounds of a drain trial of `g`'s system. */
export function drainBounds(ctx: Pick<ForkContext, "drains" | "claimBroken">, g: VariantGroup) {
  return { timeoutMs: drainOf(ctx, g).timeoutMs, partial: ctx.claimBroken };
}

/** The jobs of one drain of `g`'s system. */
export function drainJobs(ctx: Pick<ForkContext, "drains" | "matrix">, g: VariantGroup) {
  return plainJobs(drainOf(ctx, g).backlog, ctx.matrix.jobDurationMs);
}

/** The backlog drained in the matrix's drain time at `jobsPerSec`, between MIN_BACKLOG and the matrix's backlog. */
export function backlogFor(
  matrix: Pick<BenchMatrix, "backlog" | "drainTargetMs">,
  jobsPerSec: number,
): number {
  return Math.max(
    MIN_BACKLOG,
    Math.min(matrix.backlog, Math.round((jobsPerSec * matrix.drainTargetMs) / 1000)),
  );
}

/**
 * Each system's drain, fixed after the first fork's warm-up. Sized by time (the default), a
 * system's backlog is what its slowest variant drains in the matrix's drain time at the rate of its
 * last warm-up drain, so that a slow scheduler's bench ends as soon as a fast one's. The variants
 * warm up side by side and share the machine, so that rate is scaled by how many warmed up at once
 * (an estimate: it sizes the drains, it is not a figure of the result). With --backlog every system
 * drains that many. The time bound is twenty drains' worth, at least 30 s.
 */
function fixDrains(ctx: ForkContext, lastRates: Map<string, number>): void {
  const { matrix, groups, drains, reporter } = ctx;
  const rates = new Map<string, number>();
  for (const g of groups.values()) {
    const rate = lastRates.get(g.variant.id);
    if (rate === undefined) continue;
    const known = rates.get(g.sut.adapter);
    rates.set(g.sut.adapter, known === undefined ? rate : Math.min(known, rate));
  }
  for (const g of groups.values()) {
    const adapter = g.sut.adapter;
    if (drains.has(adapter)) continue;
    const rate = rates.get(adapter);
    const alone = rate === undefined ? undefined : rate * groups.size;
    const backlog = matrix.sizeByTime && alone !== undefined ? backlogFor(matrix, alone) : matrix.backlog;
    const timeoutMs = alone ? Math.max(30_000, Math.round((20 * backlog * 1000) / alone)) : DRAIN_TIMEOUT_MS;
    drains.set(adapter, { backlog, timeoutMs });
    reporter.progress(
      matrix.sizeByTime
        ? `${adapter} jobs: drains of ${backlog} jobs${alone ? ` (about ${Math.round((backlog / alone) * 1000)} ms at the ${Math.round(alone)} jobs/s its warm-up drains suggest)` : ""}`
        : `${adapter} jobs: drains of ${backlog} jobs (--backlog)`,
    );
  }
}

/**
 * Unmeasured drains until the worker CPU per job settles (see WARMUP): the first thousands of jobs
 * of a fresh process (and of a fresh server) pay for compiling code, which is not what is measured.
 * In the first fork, before the drains are fixed, the first warm-up drain has SIZING_JOBS jobs and
 * each of the next few is re-sized from the rate of the one before it, so that a slow scheduler's
 * warm-up is as short as a fast one's. Returns the rate of the last warm-up drain.
 */
async function warmUp(ctx: ForkContext, g: VariantGroup, forkLabel: string, fork: number) {
  const { matrix, warmup, reporter, signal } = ctx;
  const cpu: number[] = [];
  let rate: number | undefined;
  const sizing = !ctx.drains.has(g.sut.adapter);
  let backlog = matrix.sizeByTime ? Math.min(SIZING_JOBS, matrix.backlog) : matrix.backlog;
  while (!signal.aborted && !warmedUp(cpu)) {
    const w = sizing
      ? await drainTrial(g, plainJobs(backlog, matrix.jobDurationMs), 0, signal, {
          timeoutMs: DRAIN_TIMEOUT_MS,
          partial: ctx.claimBroken,
        })
      : await drainTrial(g, drainJobs(ctx, g), 0, signal, drainBounds(ctx, g));
    if (typeof w === "string") break;
    cpu.push(w.cpuMsPerJob);
    rate = w.jobsPerSec;
    if (sizing && matrix.sizeByTime && cpu.length <= RESIZED_WARMUPS) backlog = backlogFor(matrix, rate);
  }
  warmup.push({ variant: g.variant.id, fork, cpuMsPerJob: cpu, settled: settled(cpu) });
  reporter.progress(
    `${g.variant.id}: warmed up over ${cpu.length} drains${forkLabel} (CPU ms/job ${cpu.join(", ")})${settled(cpu) ? "" : `; not settled within ${WARMUP.max} drains`}`,
  );
  return rate;
}

/**
 * The drain trials, fork by fork: every variant's processes started anew, warmed up side by side,
 * (in the first fork) idled for the idle-load figure, then measured in the fork's interleaved
 * order. A fork's processes are stopped when the next one starts; the last fork's stay up for the
 * open loop, the headroom split, the sweep and the scaling curve.
 */
export async function runForks(ctx: ForkContext): Promise<void> {
  const { variants, matrix, order, settings, client, groups, everyGroup, trials, idle } = ctx;
  const { problems, perEmptyPoll, reporter, signal } = ctx;
  for (let fork = 0; fork < matrix.forks && !signal.aborted; fork++) {
    // The last fork's processes stay up for the open loop, the headroom split and the sweep.
    if (fork > 0) await Promise.all([...groups.values()].map((g) => g.stop()));
    groups.clear();
    const tag = matrix.forks > 1 ? `fork${fork + 1}` : undefined;
    const forkLabel = matrix.forks > 1 ? ` (fork ${fork + 1}/${matrix.forks})` : "";
    for (const v of variants) {
      if (signal.aborted) break;
      const sut = benchSuts[v.sut];
      const g = new VariantGroup(
        v,
        {
          ...settings,
          withTrigger: fork === matrix.forks - 1 && Boolean(sut?.trigger) && v.role !== "baseline",
          ...(tag ? { tag } : {}),
        },
        client,
      );
      groups.set(v.id, g);
      everyGroup.push(g);
      reporter.progress(
        `${v.id}: starting ${matrix.processes} × ${matrix.workersPerProcess} workers${forkLabel}…`,
      );
      await g.start();
    }
    // The variants of a fork warm up side by side (nothing is measured yet). Recorded in
    // result.json (warmup), so the cut is visible.
    const lastRates = new Map<string, number>();
    await Promise.all(
      [...groups.values()].map(async (g) => {
        const rate = await warmUp(ctx, g, forkLabel, fork);
        if (rate !== undefined) lastRates.set(g.variant.id, rate);
      }),
    );
    if (fork === 0) fixDrains(ctx, lastRates);
    if (fork === 0)
      for (const g of groups.values()) {
        if (signal.aborted) break;
        const i = await idleTrial(g, matrix.idleMs, signal);
        if (typeof i === "string") problems.push(`${g.variant.id} idle: ${i}`);
        else idle.push({ variant: g.variant.id, ...i });
      }
    for (const { variant, repetition } of order.filter((o) => o.fork === fork)) {
      if (signal.aborted) break;
      const g = groups.get(variant) as VariantGroup;
      const r = await drainTrial(g, drainJobs(ctx, g), perEmptyPoll(variant), signal, drainBounds(ctx, g));
      (trials.get(variant) as (DrainTrial | null)[])[repetition] = typeof r === "string" ? null : r;
      if (typeof r === "string") {
        if (!signal.aborted) problems.push(`${variant} drain #${repetition + 1}: ${r}`);
      }
      reporter.progress(
        `${variant} drain #${repetition + 1}${forkLabel}: ${typeof r === "string" ? r : `${r.jobsPerSec} jobs/s, ${r.cpuMsPerJob} CPU ms/job (main thread ${r.mainCpuMsPerJob ?? "n/a"}), ${r.commandsPerJob} commands/job${r.executionsPerJob !== undefined && r.executionsPerJob !== 1 ? `, ${r.executionsPerJob} executions/job` : ""}${r.stuck ? `, ${r.stuck} stuck` : ""}`}`,
      );
    }
  }
}
