import { interleavedOrder } from "../model/interleave.ts";
import type { BenchPlan } from "../model/matrix.ts";
import type { BenchResult } from "../result.ts";
import type { ForkContext } from "./forks.ts";
import { openStep } from "./openStep.ts";
import type { OpenStep } from "./trials.ts";
import type { VariantGroup } from "./variantGroup.ts";

/**
 * The open loop on the last fork's groups: every variant with a trigger server offered the matrix's
 * rate, its repetitions interleaved in a seeded order (seed + 1), each step named in a progress
 * line; stops at the first step after an abort.
 */
export async function measureOpenLoop(
  ctx: Pick<ForkContext, "variants" | "groups" | "reporter" | "signal">,
  plan: BenchPlan,
): Promise<BenchResult["open"]> {
  const { variants, groups, reporter, signal } = ctx;
  const { matrix, seed } = plan;
  const open: BenchResult["open"] = [];
  const withTrigger = variants.filter((v) => (groups.get(v.id)?.port ?? 0) > 0).map((v) => v.id);
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
  return open;
}

/** One progress line for an open-loop step. */
export function openLine(variant: string, s: OpenStep): string {
  return `${variant} open ${s.offeredPerSec}/s: ${s.accepted}/${s.planned} accepted, ${s.notDonePct}% not done in window, start p99 ${s.enqueueToStart?.p99 ?? "n/a"} ms, lateness p99 ${s.lateness?.p99 ?? "n/a"} ms${s.valid ? "" : " (INVALID: generator fell behind)"}`;
}
