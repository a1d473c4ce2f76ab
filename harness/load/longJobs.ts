import type { TimingSettings } from "../adapters/adapter.ts";
import { HarnessError } from "../util/exitCodes.ts";
import type { PlannedJob } from "./jobMix.ts";

/** How long jobs are sized, from the load settings. */
export interface LongJobSettings {
  /** A long job runs this many lock timeouts of the built scheduler. */
  lockTimeoutsPerLongJob?: number;
  /** The quick variant's limit: with a longer lock timeout it does not apply. */
  longestLongJobMs?: number;
}

/**
 * Gives every long job of the plan its duration, a multiple of the lock timeout the user gave the
 * Scheduler (read from the built instance), and returns that duration (null: no long jobs). One
 * line when the wiring's lock timeout makes the jobs longer than the scenario allows.
 */
export function sizeLongJobs(
  jobs: PlannedJob[],
  settings: LongJobSettings,
  timing: TimingSettings,
  scenario: string,
): number | null {
  const long = jobs.filter((j) => j.long);
  if (long.length === 0 || settings.lockTimeoutsPerLongJob === undefined) return null;
  const durationMs = Math.round(settings.lockTimeoutsPerLongJob * timing.lockTimeoutMs);
  if (settings.longestLongJobMs !== undefined && durationMs > settings.longestLongJobMs) {
    throw new HarnessError(
      `${scenario} is the quick variant: with this wiring's lock timeout (${timing.lockTimeoutMs} ms) its long jobs would run ${Math.round(durationMs / 1000)} s, over its ${settings.longestLongJobMs / 1000} s; run ${scenario}-realtime`,
    );
  }
  for (const job of long) {
    job.body = { ...job.body, data: { ...(job.body.data as Record<string, unknown>), durationMs } };
  }
  return durationMs;
}
