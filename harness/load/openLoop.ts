import { seededRandom } from "../util/rng.ts";

/** How requests are spaced: evenly, or as a Poisson process (exponential gaps) of the same mean rate. */
export type Arrivals = "constant" | "poisson";

/**
 * The intended send offsets (ms from the start) of an open loop offering `ratePerSec` for
 * `durationMs`: i × 1000 / rate for constant arrivals, cumulative exponential gaps for Poisson.
 */
export function arrivalOffsets(
  ratePerSec: number,
  durationMs: number,
  arrivals: Arrivals,
  seed: number,
): number[] {
  if (!(ratePerSec > 0) || !(durationMs > 0)) return [];
  const gap = 1000 / ratePerSec;
  if (arrivals === "constant") {
    return Array.from({ length: Math.floor((ratePerSec * durationMs) / 1000) }, (_, i) => i * gap);
  }
  const random = seededRandom(seed);
  const out: number[] = [];
  for (let t = -Math.log(1 - random()) * gap; t < durationMs; t += -Math.log(1 - random()) * gap) out.push(t);
  return out;
}

/** The clock the open loop runs on; injected so that tests can run it on a fake one. */
export interface OpenLoopClock {
  /** Wall-clock time in ms (fractions allowed). */
  now(): number;
  /** Resolves at or after wall-clock time `t`. */
  sleepUntil(t: number): Promise<void>;
}

/**
 * The real clock: sub-millisecond wall time, timers for the waits. A timer may fire up to a
 * millisecond early against performance.now(), so the last stretch is waited out by yielding.
 */
export const realClock: OpenLoopClock = {
  now: () => performance.timeOrigin + performance.now(),
  sleepUntil(t) {
    return new Promise((resolve) => {
      const tick = () => {
        const wait = t - (performance.timeOrigin + performance.now());
        if (wait <= 0) resolve();
        else if (wait > 2) setTimeout(tick, wait - 1);
        else setImmediate(tick);
      };
      tick();
    });
  },
};

/** What sending one request came to. */
export interface SendReply {
  status: number;
  body: string;
}

/** Sends request `i`, whose intended send time (whole ms) is `intendedAt`. */
export type OpenLoopSend = (i: number, intendedAt: number) => Promise<SendReply>;

/** One request of an open loop: when it was meant to leave, when it left, and what came back. */
export interface OpenLoopRecord {
  i: number;
  /** Intended send time, floored to whole ms (what the job carries). */
  intendedAt: number;
  sentAt: number;
  status: number | null;
  body: string | null;
  error: string | null;
  respondedAt: number | null;
}

export interface OpenLoopOptions {
  offsets: readonly number[];
  startAt: number;
  clock: OpenLoopClock;
  send: OpenLoopSend;
  signal?: AbortSignal;
}

/**
 * Sends request i at startAt + offsets[i] whatever the server does: the loop never waits for a
 * reply, so as many requests are in flight as the server's pace requires. When the loop itself
 * falls behind (a busy event loop) the late requests leave at once and their lateness is recorded;
 * latency counts from the intended time, so the delay is charged to the system, never hidden
 * (coordinated omission).
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopRecord[]> {
  const { clock, send } = options;
  const records: OpenLoopRecord[] = [];
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < options.offsets.length; i++) {
    if (options.signal?.aborted) break;
    const intended = options.startAt + (options.offsets[i] as number);
    // A request never leaves early: wait again if the clock woke us before its time.
    while (clock.now() < intended) await clock.sleepUntil(intended);
    const record: OpenLoopRecord = {
      i,
      intendedAt: Math.floor(intended),
      sentAt: clock.now(),
      status: null,
      body: null,
      error: null,
      respondedAt: null,
    };
    records.push(record);
    inFlight.push(
      send(i, record.intendedAt).then(
        (reply) => {
          record.status = reply.status;
          record.body = reply.body;
          record.respondedAt = clock.now();
        },
        (error: unknown) => {
          record.error = error instanceof Error ? error.message : String(error);
          record.respondedAt = clock.now();
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return records;
}

/** Send lateness (actual − intended send time) of an open loop, in ms. */
export interface Lateness {
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of sorted values. */
function rank(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** The records' send lateness, measured from the exact (unfloored) intended time. */
export function sendLateness(
  records: readonly OpenLoopRecord[],
  offsets: readonly number[],
  startAt: number,
): Lateness | null {
  if (records.length === 0) return null;
  const late = records.map((r) => r.sentAt - (startAt + (offsets[r.i] as number))).sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { p50: round(rank(late, 50)), p99: round(rank(late, 99)), max: round(late.at(-1) as number) };
}

/**
 * A latency counted from a request's intended send time. A job cannot start before it was meant to
 * be sent, so a negative value is a harness bug (clocks or bookkeeping): it throws, never clamps.
 */
export function latencyFromIntended(intendedAt: number, at: number, what: string): number {
  const latency = at - intendedAt;
  if (latency < 0)
    throw new Error(
      `harness bug: ${what} at ${at} is ${-latency} ms before the intended send time ${intendedAt}`,
    );
  return latency;
}
