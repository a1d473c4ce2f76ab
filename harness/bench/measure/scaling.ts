import type { MongoClient } from "mongodb";
import type { BenchJob } from "../../adapters/adapter.ts";
import { rawClaimCommand } from "../../adapters/rawClaim.ts";
import type { Reporter } from "../../util/reporter.ts";
import { interleavedOrder } from "../model/interleave.ts";
import type { BenchMatrix } from "../model/matrix.ts";
import type { BenchVariant } from "../model/variants.ts";
import type { ScalingResult } from "../result.ts";
import { bootstrapMedian } from "../stats/bootstrap.ts";
import type { ForkContext } from "./forks.ts";
import { drainBounds, drainJobs } from "./forks.ts";
import { drainTrial, plainJobs, waitCompleted } from "./trials.ts";
import { type GroupSettings, statsDelta, VariantGroup } from "./variantGroup.ts";

/**
 * --scaling on the first variant: its claim cost against backlog size on its running group, then
 * (every group of the last fork stopped) its scaling curve. Returns the two as one result.
 */
export async function measureScaling(
  ctx: Pick<
    ForkContext,
    | "matrix"
    | "groups"
    | "settings"
    | "client"
    | "perEmptyPoll"
    | "drains"
    | "claimBroken"
    | "reporter"
    | "signal"
  >,
  first: BenchVariant,
  firstGroup: VariantGroup,
  seed: number,
): Promise<ScalingResult> {
  const { matrix, reporter, signal } = ctx;
  const cost = await claimCost(firstGroup, matrix, ctx.perEmptyPoll(first.id), reporter, signal);
  // The scaling curve needs the CPU: stop the last fork's groups (the first variant's too) first.
  await Promise.all([...ctx.groups.values()].map((g) => g.stop().catch(() => {})));
  const points = await scalingCurve(first, matrix, ctx.settings, ctx.client, seed, reporter, signal, ctx);
  return { variant: first.id, workersPerProcess: matrix.workersPerProcess, points, ...cost };
}

/**
 * The scaling curve: one group per worker-process count (same workers per process), warmed up, then
 * their drains interleaved in a seeded order; jobs/s per worker beside the total.
 */
export async function scalingCurve(
  variant: BenchVariant,
  matrix: BenchMatrix,
  base: Omit<GroupSettings, "processes" | "withTrigger" | "tag">,
  client: MongoClient,
  seed: number,
  reporter: Reporter,
  signal: AbortSignal,
  drains: Pick<ForkContext, "drains" | "claimBroken" | "matrix">,
): Promise<ScalingResult["points"]> {
  const groups = new Map<string, VariantGroup>();
  const runs = new Map<string, (number | null)[]>();
  try {
    for (const processes of matrix.scaling.processes) {
      if (signal.aborted) break;
      const g = new VariantGroup(
        variant,
        { ...base, processes, withTrigger: false, tag: `${processes}p` },
        client,
      );
      groups.set(String(processes), g);
      reporter.progress(`scaling: starting ${processes} × ${base.workersPerProcess} workers…`);
      await g.start();
      await drainTrial(g, plainJobs(50, matrix.jobDurationMs), 0, signal);
      runs.set(String(processes), []);
    }
    for (const { variant: key, repetition } of interleavedOrder(
      [...groups.keys()],
      matrix.scaling.repeats,
      seed,
    )) {
      if (signal.aborted) break;
      const g = groups.get(key) as VariantGroup;
      const r = await drainTrial(g, drainJobs(drains, g), 0, signal, drainBounds(drains, g));
      (runs.get(key) as (number | null)[])[repetition] = typeof r === "string" ? null : r.jobsPerSec;
      reporter.progress(
        `scaling ${key} processes #${repetition + 1}: ${typeof r === "string" ? r : `${r.jobsPerSec} jobs/s`}`,
      );
    }
  } finally {
    await Promise.all([...groups.values()].map((g) => g.stop()));
  }
  return matrix.scaling.processes
    .filter((p) => runs.has(String(p)))
    .map((processes) => {
      const values = runs.get(String(processes)) as (number | null)[];
      const estimate = bootstrapMedian(
        values.filter((v): v is number => v !== null),
        { seed },
      );
      return {
        processes,
        jobsPerSec: estimate,
        perWorkerPerSec: estimate
          ? Math.round((estimate.median / (processes * base.workersPerProcess)) * 10) / 10
          : null,
        runs: values,
      };
    });
}

const DAY_MS = 86_400_000;

/**
 * Claim cost against backlog size: `backlog` due jobs with as many completed jobs and as many
 * scheduled for tomorrow beside them, as a real collection holds. The first `claimsMeasured`
 * claims are timed (driver command monitoring in the workers), and the server is asked through
 * `explain` how many documents one claim examines.
 */
export async function claimCost(
  group: VariantGroup,
  matrix: BenchMatrix,
  perEmptyPoll: number,
  reporter: Reporter,
  signal: AbortSignal,
): Promise<Pick<ScalingResult, "claimCost" | "explainNote">> {
  const out: ScalingResult["claimCost"] = [];
  let explainNote: string | null = null;
  for (const backlog of matrix.scaling.backlogs) {
    if (signal.aborted) break;
    const measured = Math.min(100, backlog);
    await group.resume(signal);
    try {
      await group.collection.deleteMany({});
      const now = Date.now();
      const data = { durationMs: matrix.jobDurationMs };
      const future: BenchJob[] = Array.from({ length: backlog }, () => ({
        name: "bench",
        runAt: new Date(now + DAY_MS),
        data,
      }));
      // History first (completed at once by a direct update), then the future jobs, then the due ones.
      group.pauseWorkers();
      await group.jobs.seed(group.db, plainJobs(backlog, 0));
      await group.collection.updateMany(
        {},
        { $set: { status: "completed", updatedAt: new Date(now - DAY_MS) } },
      );
      await group.jobs.seed(group.db, future);
      await group.jobs.seed(group.db, plainJobs(backlog, matrix.jobDurationMs));
      const docsExamined = await explainClaim(group).catch((error: Error) => {
        explainNote = `the server cannot explain the claim: ${error.message.split("\n")[0]}`;
        return null;
      });
      group.resumeWorkers();
      const before = await group.stats();
      await waitCompleted(group, backlog + measured, 600_000, signal);
      const delta = statsDelta(before, await group.stats());
      const claims = Math.max(1, delta.claims);
      out.push({
        backlog,
        history: backlog,
        future: backlog,
        claimMs: delta.claims ? Math.round((delta.claimMs / claims) * 100) / 100 : null,
        commandsPerJob: delta.claims
          ? Math.round(((delta.commands - delta.emptyClaims * perEmptyPoll) / claims) * 100) / 100
          : null,
        docsExamined,
      });
      reporter.progress(`claim cost, backlog ${backlog}: ${out.at(-1)?.claimMs ?? "n/a"} ms per claim`);
    } finally {
      await group.collection.deleteMany({}).catch(() => {});
      group.pause();
    }
  }
  return { claimCost: out, explainNote };
}

/** executionStats.totalDocsExamined of the scheduler's claim, explained as a find with its sort. */
async function explainClaim(group: VariantGroup): Promise<number | null> {
  const claim = rawClaimCommand(new Date(), "explain", 30_000);
  const reply = (await group.db.command({
    explain: { find: group.jobs.collection, filter: claim.filter, sort: claim.options.sort, limit: 1 },
    verbosity: "executionStats",
  })) as { executionStats?: { totalDocsExamined?: number } };
  const n = reply.executionStats?.totalDocsExamined;
  if (typeof n !== "number") throw new Error("its explain reply has no executionStats.totalDocsExamined");
  return n;
}
