import { z } from "zod";
import { durationSetting } from "../util/duration.ts";

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const range = (min: number, max: number) =>
  z
    .tuple([int(min, max), int(min, max)])
    .refine(([a, b]) => a <= b, { message: "the first number must not exceed the second" });

/** One kind of job in a load mix. */
export const mixEntrySchema = z.strictObject({
  route: z.string().startsWith("/").default("/jobs"),
  weight: z.number().positive().default(1),
  /** Exactly this many jobs of this kind, planned before the weighted share of the rest. */
  count: int(0, 100_000).optional(),
  body: z.record(z.string(), z.unknown()).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  retry: z
    .strictObject({
      maxAttempts: int(1, 100),
      delayMs: int(0, 3_600_000).optional(),
      backoff: z.strictObject({ baseMs: int(0, 3_600_000), factor: z.number().min(1).max(100) }).optional(),
    })
    .optional(),
  priorities: range(1, 10).optional(),
  durationMs: range(0, 3_600_000).optional(),
  expect: z.enum(["completed", "failed", "repeating"]),
  /** Its jobs run load.lockTimeoutsPerLongJob × the lock timeout read from the built scheduler. */
  long: z.boolean().optional(),
});

/** The load part of a run's settings, with its one default each (the scenario schema composes it). */
export const loadSettingsSchema = z.strictObject({
  /**
   * http: every job through the trigger server with autocannon, as fast as it answers (closed loop);
   * bulk: seeded before the workers start; open: through the trigger server at `ratePerSec` for
   * `forMs`, each request sent on time whatever the server does (open loop: a steady load).
   */
  mode: z.enum(["http", "bulk", "open"]).default("http"),
  /** The open loop's rate, requests per second. */
  ratePerSec: z.number().positive().max(10_000).default(10),
  /** How long the open loop sends (ms, or "30s", "2h"); its jobs are ratePerSec × forMs. */
  forMs: durationSetting(1000, 7 * 86_400_000).optional(),
  /** How the open loop spaces its requests: evenly, or as a Poisson process of the same rate. */
  arrivals: z.enum(["constant", "poisson"]).default("constant"),
  jobs: int(1, 100_000).default(300),
  /** Long jobs (mix entries with `long`) run this many lock timeouts of the built scheduler. */
  lockTimeoutsPerLongJob: z.number().positive().max(100).optional(),
  /** A quick variant's limit on a long job: a wiring with a longer lock timeout does not fit it. */
  longestLongJobMs: int(1000, 3_600_000).optional(),
  /** Observe for this long instead of until every job finished (for repeating jobs). */
  runForMs: int(1000, 3_600_000).optional(),
  connections: int(1, 1000).default(10),
  priorities: range(1, 10).default([1, 10]),
  durationMs: range(0, 3_600_000).default([100, 500]),
  mix: z
    .array(mixEntrySchema)
    .min(1)
    .default([
      { route: "/trigger/email", weight: 6, expect: "completed" },
      { route: "/trigger/report", weight: 2, expect: "completed" },
      { route: "/trigger/retry-demo", weight: 1, expect: "completed" },
      { route: "/jobs", weight: 1, body: { name: "generic" }, expect: "completed" },
    ]),
});

/**
 * The default mix without its concurrency-limited job (the report, limit 2): for the scenarios that
 * test one promise under kills. A kill that strikes a process holding every slot of a limited name
 * leaves mongo-job-scheduler 1.2.4 unable to claim that name again until a scheduler starts (its
 * claim counts stale running jobs against the limit), so whether such a run fails would be chance;
 * that composition is the `mixed` scenario's (docs/findings/app-mode.md).
 */
export const UNLIMITED_MIX = [
  { route: "/trigger/email", weight: 6, expect: "completed" },
  { route: "/trigger/retry-demo", weight: 1, expect: "completed" },
  { route: "/jobs", weight: 1, body: { name: "generic" }, expect: "completed" },
] as const satisfies readonly z.input<typeof mixEntrySchema>[];

export type LoadSettings = z.output<typeof loadSettingsSchema>;
export type MixEntry = z.output<typeof mixEntrySchema>;

/** Most jobs one open loop may plan (each is planned before the run; about 300 bytes apiece). */
export const MAX_OPEN_JOBS = 500_000;

/** The jobs of a load: its `jobs`, or for an open loop its rate × its duration. */
export function plannedJobCount(load: Pick<LoadSettings, "mode" | "jobs" | "ratePerSec" | "forMs">): number {
  if (load.mode !== "open") return load.jobs;
  return Math.floor((load.ratePerSec * (load.forMs ?? 0)) / 1000);
}
