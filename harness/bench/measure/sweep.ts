import type { BenchPlan } from "../model/matrix.ts";
import type { BenchVariant } from "../model/variants.ts";
import type { Headroom, SweepResult } from "../result.ts";
import { sustainableRate, sweepCriterion, sweepRates } from "../stats/summarize.ts";
import type { ForkContext } from "./forks.ts";
import { openLine } from "./openLoop.ts";
import { openStep } from "./openStep.ts";
import { medianRate, type OpenStep } from "./trials.ts";

/**
 * --sweep: open-loop steps at fractions of the lower of the variant's median drain rate and the
 * trigger server's enqueue capacity (from the headroom split), each named in a progress line, with
 * the sustainable throughput. Null, with a problem recorded, when there is no rate or no trigger
 * server to sweep against.
 */
export async function measureSweep(
  ctx: Pick<ForkContext, "variants" | "groups" | "trials" | "problems" | "reporter" | "signal">,
  plan: BenchPlan,
  headroom: Headroom | null,
): Promise<SweepResult | null> {
  const { groups, reporter, signal } = ctx;
  const { matrix, seed } = plan;
  // The ledger-on scheduler when there is one, so its start times can be checked against the DB's.
  const v = ctx.variants.find((x) => x.role === "diagnostic") ?? (ctx.variants[0] as BenchVariant);
  const g = groups.get(v.id);
  const drain = medianRate(ctx.trials, v.id);
  const enqueue = headroom?.enqueuePerSec ?? null;
  // The open loop goes through the trigger server and the workers: the lower capacity binds.
  const capacity = drain && enqueue ? Math.min(drain, enqueue) : drain;
  if (!g?.port || !capacity) {
    ctx.problems.push("sweep: no drain rate or trigger server to sweep against");
    return null;
  }
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
  return {
    variant: v.id,
    capacityPerSec: capacity,
    drainPerSec: drain,
    enqueuePerSec: enqueue,
    steps,
    sustainablePerSec: sustainableRate(steps, matrix.startBoundMs),
    criterion: sweepCriterion(matrix.startBoundMs),
  };
}
