import type { SutSpec } from "../adapters/wiring.ts";
import type { RunSettings } from "./schema.ts";

/**
 * The scheduler, its wiring and the matched wiring's timing, from a run's settings; `build` is
 * the folder of the mongo-job-scheduler build under test (--scheduler), when not the installed one.
 */
export function sutSpecOf(settings: RunSettings, build?: string): SutSpec {
  const { adapter, wiring, pollIntervalMs, lockTimeoutMs, maxExecutionMs } = settings.sut;
  return {
    adapter,
    wiring,
    matched: { pollIntervalMs, lockTimeoutMs, ...(maxExecutionMs ? { maxExecutionMs } : {}) },
    ...(build ? { build } : {}),
  };
}
