import { z } from "zod";
import type { Capability } from "../adapters/adapter.ts";
import { checkSettingsSchema } from "../checkers/settings.ts";
import type { CheckerName } from "../checkers/types.ts";
import { faultSettingsSchema } from "../faults/settings.ts";
import { loadSettingsSchema } from "../load/settings.ts";

const int = (min: number, max: number) => z.number().int().min(min).max(max);

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
    /**
     * How long a worker's graceful stop (on SIGTERM) waits for its running handlers: the timeout a
     * real application gives the scheduler's stop. The process exits a second after it at the latest.
     */
    stopTimeoutMs: int(0, 3_600_000).default(4000),
  }),
  load: loadSettingsSchema,
  faults: faultSettingsSchema,
  check: checkSettingsSchema,
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
  /**
   * What the scenario leaves out for a scheduler without a capability, instead of not applying:
   * the jobs of those names (its load's mix entries) and those checkers. A composed scenario
   * tests every job kind the scheduler under test supports.
   */
  adapts?: readonly { capability: Capability; names: readonly string[]; checkers: readonly CheckerName[] }[];
  settings: SettingsOverride;
}
