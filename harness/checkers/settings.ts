import { z } from "zod";
import { DEFAULT_GROWTH } from "./growth.ts";
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
  drainTimeoutMs: int(1000, 7 * 86_400_000).default(120_000),
  /** App mode (a service tested as a black box): what its checkers need to know of the service. */
  app: z
    .strictObject({
      /** Job names the load schedules through the service's API: documents of other names are its own. */
      loadJobNames: z.array(z.string().min(1)).min(1),
      /** The job names whose every execution leaves one document in a collection, and where. */
      effects: z
        .array(
          z.strictObject({
            jobName: z.string().min(1),
            collection: z.string().min(1),
            jobIdField: z.string().min(1),
            timeField: z.string().min(1).optional(),
          }),
        )
        .default([]),
      /** The job names whose requests carry a priority (the description gives their kinds a range). */
      prioritized: z.array(z.string().min(1)).default([]),
      /** The job names the description declares limited, and their limits. */
      limits: z.array(z.strictObject({ jobName: z.string().min(1), limit: int(1, 10_000) })).default([]),
      /** The service's own jobs (scheduled by itself) and how many documents of each it should keep. */
      ownJobs: z.array(z.strictObject({ name: z.string().min(1), documents: int(1, 1000) })).default([]),
      /** Slack after a dead instance's lock expired before its job counts as taken over late. */
      takeoverSlackMs: int(0, 3_600_000).default(5000),
    })
    .optional(),
  /**
   * Sample every worker process's memory, event-loop delay and open connections this often (ms);
   * unset: no samples. The growth checker judges the samples.
   */
  sampleEveryMs: int(500, 3_600_000).optional(),
  /**
   * The growth checker's bounds: a worker's series may not grow faster than this per hour over the
   * second half of the run (the whole 95% interval of its slope beyond the bound fails it).
   */
  growth: z
    .strictObject({
      rssMbPerHour: z.number().positive().default(DEFAULT_GROWTH.rssMbPerHour),
      heapUsedMbPerHour: z.number().positive().default(DEFAULT_GROWTH.heapUsedMbPerHour),
      connectionsPerHour: z.number().positive().default(DEFAULT_GROWTH.connectionsPerHour),
    })
    .default(DEFAULT_GROWTH),
});

export type CheckSettingsOf = z.output<typeof checkSettingsSchema>;
