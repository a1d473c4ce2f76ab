import { z } from "zod";
import { checkerRegistry } from "../checkers/index.ts";

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const range = (min: number, max: number) =>
  z
    .tuple([int(min, max), int(min, max)])
    .refine(([a, b]) => a <= b, { message: "the first number must not exceed the second" });

const mixEntry = z.strictObject({
  route: z.string().startsWith("/"),
  weight: z.number().positive(),
  body: z.record(z.string(), z.unknown()).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  expect: z.enum(["completed", "failed"]),
});

/**
 * Every setting of a scenario run, with its one default. A scenario overrides some of these; flags
 * override the scenario; validation reports every problem at once before anything starts.
 */
export const runSettingsSchema = z.strictObject({
  sut: z.strictObject({
    /** Worker processes. */
    processes: int(1, 64).default(4),
    /** Scheduler workers (slots) in each process. */
    workersPerProcess: int(1, 64).default(2),
    pollIntervalMs: int(10, 60_000).default(250),
    lockTimeoutMs: int(200, 3_600_000).default(3000),
  }),
  load: z.strictObject({
    jobs: int(1, 100_000).default(300),
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
  faults: z.strictObject({
    /** SIGKILLs of a worker process in the middle of a job. */
    kills: int(0, 100).default(2),
    /** When to kill, as fractions of the accepted jobs finished; default: evenly spread. */
    killAt: z.array(z.number().gt(0).lt(1)).optional(),
    /** Delay from a kill to the restart of that process. */
    restartDelayMs: int(0, 600_000).default(1000),
  }),
  check: z.strictObject({
    checkers: z
      .array(z.string().refine((n) => n in checkerRegistry, { message: "no such checker" }))
      .min(1)
      .default(["lost-jobs", "re-executions", "recovery-time"]),
    /** Checkers reported but not counted in the verdict. */
    informational: z.array(z.string()).default([]),
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
  settings: SettingsOverride;
}
