import { z } from "zod";
import { checkerRegistry } from "./index.ts";

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** The checking part of a run's settings, with its one default each (the scenario schema composes it). */
export const checkSettingsSchema = z.strictObject({
  checkers: z
    .array(z.string().refine((n) => n in checkerRegistry, { message: "no such checker" }))
    .min(1)
    .default(["lost-jobs", "final-state", "re-executions", "recovery-time"]),
  /**
   * Checkers reported but not counted in the verdict, each with the reason shown beside it: a
   * weakness the scheduler is known to have, so that a CI gate on the scenario stays meaningful.
   */
  informational: z.record(z.string(), z.string().min(1)).default({}),
  /** Slack for timing checks: a claim round trip, a timer firing late on a busy machine. */
  timingToleranceMs: int(0, 3_600_000).default(250),
  /** Slack above the recovery bound before a recovery is late. */
  recoveryToleranceMs: int(0, 3_600_000).default(1000),
  /** How long to wait for the accepted jobs to finish after the load and faults. */
  drainTimeoutMs: int(1000, 3_600_000).default(120_000),
});

export type CheckSettingsOf = z.output<typeof checkSettingsSchema>;
