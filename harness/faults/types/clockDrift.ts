import { z } from "zod";
import type { FaultType } from "../faultType.ts";
import { clocksOf, healTo0, observedOffsets } from "./clocks.ts";
import { clockTarget, common, HOUR, int } from "./common.ts";

/** How often a drifting clock's offset is moved on. */
const DRIFT_STEP_MS = 100;

export const clockDriftSpec = z.strictObject({
  type: z.literal("clock-drift"),
  ...common,
  target: clockTarget.default("any"),
  forMs: int(1, HOUR).default(10_000),
  /** Milliseconds the clock gains (positive) or loses (negative) per real second. */
  msPerSecond: z
    .number()
    .min(-999)
    .max(100_000)
    .refine((v) => v !== 0, { message: "a drift of 0 is no fault" }),
});

/** Make a worker's wall clock gain or lose time while the window lasts, then set it right. */
export const clockDriftFault: FaultType<"clock-drift"> = {
  kind: "clock-drift",
  spec: clockDriftSpec,
  summary: "make a worker's wall clock gain (or lose) msPerSecond for forMs, then set it right",
  effect: "clock",
  needs: ["libfaketime"],
  flagKeys: { drift: "msPerSecond" },
  async inject(fault, procs, env) {
    const clocks = clocksOf(env, procs);
    const from = env.now();
    const step = () => {
      const offset = Math.round(((env.now() - from) / 1000) * fault.spec.msPerSecond);
      for (const proc of procs) clocks.setOffset(proc, offset);
    };
    const timer = setInterval(step, DRIFT_STEP_MS);
    // The drift's evidence: the offset the worker reports as it starts, and again before the heal.
    const atStart = await observedOffsets(env, procs);
    env.progress(`${procs.join(", ")}: clock drifting ${fault.spec.msPerSecond} ms per second`);
    return {
      detail: { msPerSecond: fault.spec.msPerSecond },
      heal: async (early) => {
        clearInterval(timer);
        const before = early ? undefined : await observedOffsets(env, procs);
        const result = await healTo0(env, clocks, procs)(early);
        return {
          observedAtStartMs: atStart.wall,
          observedBeforeHealMs: before?.wall ?? null,
          ledgerBeforeHealMs: before?.ledger ?? null,
          ...(result ?? {}),
        };
      },
    };
  },
  describe: (spec) => `${spec.msPerSecond} ms/s`,
};
