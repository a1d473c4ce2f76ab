import type { SutSpec } from "../adapters/wiring.ts";
import type { PlannedJob } from "../load/jobMix.ts";
import type { RunSettings } from "./schema.ts";

/** The scheduler, its wiring and the matched wiring's timing, from a run's settings. */
export function sutSpecOf(settings: RunSettings): SutSpec {
  const { adapter, wiring, pollIntervalMs, lockTimeoutMs, maxExecutionMs } = settings.sut;
  return {
    adapter,
    wiring,
    matched: { pollIntervalMs, lockTimeoutMs, ...(maxExecutionMs ? { maxExecutionMs } : {}) },
  };
}

/**
 * Every job name a load will enqueue: an example route's job is named after the route
 * (/trigger/email → email), any other job carries its name in the body.
 */
export function jobNamesOf(jobs: readonly PlannedJob[]): string[] {
  const names = new Set<string>();
  for (const job of jobs) {
    const trigger = /^\/trigger\/([\w-]+)$/.exec(job.route);
    if (trigger?.[1]) names.add(trigger[1]);
    else if (typeof job.body.name === "string") names.add(job.body.name);
  }
  return [...names].sort();
}
