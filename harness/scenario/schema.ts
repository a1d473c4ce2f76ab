import { z } from "zod";
import type { Capability } from "../adapters/adapter.ts";
import { checkerRegistry } from "../checkers/index.ts";
import { faultSettingsSchema } from "../faults/settings.ts";

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const range = (min: number, max: number) =>
  z
    .tuple([int(min, max), int(min, max)])
    .refine(([a, b]) => a <= b, { message: "the first number must not exceed the second" });

const mixEntry = z.strictObject({
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

/**
 * Every setting of a scenario run, with its one default. A scenario overrides some of these; flags
 * override the scenario; validation reports every problem at once before anything starts.
 */
export const runSettingsSchema = z.strictObject({
  sut: z.strictObject({
    /** The scheduler under test (an adapter name). */
    adapter: z.string().min(1).default("mongo-job-scheduler"),
    /** How every process builds it: a preset (matched, readme, example) or a wiring module's path. */
    wiring: z.string().min(1).default("matched"),
    /** Worker processes. */
    processes: int(1, 64).default(4),
    /** Scheduler workers (slots) in each process. */
    workersPerProcess: int(1, 64).default(2),
    /** The matched wiring's poll interval (other wirings set their own). */
    pollIntervalMs: int(10, 60_000).default(250),
    /** The matched wiring's lock timeout, given to the Scheduler and its store alike. */
    lockTimeoutMs: int(200, 3_600_000).default(3000),
    /** The scheduler's stall detection: stop renewing a lock after this long. Unset: off. */
    maxExecutionMs: int(1, 3_600_000).optional(),
  }),
  load: z.strictObject({
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
      .array(mixEntry)
      .min(1)
      .default([
        { route: "/trigger/email", weight: 6, expect: "completed" },
        { route: "/trigger/report", weight: 2, expect: "completed" },
        { route: "/trigger/retry-demo", weight: 1, expect: "completed" },
        { route: "/jobs", weight: 1, body: { name: "generic" }, expect: "completed" },
      ]),
  }),
  faults: faultSettingsSchema,
  check: z.strictObject({
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
  }),
  seed: int(0, 2 ** 31 - 1).optional(),
});

export type RunSettings = z.output<typeof runSettingsSchema>;
/** What a scenario or a flag may set: any part of the settings. */
export type SettingsOverride = DeepPartial<z.input<typeof runSettingsSchema>>;
type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** A named scenario: plain data, looked up by name in the registry. */
export interface Scenario {
  name: string;
  /** One line for `harness list`. */
  description: string;
  /** What the scheduler must offer for the scenario to apply; without one it is not applicable. */
  requires?: readonly Capability[];
  settings: SettingsOverride;
}
