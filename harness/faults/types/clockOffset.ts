import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { clocksOf, healTo0, observedOffsets } from "./clocks.ts";
import { clockTarget, common, HOUR, int } from "./common.ts";

export const clockOffsetSpec = z.strictObject({
  type: z.literal("clock-offset"),
  ...common,
  target: clockTarget.default("any"),
  forMs: int(1, HOUR).default(10_000),
  /** Ahead (positive) or behind (negative), in ms. */
  offsetMs: z
    .number()
    .int()
    .min(-7 * 24 * HOUR)
    .max(7 * 24 * HOUR)
    .refine((v) => v !== 0, { message: "an offset of 0 is no fault" }),
});

/** Set a worker's wall clock ahead or behind, as a misconfigured host's is. */
export const clockOffsetFault: FaultType<"clock-offset"> = {
  kind: "clock-offset",
  spec: clockOffsetSpec,
  summary: "set a worker's wall clock offsetMs ahead (positive) or behind (negative) for forMs",
  effect: "clock",
  needs: ["libfaketime"],
  flagKeys: { offset: "offsetMs" },
  async inject(fault, procs, env) {
    const clocks = clocksOf(env, procs);
    for (const proc of procs) clocks.setOffset(proc, fault.spec.offsetMs);
    // libfaketime rereads its offset on the next clock read; give the worker a moment to make one.
    await new Promise((r) => setTimeout(r, 50));
    const observed = await observedOffsets(env, procs);
    env.progress(
      `set the clock of ${procs.join(", ")} ${Math.abs(fault.spec.offsetMs)} ms ${fault.spec.offsetMs > 0 ? "ahead" : "behind"} (observed ${Object.values(observed.wall).join(", ")} ms)`,
    );
    return {
      offsetMs: fault.spec.offsetMs,
      detail: {
        plannedOffsetMs: fault.spec.offsetMs,
        observedOffsetMs: observed.wall,
        ledgerOffsetMs: observed.ledger,
      },
      heal: healTo0(env, clocks, procs),
    };
  },
  describe: (spec) => `${spec.offsetMs > 0 ? "+" : ""}${spec.offsetMs} ms`,
};
