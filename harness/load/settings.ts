import { z } from "zod";

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
  /** http: through the trigger server with autocannon; bulk: seeded before the workers start. */
  mode: z.enum(["http", "bulk"]).default("http"),
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

export type LoadSettings = z.output<typeof loadSettingsSchema>;
export type MixEntry = z.output<typeof mixEntrySchema>;
