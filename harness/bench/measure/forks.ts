import type { MongoClient } from "mongodb";
import type { Reporter } from "../../util/reporter.ts";
import type { BenchMatrix } from "../model/matrix.ts";
import { type BenchVariant, benchSuts } from "../model/variants.ts";
import type { BenchResult } from "../result.ts";
import { type DrainTrial, drainTrial, idleTrial, plainJobs } from "./trials.ts";
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
  reporter: Reporter;
  signal: AbortSignal;
}

/**
 * The drain trials, fork by fork: every variant's processes started anew, warmed up side by side,
 * (in the first fork) idled for the idle-load figure, then measured in the fork's interleaved
 * order. A fork's processes are stopped when the next one starts; the last fork's stay up for the
 * open loop, the headroom split, the sweep and the scaling curve.
 */
export async function runForks(ctx: ForkContext): Promise<void> {
  const { variants, matrix, order, settings, client, groups, everyGroup, trials, warmup, idle } = ctx;
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
    // Unmeasured drains of a full backlog until the worker CPU per job settles: the first
    // thousands of jobs of a fresh process (and of a fresh server) pay for compiling code, which
    // is not what is measured. The variants of a fork warm up side by side (nothing is measured
    // yet). Recorded in result.json (warmup), so the cut is visible.
    await Promise.all(
      [...groups.values()].map(async (g) => {
        const cpu: number[] = [];
        while (!signal.aborted && !warmedUp(cpu)) {
          const w = await drainTrial(g, plainJobs(matrix.backlog, matrix.jobDurationMs), 0, signal);
          if (typeof w === "string") break;
          cpu.push(w.cpuMsPerJob);
        }
        warmup.push({ variant: g.variant.id, fork, cpuMsPerJob: cpu, settled: settled(cpu) });
        reporter.progress(
          `${g.variant.id}: warmed up over ${cpu.length} drains${forkLabel} (CPU ms/job ${cpu.join(", ")})${settled(cpu) ? "" : `; not settled within ${WARMUP.max} drains`}`,
        );
      }),
    );
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
      const r = await drainTrial(
        g,
        plainJobs(matrix.backlog, matrix.jobDurationMs),
        perEmptyPoll(variant),
        signal,
      );
      (trials.get(variant) as (DrainTrial | null)[])[repetition] = typeof r === "string" ? null : r;
      if (typeof r === "string") {
        if (!signal.aborted) problems.push(`${variant} drain #${repetition + 1}: ${r}`);
      }
      reporter.progress(
        `${variant} drain #${repetition + 1}${forkLabel}: ${typeof r === "string" ? r : `${r.jobsPerSec} jobs/s, ${r.cpuMsPerJob} CPU ms/job (main thread ${r.mainCpuMsPerJob ?? "n/a"}), ${r.commandsPerJob} commands/job`}`,
      );
    }
  }
}
