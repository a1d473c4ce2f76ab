/**
 * What a harness job asks its handler to do, carried in `job.data`. Every field is optional;
 * missing or malformed fields fall back to doing nothing, so a job from elsewhere cannot crash a worker.
 */
export interface SimulatedWork {
  /** Sleep this long (async: the event loop stays free). */
  durationMs?: number;
  /** Throw on every attempt below this one (attempt 1 is the first). */
  failUntilAttempt?: number;
  /** Busy-wait this long first (blocks the event loop, as a CPU-bound job or a GC pause would). */
  blockMs?: number;
}

function nonNegative(value: unknown, max: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.min(value, max) : 0;
}

/** Reads the simulated work from job data, clamping each figure to a sane range. */
export function readSimulatedWork(data: unknown): Required<SimulatedWork> {
  const d = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
  return {
    durationMs: nonNegative(d.durationMs, 3_600_000),
    failUntilAttempt: nonNegative(d.failUntilAttempt, 1000),
    blockMs: nonNegative(d.blockMs, 3_600_000),
  };
}

/** Does the work; throws on the attempts the job says should fail. */
export async function performSimulatedWork(work: Required<SimulatedWork>, attempt: number): Promise<void> {
  if (work.blockMs > 0) {
    const until = Date.now() + work.blockMs;
    while (Date.now() < until) {
      // Deliberately blocking: nothing else in this process runs meanwhile.
    }
  }
  if (work.durationMs > 0) await new Promise((resolve) => setTimeout(resolve, work.durationMs));
  if (attempt < work.failUntilAttempt) throw new Error(`simulated failure on attempt ${attempt}`);
}
