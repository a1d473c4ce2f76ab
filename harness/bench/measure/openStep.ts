import {
  type Arrivals,
  arrivalOffsets,
  type OpenLoopRecord,
  realClock,
  runOpenLoop,
  sendLateness,
} from "../../load/openLoop.ts";
import { createUndiciSender } from "../../load/undiciSender.ts";
import { sleep } from "../../util/wait.ts";
import { hdrPercentiles, type Percentiles } from "../stats/percentiles.ts";
import {
  acceptedJobs,
  type JobLatencies,
  jobLatencies,
  ledgerStartLatency,
  writeOpenRecords,
} from "./openRecords.ts";
import { DRAIN_TIMEOUT_MS, type OpenStep, waitCompleted } from "./trials.ts";
import type { VariantGroup } from "./variantGroup.ts";

/**
 * An open-loop step's settings: the rate offered and for how long, the grace before its window
 * closes, the arrivals and their seed, each job's duration, and the poll interval that bounds the
 * generator's lateness for the step to count as valid.
 */
export interface OpenStepSettings {
  ratePerSec: number;
  durationMs: number;
  graceMs: number;
  arrivals: Arrivals;
  seed: number;
  jobDurationMs: number;
  pollIntervalMs: number;
}

/**
 * Offers jobs over HTTP to the group's trigger server at the step's rate (undici, open loop), then
 * reads the jobs' own timestamps: completions by the window's end, and every accepted job's
 * latency from its intended send time once all are done (or the drain timeout passes).
 */
export async function openStep(
  group: VariantGroup,
  s: OpenStepSettings,
  signal: AbortSignal,
): Promise<OpenStep> {
  await group.resume(signal);
  const sender = createUndiciSender(`http://127.0.0.1:${group.port}`);
  try {
    await group.collection.deleteMany({});
    const offsets = arrivalOffsets(s.ratePerSec, s.durationMs, s.arrivals, s.seed);
    const startAt = realClock.now() + 200;
    const records = await runOpenLoop({
      offsets,
      startAt,
      clock: realClock,
      signal,
      send: (_, intendedAt) =>
        sender.post("/jobs", { name: "bench", data: { durationMs: s.jobDurationMs, intendedAt } }),
    });
    const windowEnd = startAt + s.durationMs + s.graceMs;
    const { accepted, jobOf } = acceptedJobs(records);
    await sleep(Math.max(0, windowEnd - Date.now()), signal);
    await waitCompleted(group, accepted.size, DRAIN_TIMEOUT_MS, signal);
    const times = await group.jobs.jobTimes(group.db, [...accepted.keys()]);
    const latencies = jobLatencies(accepted, times, windowEnd);
    const ledgerStart = group.variant.ledger ? ledgerStartLatency(group.ledgerDir, accepted) : null;
    // Every request as sent and every job as the database kept it, so each figure can be re-derived.
    const recordsFile = writeOpenRecords(group.dir, {
      ratePerSec: s.ratePerSec,
      startAt,
      offsets,
      records,
      jobOf,
      times,
    });
    return stepFigures(s, {
      startAt,
      offsets,
      records,
      accepted: accepted.size,
      latencies,
      ledgerStart,
      recordsFile,
    });
  } finally {
    await sender.close().catch(() => {});
    await group.collection.deleteMany({}).catch(() => {});
    group.pause();
  }
}

/** What a finished open step's figures are computed from. */
interface StepRun {
  startAt: number;
  offsets: readonly number[];
  records: readonly OpenLoopRecord[];
  /** Requests accepted (201). */
  accepted: number;
  latencies: JobLatencies;
  ledgerStart: Percentiles | null;
  recordsFile: string;
}

/** The step's figures from its records and its jobs' latencies; reads nothing else. */
function stepFigures(s: OpenStepSettings, run: StepRun): OpenStep {
  const { startAt, offsets, records, accepted, latencies } = run;
  const lateness = sendLateness(records, offsets, startAt);
  // Accepted per second from the first intended send to the last accepted reply.
  let lastReply = startAt;
  for (const r of records)
    if (r.status === 201 && r.respondedAt) lastReply = Math.max(lastReply, r.respondedAt);
  const planned = offsets.length;
  return {
    offeredPerSec: s.ratePerSec,
    arrivals: s.arrivals,
    durationMs: s.durationMs,
    windowMs: s.durationMs + s.graceMs,
    planned,
    accepted,
    rejected: records.length - accepted,
    acceptedPerSec: Math.round((accepted / Math.max(0.001, (lastReply - startAt) / 1000)) * 10) / 10,
    completedPerSec: Math.round((latencies.inWindow / (s.durationMs / 1000)) * 10) / 10,
    notDonePct: planned ? Math.round(((planned - latencies.inWindow) / planned) * 1000) / 10 : 0,
    lateness,
    valid: lateness !== null && lateness.max <= s.pollIntervalMs,
    enqueueToStart: hdrPercentiles(latencies.toStart),
    enqueueToComplete: hdrPercentiles(latencies.toComplete),
    ledgerStart: run.ledgerStart,
    neverCompleted: latencies.neverCompleted,
    recordsFile: run.recordsFile,
  };
}
